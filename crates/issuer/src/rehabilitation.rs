//! The law the issuer computes for convictions and cautions in England and Wales: when each
//! becomes spent (Rehabilitation of Offenders Act 1974 s.5 and s.6, as amended by the Police,
//! Crime, Sentencing and Courts Act 2022 s.193, in force 28 October 2023), and when a spent one
//! becomes protected, that is filtered from standard and enhanced disclosure (DBS filtering
//! guidance as updated 28 October 2023). The status is computed here from facts in the request,
//! never taken from it.
//!
//! Conventions (the case table in `tests/data/rehabilitation-cases.jsonl` follows them):
//! - a sentence or order's `ends` is the last day it has effect; a custodial or suspended
//!   sentence without one ends the day before the same date `months` months after conviction;
//! - a rehabilitation period "from conviction" of a year starts on the conviction date, so a fine
//!   of 1 June 2025 is spent on 1 June 2026; an additional period after a sentence starts the day
//!   after the sentence ends; an order with no additional period is spent the day after it ends;
//! - `spent_on` and `protected_on` are the first day of the new status; `None`: never.
//!
//! What this module leaves to the operator: records from Scotland, Northern Ireland or abroad
//! (refused by the validator: their law differs), the end dates of orders (the court's record),
//! whether an offence is specified or in Schedule 18 (the offence's legal classification), and
//! sentences passed before 1 October 1974 or outside the ordinary courts.

use goodstanding_verifier::Date;
use goodstanding_verifier::model::DisclosureLevel;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// A sentence, order or caution given for a conviction or as an out-of-court disposal.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum SentenceKind {
    /// Immediate custody (`months` required).
    Custody,
    /// A suspended sentence (`months` required): treated as custody of that length.
    SuspendedSentence,
    /// A life sentence, IPP/DPP, extended or other preventive sentence: never spent.
    PreventiveSentence,
    /// A community order (`ends` required).
    CommunityOrder,
    /// A youth rehabilitation or referral order (`ends` required).
    YouthOrder,
    /// A fine.
    Fine,
    /// An absolute discharge.
    AbsoluteDischarge,
    /// A conditional discharge (`ends` required).
    ConditionalDischarge,
    /// A driving disqualification (`ends` required).
    DrivingDisqualification,
    /// A licence endorsement.
    LicenceEndorsement,
    /// A compensation order (`ends`: the day it was paid in full).
    CompensationOrder,
    /// Another relevant order, such as a restraining order (`ends` required).
    OtherOrder,
    /// An adult simple caution.
    SimpleCaution,
    /// An adult conditional caution (`ends`: when it ceased to have effect, if before 3 months).
    ConditionalCaution,
    /// A youth caution: never shown.
    YouthCaution,
    /// A youth conditional caution: shown only while unspent.
    YouthConditionalCaution,
    /// A reprimand (youth, before 2013): never shown.
    Reprimand,
    /// A final warning (youth, before 2013): never shown.
    FinalWarning,
}

