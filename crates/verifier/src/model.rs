//! The certificate: what is signed, field by field.
//!
//! Every value that an employer's system may want to check is coded (an enumeration); free text
//! is short and bounded. Unknown fields are refused. The three record lists are always present, so
//! that "none recorded" is part of what is signed.

use serde::{Deserialize, Serialize};

use crate::text::{BoundedVec, CertificateId, Code, KeyId, RecordId, Text};
use crate::time::{Date, Timestamp};

/// The certificate schema version this crate writes.
pub const SCHEMA_VERSION: u32 = 2;

/// The previous schema version, still read during the transition stated in the README:
/// version 1 certificates verify until they expire (at most 90 days after the last was issued).
pub const PREVIOUS_SCHEMA_VERSION: u32 = 1;

/// Most records a certificate may list in each of its record lists.
pub const MAX_RECORDS_PER_LIST: usize = 24;

/// Most records an issuer lists on one certificate, in all three lists together: what its QR
/// codes ([`crate::parts::MAX_PARTS`] at most) hold whatever the records' texts, within every
/// field's length limit.
pub const MAX_RECORDS: usize = 24;

/// A name as on identity documents (at most 100 characters).
pub type PersonName = Text<100>;
/// The name of an organisation: employer, regulator, tribunal, court or police force.
pub type BodyName = Text<80>;
/// A short reference (case number, file reference), at most 40 characters.
pub type Reference = Text<40>;

/// Generates `as_code` and `label` for a coded value, so the text output and the JSON agree.
macro_rules! coded {
    ($ty:ty { $($variant:ident => $code:literal, $label:literal;)+ }) => {
        impl $ty {
            /// The code as it appears in the signed JSON.
            pub fn as_code(self) -> &'static str {
                match self { $(Self::$variant => $code,)+ }
            }
            /// A short human-readable label.
            pub fn label(self) -> &'static str {
                match self { $(Self::$variant => $label,)+ }
            }
        }
    };
}

/// A signed certificate of good standing (schema version 1).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct Certificate {
    /// Schema version of this payload; 1.
    pub schema_version: u32,
    /// Random, unguessable certificate id.
    pub id: CertificateId,
    /// Who issued the certificate and with which key.
    pub issuer: Issuer,
    /// When the certificate was signed.
    pub issued_at: Timestamp,
    /// The date on which the issuer checked the record; nothing after it is covered.
    pub information_as_at: Date,
    /// Start of validity.
    pub valid_from: Timestamp,
    /// End of validity: at most 90 days after `valid_from`.
    pub valid_until: Timestamp,
    /// The manager the certificate is about.
    pub subject: Subject,
    /// The disclosure level the certificate was prepared for (schema version 2; absent in
    /// version 1, which predates it): it decides which convictions and cautions may be shown.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub disclosure_level: Option<DisclosureLevel>,
    /// Disciplinary findings that were upheld or partially upheld. Empty: none recorded.
    pub findings: BoundedVec<Finding, MAX_RECORDS_PER_LIST>,
    /// Criminal convictions and adult cautions that must be disclosed. Empty: none recorded.
    pub convictions: BoundedVec<Conviction, MAX_RECORDS_PER_LIST>,
    /// Dismissals, resignations and other departures while an investigation was under way.
    /// Empty: none recorded.
    pub departures: BoundedVec<Departure, MAX_RECORDS_PER_LIST>,
    /// The certificate this one replaces (a correction or new information); that one is
    /// revoked. Absent on a first certificate.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub supersedes: Option<CertificateId>,
}

/// The first id among `ids` that an earlier one already has (record ids are unique on a
/// certificate: the issuer and every verifier check it with this).
pub fn first_shared_id<'a>(ids: impl IntoIterator<Item = &'a RecordId>) -> Option<&'a RecordId> {
    let mut seen: Vec<&RecordId> = Vec::new();
    for id in ids {
        if seen.contains(&id) {
            return Some(id);
        }
        seen.push(id);
    }
    None
}

