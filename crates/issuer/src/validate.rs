//! The rules an issuer enforces before signing (see DOMAIN.md, "Rules an issuer must enforce").
//! Every violation names the field, the rule and what to do; all violations of a request are
//! reported together.

use std::fmt;

use goodstanding_verifier::model::{
    AppealStatus, Conviction, Departure, Disclosure, DisclosureLevel, Disposal, Finding,
    FindingOutcome, InvestigationState, MAX_RECORDS, MAX_RECORDS_PER_LIST, Subject,
};
use goodstanding_verifier::text::{BoundedVec, Text};
use goodstanding_verifier::verify::MAX_VALIDITY_DAYS;
use goodstanding_verifier::{Date, RecordId, Timestamp};

use crate::record_id::{RecordKind, record_id};

mod records;
mod text;

use crate::rehabilitation::{
    self, Assessment, ConvictionFacts, FactError, Sentence, SentenceKind, Status,
};
use crate::request::{
    CertificateRequest, ConvictionRequest, DepartureRequest, FindingRequest, Jurisdiction,
    RecordedDisclosure, RecordedOutcome,
};
pub use text::is_right_to_left;

/// How old the information may be when a certificate is signed, by default (rule 6).
pub const DEFAULT_FRESHNESS_DAYS: i64 = 30;
/// The most a register setting may allow for the information's age.
pub const MAX_FRESHNESS_DAYS: i64 = 90;
/// The longest delay between issue and the start of validity (rule 7).
pub const MAX_START_DELAY_DAYS: i64 = 7;

/// The rule a violation breaks, numbered as in DOMAIN.md.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Rule {
    /// 2. No unproven findings: not upheld, no case to answer, or overturned on appeal.
    NoUnprovenFindings,
    /// 3. Convictions and cautions: the status is computed from the facts, never taken on trust.
    ConvictionStatus,
    /// 5. A departure always names its investigation and its state.
    DepartureInvestigation,
    /// 6. Dates real, in order, never after the information date, which is not after issue.
    DateOrder,
    /// 7. Validity at most 90 days.
    ValidityPeriod,
    /// 1. Every record once; registrations in their regulator's format, each once.
    Records,
    /// Rule 10, text is what it seems: NFC, and no right-to-left script the certificate cannot
    /// print in its visual order.
    Text,
    /// Fields that only make sense together (sentence length, sanction expiry, outcome).
    Consistency,
    /// A certificate has room for a limited number of records.
    Size,
}

impl Rule {
    /// The rule's number and name.
    pub fn title(self) -> &'static str {
        match self {
            Self::NoUnprovenFindings => "rule 2: no unproven findings",
            Self::ConvictionStatus => {
                "rule 3: conviction status computed under the Rehabilitation of Offenders Act and \
                 the DBS filtering rules"
            }
            Self::DepartureInvestigation => "rule 5: a departure names its investigation",
            Self::DateOrder => "rule 6: dates in order and not in the future",
            Self::ValidityPeriod => {
                "rule 7: validity from issue, at most 90 days and not past a status change"
            }
            Self::Text => "rule 10: text is what it seems",
            Self::Records => "rule 1: each record and registration once, in its format",
            Self::Consistency => "consistency",
            Self::Size => "size",
        }
    }
}

/// One broken rule.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Violation {
    /// The field, as a path such as `findings[0].outcome`.
    pub field: String,
    /// The rule.
    pub rule: Rule,
    /// What is wrong and what to do.
    pub message: String,
}

impl fmt::Display for Violation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}: {} ({})",
            self.field,
            self.message,
            self.rule.title()
        )
    }
}

/// All the rules a request breaks (never empty).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Violations(pub Vec<Violation>);

impl fmt::Display for Violations {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, v) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str("\n")?;
            }
            write!(f, "{v}")?;
        }
        Ok(())
    }
}

impl std::error::Error for Violations {}

/// Something the operator is told about a request that was accepted: a record the law does not
/// let the certificate show (such as a protected conviction). Names the field, never the content.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Notice {
    /// The record, as a path such as `convictions[2]`.
    pub field: String,
    /// What happened to it and why.
    pub message: String,
}