impl SentenceKind {
    /// The code as in the request.
    pub fn as_code(self) -> &'static str {
        match self {
            Self::Custody => "custody",
            Self::SuspendedSentence => "suspended_sentence",
            Self::PreventiveSentence => "preventive_sentence",
            Self::CommunityOrder => "community_order",
            Self::YouthOrder => "youth_order",
            Self::Fine => "fine",
            Self::AbsoluteDischarge => "absolute_discharge",
            Self::ConditionalDischarge => "conditional_discharge",
            Self::DrivingDisqualification => "driving_disqualification",
            Self::LicenceEndorsement => "licence_endorsement",
            Self::CompensationOrder => "compensation_order",
            Self::OtherOrder => "other_order",
            Self::SimpleCaution => "simple_caution",
            Self::ConditionalCaution => "conditional_caution",
            Self::YouthCaution => "youth_caution",
            Self::YouthConditionalCaution => "youth_conditional_caution",
            Self::Reprimand => "reprimand",
            Self::FinalWarning => "final_warning",
        }
    }

    /// Whether this is a caution, reprimand or warning rather than a sentence of a court.
    pub fn is_caution(self) -> bool {
        matches!(
            self,
            Self::SimpleCaution
                | Self::ConditionalCaution
                | Self::YouthCaution
                | Self::YouthConditionalCaution
                | Self::Reprimand
                | Self::FinalWarning
        )
    }

    /// Whether the sentence is custodial (suspended included): such a conviction is never
    /// filtered.
    pub fn is_custodial(self) -> bool {
        matches!(
            self,
            Self::Custody | Self::SuspendedSentence | Self::PreventiveSentence
        )
    }

    /// Whether only someone under 18 can be given it.
    pub fn is_youth_only(self) -> bool {
        matches!(
            self,
            Self::YouthOrder
                | Self::YouthCaution
                | Self::YouthConditionalCaution
                | Self::Reprimand
                | Self::FinalWarning
        )
    }

    /// Whether the sentence has a length in months.
    pub fn has_months(self) -> bool {
        matches!(self, Self::Custody | Self::SuspendedSentence)
    }

    /// Whether the request must give the day the sentence or order ends.
    pub fn needs_end(self) -> bool {
        matches!(
            self,
            Self::CommunityOrder
                | Self::YouthOrder
                | Self::ConditionalDischarge
                | Self::DrivingDisqualification
                | Self::CompensationOrder
                | Self::OtherOrder
        )
    }

    /// Whether the request may give an end day at all.
    pub fn may_have_end(self) -> bool {
        self.needs_end()
            || self.has_months()
            || matches!(
                self,
                Self::ConditionalCaution | Self::YouthConditionalCaution
            )
    }
}

/// One sentence, order or caution.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Sentence {
    /// What it is.
    #[serde(rename = "type")]
    pub kind: SentenceKind,
    /// Length of a custodial or suspended sentence, in months (1 to 600).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub months: Option<u16>,
    /// The last day it has effect (required for orders; for custody, defaults to the length).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ends: Option<Date>,
}

/// What the law needs to know of one conviction or caution.
#[derive(Debug, Clone, Copy)]
pub struct ConvictionFacts<'a> {
    /// Date of conviction or caution.
    pub decision_date: Date,
    /// Every sentence and order given for it.
    pub sentences: &'a [Sentence],
    /// A specified offence (DBS list): never filtered.
    pub specified_offence: bool,
    /// A Schedule 18 offence (serious violent, sexual or terrorism): a sentence over 4 years for
    /// one is never spent.
    pub schedule_18: bool,
    /// A summary-only offence: such a later conviction does not extend an earlier one (s.6(4)).
    pub summary_only: bool,
}

/// Where a conviction or caution stands on a day, for a disclosure level.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    /// Unspent: always shown.
    Unspent,
    /// Spent, not protected: shown at standard and enhanced level.
    SpentDisclosable,
    /// Spent and protected (filtered): never shown.
    Protected,
    /// Spent, and the certificate is for basic level: not shown.
    SpentNotShownAtBasic,
    /// A youth caution, reprimand or warning: never shown.
    NeverShown,
}

impl Status {
    /// Whether the record is listed on the certificate.
    pub fn is_shown(self) -> bool {
        matches!(self, Self::Unspent | Self::SpentDisclosable)
    }

    /// The status code used in requests and the case table.
    pub fn as_code(self) -> &'static str {
        match self {
            Self::Unspent => "unspent",
            Self::SpentDisclosable => "spent_disclosable",
            Self::Protected => "protected",
            Self::SpentNotShownAtBasic => "spent_not_shown_at_basic",
            Self::NeverShown => "never_shown",
        }
    }
}

/// The computed status of one conviction or caution, and when it changes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Assessment {
    /// The status on the day assessed.
    pub status: Status,
    /// First day on which it is spent (after the further-conviction rule); `None`: never.
    pub spent_on: Option<Date>,
    /// First day on which it is protected; `None`: never filtered.
    pub protected_on: Option<Date>,
}

impl Assessment {
    /// The first day after `today` on which a shown record's status changes (it becomes spent,
    /// or protected); `None` if it never will.
    pub fn next_change(&self) -> Option<Date> {
        match self.status {
            Status::Unspent => self.spent_on,
            Status::SpentDisclosable => self.protected_on,
            _ => None,
        }
    }
}

