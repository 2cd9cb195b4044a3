//! Issuing one certificate into a folder and the register, and reissuing: a new certificate for
//! the same subject that names the one it supersedes, which is revoked in the same transaction
//! that records the new one as issued.
//!
//! The order is the batch's: files under temporary names, the register row `pending`, the files
//! renamed into place, the row `issued`. A crash at any point leaves either nothing that looks
//! issued, or a `pending` row that the next attempt removes with its files.

use std::fmt;
use std::path::{Path, PathBuf};

use goodstanding_verifier::{CertificateId, Timestamp};

use goodstanding_files::lock;

use crate::batch::{folder_lock_path, new_certificate, place, write_partials};
use crate::log::release::ReleaseError;
use crate::log::{DEFAULT_WITNESS_TIMEOUT, LogSetup, LogWriter, WitnessTransport};
use crate::register::{Logged, Register, RegisterError, RevokeError};
use goodstanding_files::{sync_dir, temp_name};
use goodstanding_issuer::issue::{CERTIFICATE_FILES, IssueError, IssuedCertificate, issue_under};
use goodstanding_issuer::keys::IssuingKey;
use goodstanding_issuer::pdf::RenderError;
use goodstanding_issuer::request::CertificateRequest;
use goodstanding_verifier::lists::IssuingBody;

/// Why a certificate was not issued (or reissued).
#[derive(Debug)]
pub enum IssueOneError {
    /// The request was refused, or the certificate could not be signed.
    Issue(IssueError),
    /// The PDF could not be made (a name the fonts cannot print, for instance).
    Render(RenderError),
    /// The certificate to replace cannot be replaced.
    Replace(RevokeError),
    /// The register failed.
    Register(RegisterError),
    /// The subject already has a live certificate, and superseding it was not asked for (or
    /// another became live meanwhile).
    LiveCertificate {
        /// The subject.
        subject_reference: String,
        /// The live certificate.
        live: Option<String>,
    },
    /// The transparency log could not take the certificate, or its witnesses did not answer;
    /// nothing was handed out (a signed certificate is held in the register until they do).
    Log(crate::log::LogError),
    /// The register's policy asks for approvals this request does not have (why, and who has
    /// yet to approve).
    NotApproved(String),
    /// A file could not be written.
    Output {
        /// The file.
        path: PathBuf,
        /// What went wrong.
        error: std::io::Error,
    },
}

impl fmt::Display for IssueOneError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Issue(e) => e.fmt(f),
            Self::Render(e) => e.fmt(f),
            Self::Replace(e) => e.fmt(f),
            Self::Register(e) => e.fmt(f),
            Self::NotApproved(why) => write!(f, "not signed: {why}"),
            Self::LiveCertificate {
                subject_reference,
                live: Some(live),
            } => write!(
                f,
                "subject {subject_reference}: {} (rule 8)",
                crate::batch::live_certificate_message(live)
            ),
            Self::LiveCertificate {
                subject_reference,
                live: None,
            } => write!(
                f,
                "subject {subject_reference}: the certificate to supersede is no longer live; \
                 run the command again (rule 8)"
            ),
            Self::Output { path, error } => write!(f, "{}: cannot write: {error}", path.display()),
            Self::Log(e) => write!(f, "transparency log: {e}"),
        }
    }
}

impl std::error::Error for IssueOneError {}

impl From<crate::log::LogError> for IssueOneError {
    fn from(e: crate::log::LogError) -> Self {
        Self::Log(e)
    }
}

impl From<ReleaseError> for IssueOneError {
    fn from(e: ReleaseError) -> Self {
        match e {
            ReleaseError::Register(e) => Self::Register(e),
            ReleaseError::Render(e) => Self::Render(e),
            ReleaseError::Output { path, error } => Self::Output { path, error },
        }
    }
}

impl From<RegisterError> for IssueOneError {
    fn from(e: RegisterError) -> Self {
        Self::Register(e)
    }
}

/// A certificate issued and recorded, with the paths of its files.
#[derive(Debug)]
pub struct Recorded {
    /// The certificate.
    pub issued: IssuedCertificate,
    /// Its `.jws`, `.qr.txt` and `.pdf` files.
    pub files: [PathBuf; 3],
}

fn output(path: PathBuf, error: std::io::Error) -> IssueOneError {
    IssueOneError::Output { path, error }
}

/// Creates `dir` if needed and returns it absolute.
fn prepare_dir(dir: &Path) -> Result<PathBuf, IssueOneError> {
    std::fs::create_dir_all(dir).map_err(|e| output(dir.to_path_buf(), e))?;
    std::fs::canonicalize(dir).map_err(|e| output(dir.to_path_buf(), e))
}