impl fmt::Display for Notice {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.field, self.message)
    }
}

/// A request that keeps every rule: the content of a certificate, less its id and key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValidRequest {
    /// Issuing body's name.
    pub issuer: Text<120>,
    /// The disclosure level the certificate is prepared for.
    pub disclosure_level: DisclosureLevel,
    /// Records left off as the law requires, for the operator.
    pub notices: Vec<Notice>,
    /// Information date.
    pub information_as_at: Date,
    /// Start of validity.
    pub valid_from: Timestamp,
    /// End of validity.
    pub valid_until: Timestamp,
    /// The manager.
    pub subject: Subject,
    /// Findings to list.
    pub findings: BoundedVec<Finding, MAX_RECORDS_PER_LIST>,
    /// Convictions and cautions to list.
    pub convictions: BoundedVec<Conviction, MAX_RECORDS_PER_LIST>,
    /// Departures to list.
    pub departures: BoundedVec<Departure, MAX_RECORDS_PER_LIST>,
}

/// Collects violations while the request is checked.
struct Checker {
    found: Vec<Violation>,
    notices: Vec<Notice>,
    information_as_at: Date,
    date_of_birth: Date,
    today: Date,
    /// Each conviction's computed status, in request order.
    assessments: Vec<Result<Assessment, FactError>>,
    /// The first day on which a listed conviction or caution changes status.
    next_change: Option<Date>,
    /// The subject's reference, from which (with each record's body, date and reference) its
    /// stable id is derived.
    subject_reference: String,
}

/// Whether a status stated in a request agrees with the computed one.
fn agrees(stated: RecordedDisclosure, computed: Status) -> bool {
    match stated {
        RecordedDisclosure::Unspent => computed == Status::Unspent,
        RecordedDisclosure::SpentDisclosable => matches!(
            computed,
            Status::SpentDisclosable | Status::SpentNotShownAtBasic
        ),
        RecordedDisclosure::Protected => {
            matches!(computed, Status::Protected | Status::NeverShown)
        }
    }
}

/// The dates behind a computed status, for a message.
fn explain(assessment: &Assessment) -> String {
    let spent = match assessment.spent_on {
        Some(day) => format!("spent on {day}"),
        None => "never spent".into(),
    };
    match (assessment.status, assessment.protected_on) {
        (Status::NeverShown, _) => " (a youth caution, reprimand or warning is never shown)".into(),
        (Status::SpentNotShownAtBasic, _) => {
            format!(" ({spent}; a basic certificate shows unspent records only)")
        }
        (_, Some(day)) => format!(" ({spent}, protected from {day})"),
        (_, None) => format!(" ({spent}, never filtered)"),
    }
}

/// The sentence a certificate names as the disposal: the most severe.
fn main_sentence(sentences: &[Sentence]) -> Option<&Sentence> {
    use SentenceKind as K;
    let rank = |kind: SentenceKind| match kind {
        K::PreventiveSentence => 0,
        K::Custody => 1,
        K::SuspendedSentence => 2,
        K::CommunityOrder | K::YouthOrder => 3,
        K::Fine => 4,
        K::ConditionalDischarge => 5,
        K::AbsoluteDischarge => 6,
        K::ConditionalCaution | K::YouthConditionalCaution => 7,
        K::SimpleCaution | K::YouthCaution | K::Reprimand | K::FinalWarning => 8,
        K::DrivingDisqualification
        | K::LicenceEndorsement
        | K::CompensationOrder
        | K::OtherOrder => 9,
    };
    sentences.iter().min_by_key(|s| rank(s.kind))
}