/// Why the law cannot be computed for a record: a fact is missing or contradictory.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FactError {
    /// No sentence, order or caution is given.
    NoSentence,
    /// A caution is given together with a sentence of a court, or with another caution.
    CautionWithOther,
    /// A sentence that needs its length has none.
    MonthsMissing(usize),
    /// A length is given for a sentence that has none.
    MonthsNotApplicable(usize),
    /// A length outside 1 to 600 months.
    MonthsOutOfRange(usize, u16),
    /// An order without the day it ends.
    EndMissing(usize),
    /// An end day given where the law has no use for one.
    EndNotApplicable(usize),
    /// The sentence ends before the conviction.
    EndBeforeDecision(usize),
    /// A youth disposal for someone 18 or over on the day.
    YouthDisposalForAdult(usize),
    /// A date beyond the supported range.
    OutOfRange,
}

impl FactError {
    /// The field (relative to the conviction) and what to do.
    pub fn describe(&self) -> (String, String) {
        match self {
            Self::NoSentence => (
                "sentences".into(),
                "give every sentence, order or caution (at least one)".into(),
            ),
            Self::CautionWithOther => (
                "sentences".into(),
                "a caution, reprimand or warning is a record of its own; give it alone".into(),
            ),
            Self::MonthsMissing(i) => (
                format!("sentences[{i}].months"),
                "a custodial or suspended sentence needs its length in months".into(),
            ),
            Self::MonthsNotApplicable(i) => (
                format!("sentences[{i}].months"),
                "only custody and suspended sentences have a length; remove months".into(),
            ),
            Self::MonthsOutOfRange(i, m) => (
                format!("sentences[{i}].months"),
                format!("{m} months is out of range (1 to 600)"),
            ),
            Self::EndMissing(i) => (
                format!("sentences[{i}].ends"),
                "give the last day the order has effect (from the court record); the day it \
                 becomes spent depends on it"
                    .into(),
            ),
            Self::EndNotApplicable(i) => (
                format!("sentences[{i}].ends"),
                "this sentence is spent by a fixed period from the conviction; remove ends".into(),
            ),
            Self::EndBeforeDecision(i) => (
                format!("sentences[{i}].ends"),
                "ends before the date of conviction or caution".into(),
            ),
            Self::YouthDisposalForAdult(i) => (
                format!("sentences[{i}].type"),
                "a youth disposal, but the subject was 18 or over on the decision date: check \
                 the disposal and the date of birth"
                    .into(),
            ),
            Self::OutOfRange => (
                "decision_date".into(),
                "the dates run beyond the year 2999".into(),
            ),
        }
    }
}

/// Whether someone born on `date_of_birth` was 18 or over on `day`.
pub fn adult_on(date_of_birth: Date, day: Date) -> bool {
    date_of_birth
        .plus_years(18)
        .is_some_and(|eighteen| eighteen <= day)
}

/// Months of a period for an adult, or for someone under 18 at conviction.
fn months(adult: bool, adult_months: i64, youth_months: i64) -> i64 {
    if adult { adult_months } else { youth_months }
}