impl Certificate {
    /// The ids of its records that have one, findings first, then convictions, then departures.
    pub fn record_ids(&self) -> impl Iterator<Item = &RecordId> {
        let findings = self.findings.iter().filter_map(|r| r.id.as_ref());
        let convictions = self.convictions.iter().filter_map(|r| r.id.as_ref());
        let departures = self.departures.iter().filter_map(|r| r.id.as_ref());
        findings.chain(convictions).chain(departures)
    }

    /// Whether any record on the certificate has an appeal pending.
    pub fn has_pending_appeal(&self) -> bool {
        self.findings
            .iter()
            .any(|r| r.appeal == AppealStatus::Pending)
            || self
                .convictions
                .iter()
                .any(|r| r.appeal == AppealStatus::Pending)
            || self
                .departures
                .iter()
                .any(|r| r.appeal == AppealStatus::Pending)
    }
}

/// The disclosure level of the role a certificate is for (DBS basic, standard or enhanced): it
/// decides which convictions and cautions may be shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum DisclosureLevel {
    /// Basic: unspent convictions and cautions only.
    Basic,
    /// Standard: also spent ones that are not protected (filtered).
    Standard,
    /// Enhanced: as standard for convictions and cautions.
    Enhanced,
}

coded!(DisclosureLevel {
    Basic => "basic", "basic (unspent convictions and cautions only)";
    Standard => "standard", "standard (unspent, and spent but not protected)";
    Enhanced => "enhanced", "enhanced (unspent, and spent but not protected)";
});

/// The issuing body.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct Issuer {
    /// Name of the issuing body.
    pub name: Text<120>,
    /// Id of the key that signed the certificate; the same as the JWS header's `kid`.
    pub kid: KeyId,
}

/// The person the certificate is about.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct Subject {
    /// Full name as on identity documents.
    pub full_name: PersonName,
    /// Previous names (birth name, former married names). May be omitted in a request when none.
    #[serde(default)]
    pub previous_names: BoundedVec<PersonName, 6>,
    /// Date of birth.
    pub date_of_birth: Date,
    /// The issuing body's own reference for this person.
    pub reference: Reference,
    /// Professional registrations. May be omitted in a request when none.
    #[serde(default)]
    pub registrations: BoundedVec<Registration, 6>,
    /// The role applied for, when the certificate is for one application.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub role_applied_for: Option<Text<80>>,
}

/// A professional registration.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct Registration {
    /// The regulator's code, such as `GMC`, `NMC`, `HCPC`, `GOC`, `GPHC`, `GDC`.
    pub regulator: Code,
    /// The registration number.
    pub number: Text<20>,
}

/// What kind of body made a decision.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum BodyType {
    /// An employer (internal disciplinary process).
    Employer,
    /// A professional regulator.
    Regulator,
    /// An employment or professional tribunal.
    Tribunal,
}

coded!(BodyType {
    Employer => "employer", "employer";
    Regulator => "regulator", "regulator";
    Tribunal => "tribunal", "tribunal";
});

/// The kind of investigation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum InvestigationType {
    /// Conduct.
    Conduct,
    /// Capability or performance.
    Capability,
    /// A grievance raised by others.
    Grievance,
    /// Bullying or harassment.
    BullyingHarassment,
    /// Financial irregularity or fraud.
    FinancialIrregularity,
    /// Breach of the duty of candour.
    DutyOfCandour,
    /// Serious mismanagement.
    SeriousMismanagement,
    /// Patient safety.
    PatientSafety,
    /// Information governance or data protection.
    InformationGovernance,
}