/// The certificate's disposal code for a request's main sentence.
fn disposal_of(kind: Option<SentenceKind>) -> Disposal {
    use SentenceKind as K;
    match kind {
        Some(K::PreventiveSentence) => Disposal::PreventiveSentence,
        Some(K::Custody) => Disposal::Custody,
        Some(K::SuspendedSentence) => Disposal::SuspendedSentence,
        Some(K::CommunityOrder) => Disposal::CommunityOrder,
        Some(K::YouthOrder) => Disposal::YouthOrder,
        Some(K::Fine) => Disposal::Fine,
        Some(K::ConditionalDischarge) => Disposal::ConditionalDischarge,
        Some(K::AbsoluteDischarge) => Disposal::AbsoluteDischarge,
        Some(K::SimpleCaution) => Disposal::SimpleCaution,
        Some(K::ConditionalCaution) => Disposal::ConditionalCaution,
        Some(K::YouthConditionalCaution) => Disposal::YouthConditionalCaution,
        // Never shown (youth cautions, reprimands, warnings) or ancillary orders alone.
        _ => Disposal::OtherOrder,
    }
}

impl Checker {
    fn fail(&mut self, field: impl Into<String>, rule: Rule, message: impl Into<String>) {
        self.found.push(Violation {
            field: field.into(),
            rule,
            message: message.into(),
        });
    }

    /// The stable id of a record of this subject (rule 1; see [`crate::record_id`]).
    fn record_id(&self, kind: RecordKind, body: &str, date: Date, reference: &str) -> RecordId {
        record_id(kind, &self.subject_reference, body, date, reference)
    }

    /// A record's date: not after the information date, not before the subject's birth.
    fn record_date(&mut self, field: String, date: Date) {
        if date > self.information_as_at {
            self.fail(
                field,
                Rule::DateOrder,
                format!(
                    "{date} is after information_as_at {}; a certificate cannot record what had \
                     not happened when the record was checked",
                    self.information_as_at
                ),
            );
        } else if date < self.date_of_birth {
            self.fail(
                field,
                Rule::DateOrder,
                format!(
                    "{date} is before the subject's date of birth {}",
                    self.date_of_birth
                ),
            );
        }
    }

    fn in_order(&mut self, field: String, earlier: (&str, Date), later: (&str, Date)) {
        if earlier.1 > later.1 {
            self.fail(
                field,
                Rule::DateOrder,
                format!(
                    "{} {} is after {} {}",
                    earlier.0, earlier.1, later.0, later.1
                ),
            );
        }
    }

    fn finding(&mut self, i: usize, r: &FindingRequest) -> Option<Finding> {
        let at = |f: &str| format!("findings[{i}].{f}");
        self.record_date(at("decision_date"), r.decision_date);
        let outcome = match r.outcome {
            RecordedOutcome::Upheld => Some(FindingOutcome::Upheld),
            RecordedOutcome::PartiallyUpheld => Some(FindingOutcome::PartiallyUpheld),
            RecordedOutcome::NotUpheld | RecordedOutcome::NoCaseToAnswer => {
                self.fail(
                    at("outcome"),
                    Rule::NoUnprovenFindings,
                    "a finding that was not upheld (or with no case to answer) is never listed; \
                     remove it from the request",
                );
                None
            }
        };
        if r.appeal == AppealStatus::Allowed {
            self.fail(
                at("appeal"),
                Rule::NoUnprovenFindings,
                "a finding overturned on appeal is never listed; remove it from the request",
            );
        }
        if let Some(expires) = r.sanction_expires {
            if r.sanction == goodstanding_verifier::model::Sanction::None {
                self.fail(
                    at("sanction_expires"),
                    Rule::Consistency,
                    "there is no sanction to expire; remove sanction_expires or set the sanction",
                );
            }
            self.in_order(
                at("sanction_expires"),
                ("decision_date", r.decision_date),
                ("sanction_expires", expires),
            );
        }
        Some(Finding {
            id: Some(self.record_id(RecordKind::Finding, &r.body, r.decision_date, &r.reference)),
            body: r.body.clone(),
            body_type: r.body_type,
            decision_date: r.decision_date,
            reference: r.reference.clone(),
            investigation: r.investigation,
            category: r.category,
            outcome: outcome?,
            sanction: r.sanction,
            sanction_expires: r.sanction_expires,
            appeal: r.appeal,
        })
    }

