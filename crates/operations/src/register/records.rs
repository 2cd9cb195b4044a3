//! What the register reads and writes: its errors, and the rows of certificates and batches.

use std::fmt;
use std::path::PathBuf;

use goodstanding_verifier::{CertificateId, Timestamp};

/// Why the register could not be used.
#[derive(Debug)]
pub enum RegisterError {
    /// The file or its folder could not be created or opened.
    Open {
        /// The register file.
        path: PathBuf,
        /// What went wrong.
        message: String,
    },
    /// Others may read the file.
    Permissions {
        /// The register file.
        path: PathBuf,
        /// Its mode.
        mode: u32,
    },
    /// The file is not a goodstanding register, or is damaged.
    Format {
        /// The register file.
        path: PathBuf,
        /// What is wrong.
        message: String,
    },
    /// A read or write failed.
    Storage(String),
    /// A setting out of its range.
    Setting(String),
    /// The operator may not do this, or is not who they say.
    Operator(String),
}

impl fmt::Display for RegisterError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Open { path, message } => {
                write!(f, "{}: cannot open the register: {message}", path.display())
            }
            Self::Permissions { path, mode } => write!(
                f,
                "{}: the register is readable by others (mode {mode:04o}); it holds subject \
                 references. Run `chmod 600 {}` and try again",
                path.display(),
                path.display()
            ),
            Self::Format { path, message } => write!(
                f,
                "{}: not a goodstanding register ({message}); pass --register with the right file",
                path.display()
            ),
            Self::Storage(message) => write!(f, "the register could not be updated: {message}"),
            Self::Setting(message) | Self::Operator(message) => write!(f, "refused: {message}"),
        }
    }
}

impl std::error::Error for RegisterError {}

impl From<rusqlite::Error> for RegisterError {
    fn from(e: rusqlite::Error) -> Self {
        Self::Storage(e.to_string())
    }
}

/// What the PostgreSQL server said, or why the connection failed: the client's own words are
/// terse ("db error").
pub(crate) fn postgres_detail(e: &postgres::Error) -> String {
    match e.as_db_error() {
        Some(db) => format!("{} ({})", db.message(), db.code().code()),
        None => {
            let mut words = e.to_string();
            let mut source = std::error::Error::source(e);
            while let Some(cause) = source {
                words.push_str(&format!(": {cause}"));
                source = cause.source();
            }
            words
        }
    }
}

impl From<postgres::Error> for RegisterError {
    fn from(e: postgres::Error) -> Self {
        // Say what the server said, or why the connection is gone, and what to do.
        let detail = postgres_detail(&e);
        if e.is_closed() || detail.contains("terminating connection") {
            Self::Storage(format!(
                "the connection to the PostgreSQL register was lost ({detail}); what was \
                 committed is kept: once the database can be reached, run the same command \
                 again and it carries on"
            ))
        } else {
            Self::Storage(format!("PostgreSQL: {detail}"))
        }
    }
}

/// Why a certificate could not be revoked (or superseded).
#[derive(Debug)]
pub enum RevokeError {
    /// No certificate with this id is in the register.
    Unknown(String),
    /// The certificate is already revoked.
    AlreadyRevoked {
        /// The certificate.
        id: String,
        /// When.
        at: String,
        /// Why.
        reason: String,
    },
    /// `superseded` is set by reissuing, which names the replacement.
    SupersededNeedsReissue,
    /// The replacement is for a different subject.
    DifferentSubject {
        /// The old certificate's subject reference.
        old: String,
        /// The new request's subject reference.
        new: String,
    },
    /// The register failed.
    Register(RegisterError),
}

impl fmt::Display for RevokeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Unknown(id) => write!(
                f,
                "no certificate {id} in the register; check the id (`goodstanding register list`) \
                 and the --register file"
            ),
            Self::AlreadyRevoked { id, at, reason } => {
                write!(f, "certificate {id} was already revoked at {at} ({reason})")
            }
            Self::SupersededNeedsReissue => f.write_str(
                "the reason superseded is recorded by `goodstanding reissue`, which names the \
                 replacement; to withdraw a certificate without one, use another reason",
            ),
            Self::DifferentSubject { old, new } => write!(
                f,
                "the certificate is for subject {old} but the request is for {new}; a \
                 replacement must be for the same subject"
            ),
            Self::Register(e) => e.fmt(f),
        }
    }
}