coded!(InvestigationType {
    Conduct => "conduct", "conduct";
    Capability => "capability", "capability";
    Grievance => "grievance", "grievance";
    BullyingHarassment => "bullying_harassment", "bullying or harassment";
    FinancialIrregularity => "financial_irregularity", "financial irregularity";
    DutyOfCandour => "duty_of_candour", "duty of candour";
    SeriousMismanagement => "serious_mismanagement", "serious mismanagement";
    PatientSafety => "patient_safety", "patient safety";
    InformationGovernance => "information_governance", "information governance";
});

/// The category of a disciplinary finding.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum FindingCategory {
    /// Misconduct.
    Misconduct,
    /// Gross misconduct.
    GrossMisconduct,
    /// Serious mismanagement.
    SeriousMismanagement,
}

coded!(FindingCategory {
    Misconduct => "misconduct", "misconduct";
    GrossMisconduct => "gross_misconduct", "gross misconduct";
    SeriousMismanagement => "serious_mismanagement", "serious mismanagement";
});

/// The outcome of a finding listed on a certificate. Findings not upheld are never listed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum FindingOutcome {
    /// Upheld.
    Upheld,
    /// Partially upheld.
    PartiallyUpheld,
}

coded!(FindingOutcome {
    Upheld => "upheld", "upheld";
    PartiallyUpheld => "partially_upheld", "partially upheld";
});

/// The sanction that followed a finding.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum Sanction {
    /// No sanction.
    None,
    /// First written warning.
    FirstWrittenWarning,
    /// Final written warning.
    FinalWrittenWarning,
    /// Demotion.
    Demotion,
    /// Pay reduction.
    PayReduction,
    /// Recovery of pay or expenses.
    PayRecovery,
    /// Dismissal with notice.
    Dismissal,
    /// Summary dismissal.
    SummaryDismissal,
}

coded!(Sanction {
    None => "none", "no sanction";
    FirstWrittenWarning => "first_written_warning", "first written warning";
    FinalWrittenWarning => "final_written_warning", "final written warning";
    Demotion => "demotion", "demotion";
    PayReduction => "pay_reduction", "pay reduction";
    PayRecovery => "pay_recovery", "pay recovery";
    Dismissal => "dismissal", "dismissal";
    SummaryDismissal => "summary_dismissal", "summary dismissal";
});

/// Where an appeal against a record stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum AppealStatus {
    /// No appeal was made and none can be.
    None,
    /// The time to appeal has not yet run out.
    WindowOpen,
    /// An appeal is pending: flagged on the certificate.
    Pending,
    /// The appeal was dismissed.
    Dismissed,
    /// The appeal was allowed (for findings and convictions such a record is not listed).
    Allowed,
    /// The appeal varied the outcome or sanction.
    Varied,
    /// The appeal was withdrawn.
    Withdrawn,
}

coded!(AppealStatus {
    None => "none", "no appeal";
    WindowOpen => "window_open", "appeal window open";
    Pending => "pending", "appeal pending";
    Dismissed => "dismissed", "appeal dismissed";
    Allowed => "allowed", "appeal allowed";
    Varied => "varied", "varied on appeal";
    Withdrawn => "withdrawn", "appeal withdrawn";
});

/// A disciplinary finding.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct Finding {
    /// The record's stable id (schema version 2): the issuer derives it from the subject's
    /// reference and the record's body, date and reference, so the same record has the same id
    /// on every certificate of the subject. Absent in version 1.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<RecordId>,
    /// The body that decided.
    pub body: BodyName,
    /// What kind of body it is.
    pub body_type: BodyType,
    /// Date of the decision.
    pub decision_date: Date,
    /// The deciding body's reference.
    pub reference: Reference,
    /// What was investigated.
    pub investigation: InvestigationType,
    /// Category of the finding.
    pub category: FindingCategory,
    /// Outcome.
    pub outcome: FindingOutcome,
    /// Sanction imposed.
    pub sanction: Sanction,
    /// When the sanction expires, if it does.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sanction_expires: Option<Date>,
    /// Appeal status.
    pub appeal: AppealStatus,
}

