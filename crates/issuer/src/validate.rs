//! The rules an issuer enforces before signing (see DOMAIN.md, "Rules an issuer must enforce").
//! Every violation names the field, the rule and what to do; all violations of a request are
//! reported together.

use std::fmt;

use goodstanding_verifier::model::{
    AppealStatus, Conviction, Departure, Disclosure, Finding, FindingOutcome, InvestigationState,
    MAX_RECORDS_PER_LIST, Subject,
};
use goodstanding_verifier::text::{BoundedVec, Text};
use goodstanding_verifier::verify::MAX_VALIDITY_DAYS;
use goodstanding_verifier::{Date, Timestamp};

use crate::request::{
    CertificateRequest, ConvictionRequest, DepartureRequest, FindingRequest, RecordedDisclosure,
    RecordedDisposal, RecordedOutcome,
};

/// The rule a violation breaks, numbered as in DOMAIN.md.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Rule {
    /// 2. No unproven findings: not upheld, no case to answer, or overturned on appeal.
    NoUnprovenFindings,
    /// 3. Never protected convictions or youth disposals; custodial sentences always listed.
    ConvictionFiltering,
    /// 5. A departure always names its investigation and its state.
    DepartureInvestigation,
    /// 6. Dates real, in order, never after the information date, which is not after issue.
    DateOrder,
    /// 7. Validity at most 90 days.
    ValidityPeriod,
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
            Self::ConvictionFiltering => "rule 3: convictions filtered as the DBS rules require",
            Self::DepartureInvestigation => "rule 5: a departure names its investigation",
            Self::DateOrder => "rule 6: dates in order and not in the future",
            Self::ValidityPeriod => "rule 7: validity at most 90 days",
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

/// A request that keeps every rule: the content of a certificate, less its id and key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValidRequest {
    /// Issuing body's name.
    pub issuer: Text<120>,
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
    information_as_at: Date,
    date_of_birth: Date,
}

impl Checker {
    fn fail(&mut self, field: impl Into<String>, rule: Rule, message: impl Into<String>) {
        self.found.push(Violation {
            field: field.into(),
            rule,
            message: message.into(),
        });
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
        let disposal = r.disposal.listable();
        if disposal.is_none() {
            self.fail(
                at("disposal"),
                Rule::ConvictionFiltering,
                "youth cautions, reprimands and warnings are never listed; remove the record",
            );
        }
        let disclosure = match r.disclosure {
            RecordedDisclosure::Unspent => Some(Disclosure::Unspent),
            RecordedDisclosure::SpentDisclosable => Some(Disclosure::SpentDisclosable),
            RecordedDisclosure::Protected
                if matches!(
                    r.disposal,
                    RecordedDisposal::Custody | RecordedDisposal::SuspendedSentence
                ) =>
            {
                self.fail(
                    at("disclosure"),
                    Rule::ConvictionFiltering,
                    "a custodial sentence is never protected and is always listed; correct the \
                     disclosure status in the case record",
                );
                None
            }
            RecordedDisclosure::Protected => {
                self.fail(
                    at("disclosure"),
                    Rule::ConvictionFiltering,
                    "a protected conviction or caution is never listed; remove the record",
                );
                None
            }
        };
        if r.appeal == AppealStatus::Allowed {
            self.fail(
                at("appeal"),
                Rule::NoUnprovenFindings,
                "a conviction quashed on appeal is never listed; remove the record",
            );
        }
        match (disposal.map(|d| d.has_months()), r.custody_months) {
            (Some(true), None) => self.fail(
                at("custody_months"),
                Rule::Consistency,
                "a custodial or suspended sentence needs its length in months",
            ),
            (Some(true), Some(m)) if !(1..=600).contains(&m) => self.fail(
                at("custody_months"),
                Rule::Consistency,
                format!("{m} months is out of range (1 to 600)"),
            ),
            (Some(false), Some(_)) => self.fail(
                at("custody_months"),
                Rule::Consistency,
                "only custody and suspended sentences have a length; remove custody_months",
            ),
            _ => {}
        }
        Some(Conviction {
            body: r.body.clone(),
            offence: r.offence.clone(),
            offence_code: r.offence_code.clone(),
            offence_date: r.offence_date,
            decision_date: r.decision_date,
            disposal: disposal?,
            custody_months: r.custody_months,
            disclosure: disclosure?,
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

/// Checks a request against every rule, for a certificate issued at `issued_at`.
pub fn validate(
    request: &CertificateRequest,
    issued_at: Timestamp,
) -> Result<ValidRequest, Violations> {
    let mut c = Checker {
        found: Vec::new(),
        information_as_at: request.information_as_at,
        date_of_birth: request.subject.date_of_birth,
    };
    let today = issued_at.date();
    if request.information_as_at > today {
        c.fail(
            "information_as_at",
            Rule::DateOrder,
            format!(
                "{} is after the day of issue {today}",
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

    let valid_from = request.valid_from.unwrap_or(issued_at);
    if valid_from.date() < request.information_as_at {
        c.fail(
            "valid_from",
            Rule::ValidityPeriod,
            format!(
                "{valid_from} is before information_as_at {}; validity cannot start before the \
                 record was checked",
                request.information_as_at
            ),
        );
    }
    let latest = valid_from.plus_days(MAX_VALIDITY_DAYS);
    let valid_until = request.valid_until.or(latest);
    match (valid_until, latest) {
        (Some(until), _) if until <= valid_from => c.fail(
            "valid_until",
            Rule::ValidityPeriod,
            format!("{until} is not after valid_from {valid_from}"),
        ),
        (Some(until), Some(latest)) if until > latest => c.fail(
            "valid_until",
            Rule::ValidityPeriod,
            format!(
                "validity over {MAX_VALIDITY_DAYS} days: {valid_from} to {until}; the latest \
                 allowed is {latest}. Good standing goes stale: shorten it or leave valid_until \
                 out for the default of {MAX_VALIDITY_DAYS} days"
            ),
        ),
        (None, _) | (_, None) => c.fail(
            "valid_until",
            Rule::ValidityPeriod,
            "the validity period runs past the year 2999",
        ),
        _ => {}
    }

    let findings = c.list("findings", &request.findings, Checker::finding);
    let convictions = c.list("convictions", &request.convictions, Checker::conviction);
    let departures = c.list("departures", &request.departures, Checker::departure);

    match valid_until {
        Some(valid_until) if c.found.is_empty() => Ok(ValidRequest {
            issuer: request.issuer.clone(),
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
