//! What `issue`, `reissue`, `revoke`, `publish` and `trust show` print with `--json`: one JSON
//! object each, described by a JSON Schema in `schemas/` generated from these types (`goodstanding
//! schema`), so that a script can rely on them.

use schemars::JsonSchema;
use serde::Serialize;

/// The files of a certificate.
#[derive(Debug, Serialize, JsonSchema)]
pub struct CertificateFiles {
    /// The signed certificate (JWS compact serialization).
    pub jws: String,
    /// Its QR text.
    pub qr_txt: String,
    /// Its PDF.
    pub pdf: String,
}

/// A record the law keeps off the certificate, told to the operator.
#[derive(Debug, Serialize, JsonSchema)]
pub struct NoticeOutput {
    /// The record, as a path such as `convictions[2]`.
    pub field: String,
    /// What happened to it and why.
    pub message: String,
}

/// What `issue --json` and `reissue --json` print: the certificate signed and recorded.
#[derive(Debug, Serialize, JsonSchema)]
pub struct IssueOutput {
    /// The certificate id.
    pub id: String,
    /// The issuing body's reference for the subject.
    pub subject_reference: String,
    /// When it was signed (UTC).
    pub issued_at: String,
    /// Start of validity (UTC).
    pub valid_from: String,
    /// End of validity (UTC).
    pub valid_until: String,
    /// The certificate it supersedes (now revoked as superseded), if any.
    pub supersedes: Option<String>,
    /// Where its files were written.
    pub files: CertificateFiles,
    /// Characters of its QR text.
    pub qr_characters: usize,
    /// How many QR codes it is printed as.
    pub qr_codes: usize,
    /// The QR version (error correction M) of the largest code.
    pub qr_version: i16,
    /// Records the law keeps off the certificate.
    pub notices: Vec<NoticeOutput>,
}

/// What `revoke --json` prints.
#[derive(Debug, Serialize, JsonSchema)]
pub struct RevokeOutput {
    /// The certificate id.
    pub id: String,
    /// When it was revoked (UTC).
    pub revoked_at: String,
    /// The reason code (`new_information`, `issued_in_error`, `key_compromise`).
    pub reason: String,
    /// What verifiers need before they see it.
    pub next_step: String,
}

/// The revocation list `publish` signed.
#[derive(Debug, Serialize, JsonSchema)]
pub struct PublishedRevocations {
    /// Its number.
    pub sequence: u64,
    /// When it was signed (UTC).
    pub issued_at: String,
    /// When the next one is due (UTC); after that verifiers call it stale.
    pub next_update: String,
    /// How many certificates it lists.
    pub revoked: usize,
    /// The issuing key that signed it.
    pub signed_by: String,
}

/// What `publish --json` prints.
#[derive(Debug, Serialize, JsonSchema)]
pub struct PublishOutput {
    /// The folder written (to be served as it is).
    pub site: String,
    /// The files written.
    pub files: Vec<String>,
    /// The trust list's number.
    pub trust_list_sequence: u64,
    /// The revocation list signed.
    pub revocation_list: PublishedRevocations,
    /// The transparency log written under the site's log/: the size of its witnessed
    /// checkpoint; null when the register keeps no log.
    pub log_size: Option<u64>,
}

/// A list a trust folder holds.
#[derive(Debug, Serialize, JsonSchema)]
pub struct HeldList {
    /// Its number.
    pub sequence: u64,
    /// When it was signed (UTC).
    pub issued_at: String,
    /// When the next one is due (revocation list only; UTC).
    pub next_update: Option<String>,
}

/// An issuing key a trust folder's list allows.
#[derive(Debug, Serialize, JsonSchema)]
pub struct HeldKey {
    /// Its key id.
    pub kid: String,
    /// From when it may issue (UTC).
    pub from: String,
    /// Until when (exclusive; UTC), if it stops.
    pub until: Option<String>,
    /// Since when it may be in other hands (UTC), if it was marked compromised.
    pub compromised_at: Option<String>,
}

/// What `trust show --json` prints.
#[derive(Debug, Serialize, JsonSchema)]
pub struct TrustShowOutput {
    /// The trust folder.
    pub folder: String,
    /// Where its lists were fetched from.
    pub source: String,
    /// When (UTC).
    pub fetched_at: String,
    /// The root keys pinned in it (they sign the trust list).
    pub roots: Vec<String>,
    /// The trust list held.
    pub trust_list: HeldList,
    /// The revocation list held.
    pub revocation_list: HeldList,
    /// The issuing keys the trust list allows.
    pub keys: Vec<HeldKey>,
    /// The synced copy of the transparency log written now, if the trust list names one and it
    /// was synced.
    pub log: Option<HeldLogOutput>,
    /// The synced copies of the frozen logs the trust list's policy names (logs the issuer
    /// wrote before it moved to a new log key), if any.
    pub frozen_logs: Vec<HeldLogOutput>,
}

/// The synced copy of the transparency log a trust folder holds.
#[derive(Debug, Serialize, JsonSchema)]
pub struct HeldLogOutput {
    /// The log's origin.
    pub origin: String,
    /// The synced checkpoint's size.
    pub size: u64,
    /// How many certificates the copy holds.
    pub certificates: usize,
    /// When the quorum's earliest witness cosigned the checkpoint (UTC), if any did.
    pub cosigned_at: Option<String>,
}

impl HeldLogOutput {
    /// The output form of what a trust folder holds of a log.
    pub fn of(log: &goodstanding_trust::log::HeldLog) -> Self {
        Self {
            origin: log.origin.clone(),
            size: log.size,
            certificates: log.certificates,
            cosigned_at: log.cosigned_at.map(|t| t.to_string()),
        }
    }
}

/// The schemas of these outputs: file name and JSON text.
pub fn schemas() -> Vec<(&'static str, String)> {
    use goodstanding_verifier::schema::render_output;
    vec![
        (
            "issue-output.schema.json",
            render_output::<IssueOutput>(
                "issue-output",
                "What issue and reissue print with --json",
            ),
        ),
        (
            "revoke-output.schema.json",
            render_output::<RevokeOutput>("revoke-output", "What revoke prints with --json"),
        ),
        (
            "publish-output.schema.json",
            render_output::<PublishOutput>("publish-output", "What publish prints with --json"),
        ),
        (
            "trust-show-output.schema.json",
            render_output::<TrustShowOutput>(
                "trust-show-output",
                "What trust show prints with --json",
            ),
        ),
    ]
}

/// Prints `value` as one line of JSON.
pub fn print(value: &impl Serialize) {
    crate::io::outln!("{}", serde_json::to_string(value).unwrap_or_default());
}