/// Writes the certificate's files and records it `pending`, then places the files; returns the
/// final paths. The caller marks it issued.
fn write_and_record_pending(
    register: &mut Register,
    issued: &IssuedCertificate,
    dir: &Path,
) -> Result<[PathBuf; 3], IssueOneError> {
    // Render first: a name the fonts cannot print is refused before anything is created.
    let contents = issued.files().map_err(IssueOneError::Render)?;
    let dir = prepare_dir(dir)?;
    let dir = dir.as_path();
    // Shared with other runs writing here; waits while a batch recovers the folder.
    let lock_path = folder_lock_path(dir);
    let _folder_lock = lock::shared(&lock_path).map_err(|e| output(lock_path.clone(), e.into()))?;
    let (sha256, files) = write_partials(&contents, dir, true).map_err(|(p, e)| output(p, e))?;
    let record = new_certificate(&issued.certificate, dir, None, sha256);
    let refused = match register
        .record_pending(std::slice::from_ref(&record), issued.certificate.issued_at)
    {
        Ok(conflicts) => {
            conflicts
                .into_iter()
                .next()
                .map(|(_, live)| IssueOneError::LiveCertificate {
                    subject_reference: record.subject_reference.clone(),
                    live,
                })
        }
        Err(e) => Some(e.into()),
    };
    if let Some(error) = refused {
        for (temp, _) in &files {
            let _ = std::fs::remove_file(temp);
        }
        return Err(error);
    }
    place(&files).map_err(|(p, e)| output(p, e))?;
    sync_dir(dir).map_err(|e| output(dir.to_path_buf(), e))?;
    Ok(files.map(|(_, target)| target))
}

/// With a transparency log: records the certificate pending with its log entry (one
/// transaction), has a checkpoint that covers it witnessed, and only then writes its files, the
/// proof attached to the PDF; then releases it and any certificate an earlier run held back.
/// If the witnesses do not make the quorum, the certificate stays held and nothing is written.
fn record_logged(
    register: &mut Register,
    issued: &IssuedCertificate,
    dir: &Path,
    log: &Path,
    now: Timestamp,
    witnesses: Option<&dyn WitnessTransport>,
) -> Result<[PathBuf; 3], IssueOneError> {
    let witnesses = witnesses.ok_or_else(|| {
        IssueOneError::Log(crate::log::LogError::Setup(
            "this register has a transparency log, and no way to reach its witnesses was given"
                .into(),
        ))
    })?;
    // A name the fonts cannot print is refused before anything is recorded.
    goodstanding_issuer::pdf::check_printable(&issued.certificate)
        .map_err(IssueOneError::Render)?;
    let dir = prepare_dir(dir)?;
    let setup = LogSetup::open(log)?;
    let holder = lock::holder_line(&now.to_string());
    let mut writer = LogWriter::open(
        &setup,
        register,
        witnesses,
        DEFAULT_WITNESS_TIMEOUT,
        &holder,
    )?;
    let jws = issued.jws();
    let entry = setup.certificate_entry(&issued.certificate, &jws);
    let mut record = new_certificate(&issued.certificate, &dir, None, Default::default());
    record.logged = Some(Logged { entry, jws });
    if let Some((_, live)) = register
        .record_pending(std::slice::from_ref(&record), now)?
        .into_iter()
        .next()
    {
        return Err(IssueOneError::LiveCertificate {
            subject_reference: record.subject_reference,
            live,
        });
    }
    let witnessed = writer.checkpoint(register)?;
    crate::log::release::release_held(
        register,
        &writer,
        &witnessed,
        issued.issuing_body.as_ref(),
        now,
        1,
    )?;
    let id = issued.id();
    Ok(CERTIFICATE_FILES.map(|ext| dir.join(format!("{id}.{ext}"))))
}