    fn conviction(&mut self, i: usize, r: &ConvictionRequest) -> Option<Conviction> {
        let at = |f: &str| format!("convictions[{i}].{f}");
        self.record_date(at("offence_date"), r.offence_date);
        self.record_date(at("decision_date"), r.decision_date);
        self.in_order(
            at("decision_date"),
            ("offence_date", r.offence_date),
            ("decision_date", r.decision_date),
        );
        if self
            .date_of_birth
            .plus_years(10)
            .is_some_and(|tenth| r.offence_date < tenth)
        {
            self.fail(
                at("offence_date"),
                Rule::DateOrder,
                format!(
                    "{} is before the subject's 10th birthday; no one under 10 can commit an \
                     offence in England and Wales: check the offence date and the date of birth",
                    r.offence_date
                ),
            );
        }
        if r.jurisdiction != Jurisdiction::EnglandWales {
            self.fail(
                at("jurisdiction"),
                Rule::ConvictionStatus,
                "goodstanding computes the law of England and Wales only; a record from \
                 elsewhere must be handled manually, outside goodstanding, and is never guessed",
            );
            return None;
        }
        if r.appeal == AppealStatus::Allowed {
            self.fail(
                at("appeal"),
                Rule::NoUnprovenFindings,
                "a conviction quashed on appeal is never listed; remove the record",
            );
        }
        let assessment = match self.assessments.get(i).cloned()? {
            Ok(assessment) => assessment,
            Err(problem) => {
                let (field, message) = problem.describe();
                self.fail(at(&field), Rule::ConvictionStatus, message);
                return None;
            }
        };
        if let Some(stated) = r.disclosure
            && !agrees(stated, assessment.status)
        {
            self.fail(
                at("disclosure"),
                Rule::ConvictionStatus,
                format!(
                    "the request says {}, but the law makes it {} on {}{}; the issuer computes \
                     the status itself: correct the case record or leave disclosure out",
                    stated.as_code(),
                    assessment.status.as_code(),
                    self.today,
                    explain(&assessment),
                ),
            );
            return None;
        }
        if !assessment.status.is_shown() {
            self.notices.push(Notice {
                field: format!("convictions[{i}]"),
                message: format!(
                    "{}{}: not listed, as the law requires",
                    assessment.status.as_code().replace('_', " "),
                    explain(&assessment)
                ),
            });
            return None;
        }
        if let Some(change) = assessment.next_change() {
            self.next_change = Some(self.next_change.map_or(change, |c| c.min(change)));
        }
        let main = main_sentence(&r.sentences);
        Some(Conviction {
            id: Some(self.record_id(
                RecordKind::Conviction,
                &r.body,
                r.decision_date,
                &r.reference,
            )),
            body: r.body.clone(),
            offence: r.offence.clone(),
            offence_code: r.offence_code.clone(),
            offence_date: r.offence_date,
            decision_date: r.decision_date,
            disposal: disposal_of(main.map(|s| s.kind)),
            custody_months: main.and_then(|s| s.months),
            disclosure: match assessment.status {
                Status::Unspent => Disclosure::Unspent,
                _ => Disclosure::SpentDisclosable,
            },
            appeal: r.appeal,
            reference: r.reference.clone(),
        })
    }

    fn departure(&mut self, i: usize, r: &DepartureRequest) -> Option<Departure> {
        let at = |f: &str| format!("departures[{i}].{f}");
        self.record_date(at("started"), r.started);
        self.record_date(at("ended"), r.ended);
        self.in_order(at("ended"), ("started", r.started), ("ended", r.ended));
        let Some(investigation) = &r.investigation else {
            self.fail(
                at("investigation"),
                Rule::DepartureInvestigation,
                "a departure during an investigation must name the investigation (type, body, \
                 opened, state); add it, even if a settlement agreement was made",
            );
            return None;
        };
        self.record_date(at("investigation.opened"), investigation.opened);
        if investigation.opened > r.ended {
            self.fail(
                at("investigation.opened"),
                Rule::DepartureInvestigation,
                format!(
                    "the investigation opened {} after the person left on {}; it was not under way",
                    investigation.opened, r.ended
                ),
            );
        }
        let concluded = investigation.state == InvestigationState::Concluded;
        if concluded != investigation.outcome.is_some() {
            self.fail(
                at("investigation.outcome"),
                Rule::DepartureInvestigation,
                if concluded {
                    "a concluded investigation needs its outcome"
                } else {
                    "only a concluded investigation has an outcome; remove it or set state \
                     concluded"
                },
            );
        }
        Some(Departure {
            id: Some(self.record_id(RecordKind::Departure, &r.employer, r.ended, &r.reference)),
            employer: r.employer.clone(),
            role: r.role.clone(),
            started: r.started,
            ended: r.ended,
            how_left: r.how_left,
            investigation: investigation.clone(),
            settlement_agreement: r.settlement_agreement,
            appeal: r.appeal,
            reference: r.reference.clone(),
        })
    }