/// The first day on which one sentence is spent; `Ok(None)`: never.
fn sentence_spent_on(
    index: usize,
    sentence: &Sentence,
    facts: &ConvictionFacts<'_>,
    adult: bool,
) -> Result<Option<Date>, FactError> {
    use SentenceKind as K;
    let decided = facts.decision_date;
    let kind = sentence.kind;
    if adult && kind.is_youth_only() {
        return Err(FactError::YouthDisposalForAdult(index));
    }
    match (kind.has_months(), sentence.months) {
        (true, None) => return Err(FactError::MonthsMissing(index)),
        (true, Some(m)) if !(1..=600).contains(&m) => {
            return Err(FactError::MonthsOutOfRange(index, m));
        }
        (false, Some(_)) => return Err(FactError::MonthsNotApplicable(index)),
        _ => {}
    }
    match (kind.needs_end(), kind.may_have_end(), sentence.ends) {
        (true, _, None) => return Err(FactError::EndMissing(index)),
        (_, false, Some(_)) => return Err(FactError::EndNotApplicable(index)),
        (_, _, Some(end)) if end < decided => return Err(FactError::EndBeforeDecision(index)),
        _ => {}
    }
    let after = |day: Date, period_months: i64| {
        day.plus_months(period_months)
            .map(Some)
            .ok_or(FactError::OutOfRange)
    };
    let day_after_end = || {
        sentence
            .ends
            .and_then(|end| end.plus_days(1))
            .ok_or(FactError::OutOfRange)
    };
    match kind {
        K::PreventiveSentence => Ok(None),
        K::Custody | K::SuspendedSentence => {
            let length = i64::from(sentence.months.unwrap_or(0));
            if length > 48 && facts.schedule_18 {
                return Ok(None);
            }
            let served_from = match sentence.ends {
                Some(_) => day_after_end()?,
                None => decided.plus_months(length).ok_or(FactError::OutOfRange)?,
            };
            let period = match length {
                l if l > 48 => months(adult, 84, 42),
                l if l > 12 => months(adult, 48, 24),
                _ => months(adult, 12, 6),
            };
            after(served_from, period)
        }
        K::Fine => after(decided, months(adult, 12, 6)),
        K::LicenceEndorsement => after(decided, months(adult, 60, 30)),
        K::CommunityOrder
        | K::YouthOrder
        | K::ConditionalDischarge
        | K::DrivingDisqualification
        | K::CompensationOrder
        | K::OtherOrder => Ok(Some(day_after_end()?)),
        K::AbsoluteDischarge
        | K::SimpleCaution
        | K::YouthCaution
        | K::Reprimand
        | K::FinalWarning => Ok(Some(decided)),
        K::ConditionalCaution | K::YouthConditionalCaution => {
            let three_months = decided.plus_months(3).ok_or(FactError::OutOfRange)?;
            Ok(Some(match sentence.ends {
                Some(_) => day_after_end()?.min(three_months),
                None => three_months,
            }))
        }
    }
}

/// The first day a record is spent under s.5 alone (the longest period of its sentences).
fn own_spent_on(facts: &ConvictionFacts<'_>, adult: bool) -> Result<Option<Date>, FactError> {
    let Some(first) = facts.sentences.first() else {
        return Err(FactError::NoSentence);
    };
    if first.kind.is_caution() && facts.sentences.len() > 1
        || !first.kind.is_caution() && facts.sentences.iter().any(|s| s.kind.is_caution())
    {
        return Err(FactError::CautionWithOther);
    }
    let mut latest = Some(facts.decision_date);
    for (i, sentence) in facts.sentences.iter().enumerate() {
        let spent = sentence_spent_on(i, sentence, facts, adult)?;
        latest = match (latest, spent) {
            (Some(a), Some(b)) => Some(a.max(b)),
            _ => None,
        };
    }
    Ok(latest)
}

/// Later of two "spent on" days, where `None` (never) is the latest.
fn later(a: Option<Date>, b: Option<Date>) -> Option<Date> {
    match (a, b) {
        (Some(a), Some(b)) => Some(a.max(b)),
        _ => None,
    }
}

/// Whether `day` falls inside a rehabilitation period that ends on `spent_on`.
fn before_spent(day: Date, spent_on: Option<Date>) -> bool {
    spent_on.is_none_or(|spent| day < spent)
}