/// Validates and signs `request`, writes its files into `dir` and records it in the register.
/// If the subject has a live certificate: with `supersede`, the new one supersedes it (as
/// [`reissue`]); without, the request is refused (rule 8: one live certificate per subject).
/// With a transparency log in the register, `witnesses` reaches the log's witnesses.
#[allow(clippy::too_many_arguments)] // request, key, time, folder, rules, body, witnesses
pub fn issue_recorded(
    register: &mut Register,
    request: &CertificateRequest,
    key: &IssuingKey,
    now: Timestamp,
    dir: &Path,
    supersede: bool,
    body: Option<&IssuingBody>,
    witnesses: Option<&dyn WitnessTransport>,
) -> Result<Recorded, IssueOneError> {
    let subject = request.subject.reference.as_str();
    register.actor_for(crate::register::Duty::Issue)?;
    // What the request says is judged first: a request the rules refuse is refused for that.
    let policy = register.policy()?;
    goodstanding_issuer::validate_with(request, now, policy)
        .map_err(|v| IssueOneError::Issue(IssueError::Invalid(v)))?;
    if let Some(live) = register.live_certificate(subject, now)? {
        if !supersede {
            return Err(IssueOneError::LiveCertificate {
                subject_reference: subject.to_string(),
                live: Some(live.id),
            });
        }
        let old = CertificateId::new(&live.id).map_err(|e| {
            IssueOneError::Register(RegisterError::Storage(format!(
                "certificate id {:?} in the register: {e}",
                live.id
            )))
        })?;
        return reissue(register, &old, request, key, now, dir, body, witnesses);
    }
    let request_hash = approved(register, request, now, policy, None)?;
    let mut issued = issue_under(request, key, now, policy, None).map_err(IssueOneError::Issue)?;
    issued.issuing_body = body.cloned();
    register.mark_requests_done(&request_hash)?;
    if let Some(log) = register.log_folder()? {
        let files = record_logged(register, &issued, dir, &log, now, witnesses)?;
        return Ok(Recorded { issued, files });
    }
    let files = write_and_record_pending(register, &issued, dir)?;
    register.mark_issued(std::slice::from_ref(issued.id()), now)?;
    Ok(Recorded { issued, files })
}

/// Refuses a request without the approvals the register's policy asks for (over what it would
/// say now, superseding `supersedes`), before anything is signed; returns its hash when
/// approvals were asked for.
fn approved(
    register: &Register,
    request: &CertificateRequest,
    now: Timestamp,
    policy: goodstanding_issuer::Policy,
    supersedes: Option<&CertificateId>,
) -> Result<Vec<String>, IssueOneError> {
    let asked = register.approval_policy()?;
    if asked.approvals == 0 && asked.revocation_approvals == 0 {
        return Ok(Vec::new());
    }
    let in_force = register.approvals_in_force()?;
    match crate::batch::judge_approvals(&in_force, request, now, policy, supersedes) {
        Ok(hash) => Ok(hash.into_iter().collect()),
        Err(why) => Err(IssueOneError::NotApproved(why)),
    }
}

/// Issues a certificate for the same subject that supersedes certificate `old`, and revokes
/// `old` (reason `superseded`) in the transaction that records the new one.
#[allow(clippy::too_many_arguments)] // the same inputs as issue_recorded, and the old id
pub fn reissue(
    register: &mut Register,
    old: &CertificateId,
    request: &CertificateRequest,
    key: &IssuingKey,
    now: Timestamp,
    dir: &Path,
    body: Option<&IssuingBody>,
    witnesses: Option<&dyn WitnessTransport>,
) -> Result<Recorded, IssueOneError> {
    register.actor_for(crate::register::Duty::Issue)?;
    // An earlier attempt that stopped half-way left a pending replacement: remove it.
    let stale = register.pending_replacements(old.as_str())?;
    for pending in &stale {
        for ext in CERTIFICATE_FILES {
            let name = format!("{}.{ext}", pending.id);
            let folder = Path::new(&pending.out_dir);
            for path in [folder.join(&name), folder.join(temp_name(&name))] {
                match std::fs::remove_file(&path) {
                    Err(e) if e.kind() != std::io::ErrorKind::NotFound => {
                        return Err(output(path, e));
                    }
                    _ => {}
                }
            }
        }
    }
    register.discard_pending(&stale)?;

    register
        .check_replaceable(old.as_str(), request.subject.reference.as_str())
        .map_err(IssueOneError::Replace)?;
    let policy = register.policy()?;
    let request_hash = approved(register, request, now, policy, Some(old))?;
    let mut issued =
        issue_under(request, key, now, policy, Some(old.clone())).map_err(IssueOneError::Issue)?;
    issued.issuing_body = body.cloned();
    register.mark_requests_done(&request_hash)?;
    if let Some(log) = register.log_folder()? {
        // Marking it issued revokes the old one as superseded, in one transaction.
        let files = record_logged(register, &issued, dir, &log, now, witnesses)?;
        return Ok(Recorded { issued, files });
    }
    let files = write_and_record_pending(register, &issued, dir)?;
    register
        .complete_replacement(old.as_str(), issued.id(), now)
        .map_err(IssueOneError::Replace)?;
    Ok(Recorded { issued, files })
}