/// How a conviction or caution was disposed of.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum Disposal {
    /// Absolute discharge.
    AbsoluteDischarge,
    /// Conditional discharge.
    ConditionalDischarge,
    /// Fine.
    Fine,
    /// Community order.
    CommunityOrder,
    /// Suspended sentence (with `custody_months`).
    SuspendedSentence,
    /// Immediate custody (with `custody_months`).
    Custody,
    /// Simple caution (adult).
    SimpleCaution,
    /// Conditional caution (adult).
    ConditionalCaution,
    /// A youth rehabilitation or referral order (schema version 2).
    YouthOrder,
    /// A life, indeterminate (IPP/DPP) or extended sentence: never spent (schema version 2).
    PreventiveSentence,
    /// A youth conditional caution, shown only while unspent (schema version 2).
    YouthConditionalCaution,
    /// Another order (such as a driving disqualification) without a main sentence (schema
    /// version 2).
    OtherOrder,
}

coded!(Disposal {
    AbsoluteDischarge => "absolute_discharge", "absolute discharge";
    ConditionalDischarge => "conditional_discharge", "conditional discharge";
    Fine => "fine", "fine";
    CommunityOrder => "community_order", "community order";
    SuspendedSentence => "suspended_sentence", "suspended sentence";
    Custody => "custody", "custody";
    SimpleCaution => "simple_caution", "simple caution";
    ConditionalCaution => "conditional_caution", "conditional caution";
    YouthOrder => "youth_order", "youth order";
    PreventiveSentence => "preventive_sentence", "life, indeterminate or extended sentence";
    YouthConditionalCaution => "youth_conditional_caution", "youth conditional caution";
    OtherOrder => "other_order", "other order";
});

impl Disposal {
    /// Whether the disposal is a sentence with a length in months.
    pub fn has_months(self) -> bool {
        matches!(self, Self::Custody | Self::SuspendedSentence)
    }

    /// Whether the disposal was added in schema version 2 (a version 1 certificate cannot hold it).
    pub fn since_version_2(self) -> bool {
        matches!(
            self,
            Self::YouthOrder
                | Self::PreventiveSentence
                | Self::YouthConditionalCaution
                | Self::OtherOrder
        )
    }
}

/// Whether a conviction or caution is disclosed as unspent or as spent but disclosable.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum Disclosure {
    /// Unspent under the Rehabilitation of Offenders Act.
    Unspent,
    /// Spent, but not protected, so disclosable for this role.
    SpentDisclosable,
}

coded!(Disclosure {
    Unspent => "unspent", "unspent";
    SpentDisclosable => "spent_disclosable", "spent but disclosable";
});

/// A criminal conviction or adult caution.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct Conviction {
    /// The record's stable id (schema version 2): the issuer derives it from the subject's
    /// reference and the record's body, date and reference, so the same record has the same id
    /// on every certificate of the subject. Absent in version 1.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<RecordId>,
    /// The court, or the police force that gave a caution.
    pub body: BodyName,
    /// Short description of the offence.
    pub offence: Text<120>,
    /// Offence code where one is used (such as a CJS code).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub offence_code: Option<Code>,
    /// Date of the offence.
    pub offence_date: Date,
    /// Date of conviction or caution (the decision date).
    pub decision_date: Date,
    /// Disposal.
    pub disposal: Disposal,
    /// Length of a custodial or suspended sentence, in months.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "schema", schemars(range(min = 1, max = 600)))]
    pub custody_months: Option<u16>,
    /// Disclosure status.
    pub disclosure: Disclosure,
    /// Appeal status.
    pub appeal: AppealStatus,
    /// Court or police reference.
    pub reference: Reference,
}

/// How a person left a post.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum DepartureType {
    /// Resigned.
    Resigned,
    /// Retired.
    Retired,
    /// Dismissed.
    Dismissed,
    /// Left by mutual agreement.
    MutualAgreement,
    /// Fixed term ended.
    EndOfTerm,
    /// Removed by the appointing body.
    RemovedByAppointingBody,
}