impl std::error::Error for RevokeError {}

impl From<RegisterError> for RevokeError {
    fn from(e: RegisterError) -> Self {
        Self::Register(e)
    }
}

impl From<rusqlite::Error> for RevokeError {
    fn from(e: rusqlite::Error) -> Self {
        Self::Register(e.into())
    }
}

/// What the register records of one certificate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CertificateRecord {
    /// The certificate id.
    pub id: String,
    /// `pending` (its files were being written when the run stopped) or `issued`.
    pub state: String,
    /// The issuing body's reference for the subject.
    pub subject_reference: String,
    /// The signing key.
    pub kid: String,
    /// When it was signed.
    pub issued_at: String,
    /// Start of validity.
    pub valid_from: String,
    /// End of validity.
    pub valid_until: String,
    /// The information date.
    pub information_as_at: String,
    /// The folder its files were written to.
    pub out_dir: String,
    /// The batch, if it was issued in one.
    pub batch_id: Option<String>,
    /// Its line in the batch input.
    pub batch_item: Option<u64>,
    /// The certificate it replaces.
    pub supersedes: Option<String>,
    /// SHA-256 (hex) of `<id>.jws`.
    pub jws_sha256: String,
    /// SHA-256 (hex) of `<id>.qr.txt`.
    pub qr_sha256: String,
    /// SHA-256 (hex) of `<id>.pdf`.
    pub pdf_sha256: String,
    /// Its revocation, if revoked.
    pub revocation: Option<Revocation>,
}

/// A recorded revocation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Revocation {
    /// When it was revoked.
    pub revoked_at: String,
    /// The reason code.
    pub reason: String,
    /// The certificate that replaced it, when superseded.
    pub superseded_by: Option<String>,
}

/// A certificate about to be recorded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewCertificate {
    /// The certificate id.
    pub id: CertificateId,
    /// The subject reference.
    pub subject_reference: String,
    /// The signing key id.
    pub kid: String,
    /// When signed.
    pub issued_at: Timestamp,
    /// Start of validity.
    pub valid_from: Timestamp,
    /// End of validity.
    pub valid_until: Timestamp,
    /// The information date (YYYY-MM-DD).
    pub information_as_at: String,
    /// Folder of its files.
    pub out_dir: String,
    /// The batch and line, if any.
    pub batch: Option<(String, u64)>,
    /// The certificate it replaces.
    pub supersedes: Option<CertificateId>,
    /// SHA-256 (hex) of the `.jws`, `.qr.txt` and `.pdf` files.
    pub sha256: [String; 3],
    /// With a transparency log: its entry, appended in the same transaction, and the JWS, held
    /// until a witnessed checkpoint covers the entry.
    pub logged: Option<Logged>,
}

/// A certificate's log entry and JWS (see [`NewCertificate::logged`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Logged {
    /// The entry.
    pub entry: super::NewLogEntry,
    /// The compact JWS.
    pub jws: String,
}

/// A batch as the register knows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BatchRecord {
    /// The batch id.
    pub id: String,
    /// SHA-256 (hex) of the input file.
    pub input_sha256: String,
    /// The input file's name as given.
    pub input_name: String,
    /// The key that signs it.
    pub kid: String,
    /// The output folder.
    pub out_dir: String,
    /// When it was first started.
    pub started_at: String,
    /// When it last finished, if it has.
    pub finished_at: Option<String>,
    /// Certificates issued.
    pub issued: u64,
    /// Requests rejected at the last run.
    pub rejected: u64,
}

/// A certificate left `pending` by an interrupted run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PendingCertificate {
    /// The id.
    pub id: String,
    /// The folder its files were being written to.
    pub out_dir: String,
}

/// Which certificates to list.
#[derive(Debug, Clone, Default)]
pub struct ListFilter {
    /// Only this subject.
    pub subject: Option<String>,
    /// Only this batch.
    pub batch: Option<String>,
}