/// Computes every record's status on `today` for `level`: the rehabilitation period of each
/// (the longest of its sentences), the further-conviction rule across convictions (s.6(4)), and
/// filtering. One result per record, in order; a record whose facts are incomplete gets its
/// [`FactError`], and does not take part in the further-conviction rule.
pub fn assess(
    date_of_birth: Date,
    records: &[ConvictionFacts<'_>],
    level: DisclosureLevel,
    today: Date,
) -> Vec<Result<Assessment, FactError>> {
    let adult: Vec<bool> = records
        .iter()
        .map(|r| adult_on(date_of_birth, r.decision_date))
        .collect();
    let own: Vec<Result<Option<Date>, FactError>> = records
        .iter()
        .zip(&adult)
        .map(|(r, &adult)| own_spent_on(r, adult))
        .collect();
    let is_conviction = |i: usize| records[i].sentences.iter().all(|s| !s.kind.is_caution());

    // s.6(4): a conviction during another's rehabilitation period holds both open until the later
    // period ends, unless the later conviction is summary-only (s.6(6)). Repeated until nothing changes,
    // since an extension can bring a third conviction into a period.
    let mut spent: Vec<Option<Date>> = own.iter().map(|r| r.clone().ok().flatten()).collect();
    // A sentence that is never spent has no rehabilitation period, so it neither extends nor is
    // extended (gov.uk "Rehabilitation periods"; Unlock).
    let linked = |i: usize| matches!(own[i], Ok(Some(_))) && is_conviction(i);
    let mut changed = true;
    while changed {
        changed = false;
        for earlier in (0..records.len()).filter(|&i| linked(i)) {
            for further in (0..records.len()).filter(|&j| j != earlier && linked(j)) {
                let (a, b) = (&records[earlier], &records[further]);
                let during = a.decision_date <= b.decision_date
                    && before_spent(b.decision_date, spent[earlier]);
                if !during || b.summary_only {
                    continue;
                }
                let both = later(spent[earlier], spent[further]);
                for k in [earlier, further] {
                    if spent[k] != both {
                        spent[k] = both;
                        changed = true;
                    }
                }
            }
        }
    }

    records
        .iter()
        .enumerate()
        .map(|(i, record)| {
            own[i].clone()?;
            let spent_on = spent[i];
            let protected_on = protected_from(record, adult[i])?
                .and_then(|from| spent_on.map(|spent| from.max(spent)));
            let never_shown = record.sentences.iter().any(|s| {
                matches!(
                    s.kind,
                    SentenceKind::YouthCaution
                        | SentenceKind::Reprimand
                        | SentenceKind::FinalWarning
                )
            });
            let status = if never_shown {
                Status::NeverShown
            } else if before_spent(today, spent_on) {
                Status::Unspent
            } else if level == DisclosureLevel::Basic {
                Status::SpentNotShownAtBasic
            } else if protected_on.is_some_and(|p| today >= p) {
                Status::Protected
            } else {
                Status::SpentDisclosable
            };
            Ok(Assessment {
                status,
                spent_on,
                protected_on,
            })
        })
        .collect()
}

/// The first day filtering could protect a record (before it is also spent); `None`: never.
fn protected_from(record: &ConvictionFacts<'_>, adult: bool) -> Result<Option<Date>, FactError> {
    let decided = record.decision_date;
    let is_caution = record.sentences.iter().any(|s| s.kind.is_caution());
    if record.specified_offence || record.sentences.iter().any(|s| s.kind.is_custodial()) {
        return Ok(None);
    }
    let period = if record
        .sentences
        .iter()
        .any(|s| s.kind == SentenceKind::YouthConditionalCaution)
    {
        // Shown only while unspent: protected as soon as it is spent.
        0
    } else if is_caution {
        months(adult, 72, 24)
    } else {
        months(adult, 132, 66)
    };
    decided
        .plus_months(period)
        .map(Some)
        .ok_or(FactError::OutOfRange)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(text: &str) -> Date {
        Date::parse(text).unwrap()
    }

    #[test]
    fn a_fine_in_the_last_year_is_unspent_and_changes_on_its_anniversary() {
        let fine = [Sentence {
            kind: SentenceKind::Fine,
            months: None,
            ends: None,
        }];
        let facts = ConvictionFacts {
            decision_date: day("2026-11-01"),
            sentences: &fine,
            specified_offence: false,
            schedule_18: false,
            summary_only: true,
        };
        let result = assess(
            day("1980-01-01"),
            &[facts],
            DisclosureLevel::Standard,
            day("2026-12-04"),
        );
        let assessment = result[0].clone().unwrap();
        assert_eq!(assessment.status, Status::Unspent);
        assert_eq!(assessment.next_change(), Some(day("2027-11-01")));
    }
}