coded!(DepartureType {
    Resigned => "resigned", "resigned";
    Retired => "retired", "retired";
    Dismissed => "dismissed", "dismissed";
    MutualAgreement => "mutual_agreement", "left by mutual agreement";
    EndOfTerm => "end_of_term", "end of term";
    RemovedByAppointingBody => "removed_by_appointing_body", "removed by appointing body";
});

/// Where the investigation under way at a departure got to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum InvestigationState {
    /// It concluded (see `outcome`).
    Concluded,
    /// It was discontinued when the person left.
    DiscontinuedOnDeparture,
    /// It is still open.
    Ongoing,
}

coded!(InvestigationState {
    Concluded => "concluded", "concluded";
    DiscontinuedOnDeparture => "discontinued_on_departure", "discontinued when they left";
    Ongoing => "ongoing", "still open";
});

/// The outcome of a concluded investigation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum InvestigationOutcome {
    /// Allegations upheld.
    Upheld,
    /// Allegations partially upheld.
    PartiallyUpheld,
    /// Allegations not upheld.
    NotUpheld,
    /// No case to answer.
    NoCaseToAnswer,
}

coded!(InvestigationOutcome {
    Upheld => "upheld", "upheld";
    PartiallyUpheld => "partially_upheld", "partially upheld";
    NotUpheld => "not_upheld", "not upheld";
    NoCaseToAnswer => "no_case_to_answer", "no case to answer";
});

/// The investigation that was under way when a person left.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct DepartureInvestigation {
    /// What was being investigated.
    #[serde(rename = "type")]
    pub kind: InvestigationType,
    /// The body investigating.
    pub body: BodyName,
    /// When it was opened.
    pub opened: Date,
    /// Where it got to.
    pub state: InvestigationState,
    /// Its outcome, present exactly when `state` is `concluded`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub outcome: Option<InvestigationOutcome>,
}

/// A dismissal, resignation or other departure while an investigation was under way.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct Departure {
    /// The record's stable id (schema version 2): the issuer derives it from the subject's
    /// reference and the record's body, date and reference, so the same record has the same id
    /// on every certificate of the subject. Absent in version 1.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<RecordId>,
    /// The employer (the body whose records this comes from).
    pub employer: BodyName,
    /// The post held.
    pub role: Text<80>,
    /// When the post started.
    pub started: Date,
    /// When the person left (the decision date of this record).
    pub ended: Date,
    /// How they left.
    pub how_left: DepartureType,
    /// The investigation under way when they left.
    pub investigation: DepartureInvestigation,
    /// Whether a settlement (compromise) agreement exists. Only the fact; never its terms.
    pub settlement_agreement: bool,
    /// Appeal status (such as a tribunal claim against a dismissal).
    pub appeal: AppealStatus,
    /// The employer's reference.
    pub reference: Reference,
}

/// Why a certificate was revoked. Revocation lists carry the code; verifiers show the label.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum RevocationReason {
    /// New information about the subject came to light after issue.
    NewInformation,
    /// The certificate should not have been issued (wrong person, wrong data).
    IssuedInError,
    /// A newer certificate replaces it (set by reissuing).
    Superseded,
    /// The key that signed it is, or may be, in other hands.
    KeyCompromise,
}

coded!(RevocationReason {
    NewInformation => "new_information", "new information";
    IssuedInError => "issued_in_error", "issued in error";
    Superseded => "superseded", "superseded by a newer certificate";
    KeyCompromise => "key_compromise", "signing key compromised";
});

impl RevocationReason {
    /// Every reason, in the order shown to users.
    pub const ALL: [Self; 4] = [
        Self::NewInformation,
        Self::IssuedInError,
        Self::Superseded,
        Self::KeyCompromise,
    ];

    /// The reason for a code such as `new_information`.
    pub fn from_code(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|r| r.as_code() == code)
    }
}