    fn list<R, T>(
        &mut self,
        name: &str,
        records: &[R],
        mut check: impl FnMut(&mut Self, usize, &R) -> Option<T>,
    ) -> BoundedVec<T, MAX_RECORDS_PER_LIST> {
        let items: Vec<T> = records
            .iter()
            .enumerate()
            .filter_map(|(i, r)| check(self, i, r))
            .collect();
        BoundedVec::new(items).unwrap_or_else(|items| {
            self.fail(
                name,
                Rule::Size,
                format!(
                    "{} records; a certificate lists at most {MAX_RECORDS_PER_LIST}",
                    items.len()
                ),
            );
            BoundedVec::empty()
        })
    }
}

/// "1 finding", "2 findings".
fn counted(count: usize, noun: &str) -> String {
    if count == 1 {
        format!("1 {noun}")
    } else {
        format!("{count} {noun}s")
    }
}

/// What an issuing body may set about the rules (a register setting).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Policy {
    /// How many days old the information may be at issue (at most [`MAX_FRESHNESS_DAYS`]).
    pub freshness_days: i64,
}

impl Default for Policy {
    fn default() -> Self {
        Self {
            freshness_days: DEFAULT_FRESHNESS_DAYS,
        }
    }
}

/// Checks a request against every rule, for a certificate issued at `issued_at`, with the
/// default [`Policy`].
pub fn validate(
    request: &CertificateRequest,
    issued_at: Timestamp,
) -> Result<ValidRequest, Violations> {
    validate_with(request, issued_at, Policy::default())
}

/// Checks a request against every rule, for a certificate issued at `issued_at`.
pub fn validate_with(
    request: &CertificateRequest,
    issued_at: Timestamp,
    policy: Policy,
) -> Result<ValidRequest, Violations> {
    let today = issued_at.date();
    let facts: Vec<ConvictionFacts<'_>> = request
        .convictions
        .iter()
        .map(|r| ConvictionFacts {
            decision_date: r.decision_date,
            sentences: &r.sentences,
            specified_offence: r.specified_offence,
            schedule_18: r.schedule_18,
            summary_only: r.summary_only,
        })
        .collect();
    let mut c = Checker {
        found: Vec::new(),
        notices: Vec::new(),
        information_as_at: request.information_as_at,
        date_of_birth: request.subject.date_of_birth,
        subject_reference: request.subject.reference.to_string(),
        today,
        assessments: rehabilitation::assess(
            request.subject.date_of_birth,
            &facts,
            request.disclosure_level,
            today,
        ),
        next_change: None,
    };
    let freshness_days = policy.freshness_days.clamp(0, MAX_FRESHNESS_DAYS);
    if request.information_as_at > today {
        c.fail(
            "information_as_at",
            Rule::DateOrder,
            format!(
                "{} is after the day of issue {today}",
                request.information_as_at
            ),
        );
    } else if today.days_since_epoch() - request.information_as_at.days_since_epoch()
        > freshness_days
    {
        c.fail(
            "information_as_at",
            Rule::DateOrder,
            format!(
                "the record was checked on {}, more than {freshness_days} days before issue on \
                 {today}; check the case record again and give the new date",
                request.information_as_at
            ),
        );
    }
    let dob = request.subject.date_of_birth;
    if dob
        .plus_years(16)
        .is_none_or(|sixteen| sixteen > request.information_as_at)
    {
        c.fail(
            "subject.date_of_birth",
            Rule::DateOrder,
            format!(
                "{dob} makes the subject younger than 16 on {}; check the date of birth",
                request.information_as_at
            ),
        );
    }

    text::check_text(&mut c, request);
    records::check_records(&mut c, request);
    let findings = c.list("findings", &request.findings, Checker::finding);
    let convictions = c.list("convictions", &request.convictions, Checker::conviction);
    let departures = c.list("departures", &request.departures, Checker::departure);
    let listed = findings.len() + convictions.len() + departures.len();
    if listed > MAX_RECORDS {
        c.fail(
            "findings, convictions, departures",
            Rule::Size,
            format!(
                "{listed} records to list ({}, {}, {}); a certificate lists at most \
                 {MAX_RECORDS} in all, which its QR codes hold whatever the texts: a longer \
                 record needs handling outside goodstanding",
                counted(findings.len(), "finding"),
                counted(convictions.len(), "conviction"),
                counted(departures.len(), "departure")
            ),
        );
    }
    records::check_record_ids(
        &mut c,
        findings
            .iter()
            .filter_map(|r| r.id.as_ref())
            .chain(convictions.iter().filter_map(|r| r.id.as_ref()))
            .chain(departures.iter().filter_map(|r| r.id.as_ref())),
    );

    let validity = validity(&mut c, request, issued_at);
    match validity {
        Some((valid_from, valid_until)) if c.found.is_empty() => Ok(ValidRequest {
            issuer: request.issuer.clone(),
            disclosure_level: request.disclosure_level,
            notices: c.notices,
            information_as_at: request.information_as_at,
            valid_from,
            valid_until,
            subject: request.subject.clone(),
            findings,
            convictions,
            departures,
        }),
        _ => Err(Violations(c.found)),
    }
}

/// Rule 7: from issue (or a delay of at most 7 days) to at most 90 days after issue, and never
/// past the first day a listed conviction or caution changes status.
fn validity(
    c: &mut Checker,
    request: &CertificateRequest,
    issued_at: Timestamp,
) -> Option<(Timestamp, Timestamp)> {
    let valid_from = request.valid_from.unwrap_or(issued_at);
    let latest_start = issued_at.plus_days(MAX_START_DELAY_DAYS)?;
    if valid_from < issued_at {
        c.fail(
            "valid_from",
            Rule::ValidityPeriod,
            format!(
                "{valid_from} is before the moment of issue {issued_at}; a certificate is never \
                 backdated: leave valid_from out"
            ),
        );
    } else if valid_from > latest_start {
        c.fail(
            "valid_from",
            Rule::ValidityPeriod,
            format!(
                "{valid_from} is more than {MAX_START_DELAY_DAYS} days after issue \
                 ({issued_at}); issue it nearer the time, or leave valid_from out"
            ),
        );
    }
    let ninety_days = issued_at.plus_days(MAX_VALIDITY_DAYS)?;
    let status_change = c.next_change.map(|day| day.start());
    let latest = status_change.map_or(ninety_days, |change| change.min(ninety_days));
    let valid_until = request.valid_until.unwrap_or(latest);
    if valid_until <= valid_from {
        c.fail(
            "valid_until",
            Rule::ValidityPeriod,
            match status_change {
                Some(change) if request.valid_until.is_none() => format!(
                    "a listed conviction or caution changes status at {change}, before validity \
                     would start at {valid_from}; issue the certificate after that day"
                ),
                _ => format!("{valid_until} is not after valid_from {valid_from}"),
            },
        );
    } else if valid_until > latest {
        let why = match status_change {
            Some(change) if change < ninety_days => format!(
                "a listed conviction or caution changes status at {change}, and the certificate \
                 must not outlive what it says"
            ),
            _ => format!(
                "good standing goes stale: validity ends at most {MAX_VALIDITY_DAYS} days after \
                 issue"
            ),
        };
        c.fail(
            "valid_until",
            Rule::ValidityPeriod,
            format!(
                "{valid_until} is after the latest allowed, {latest}: {why}; shorten it or leave \
                 valid_until out for the latest"
            ),
        );
    }
    Some((valid_from, valid_until))
}
