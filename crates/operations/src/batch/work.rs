//! A worker's part of a batch: one request validated, signed and written under temporary names,
//! or refused with its problems.

#[allow(clippy::wildcard_imports)]
use super::*;

/// A request signed and written under temporary names, waiting to be recorded.
pub(super) struct Signed {
    pub(super) record: NewCertificate,
    /// Its files under temporary names (none for a logged certificate: those are made once
    /// its proof exists).
    pub(super) files: Vec<(PathBuf, PathBuf)>,
    /// The request as read, kept in case the register refuses it (rule 8).
    pub(super) original: String,
    /// Records the law keeps off the certificate, for the operator.
    pub(super) notices: Vec<Notice>,
    /// A logged certificate, kept to render once its checkpoint is witnessed.
    pub(super) to_render: Option<Box<ToRender>>,
    /// The request's hash, when the register's policy asked for approvals.
    pub(super) request_hash: Option<String>,
}

/// What a logged certificate is rendered from: its content, its signed form and its QR text.
pub(super) type ToRender = (
    goodstanding_verifier::Certificate,
    goodstanding_verifier::SignedCertificate,
    String,
);

/// A refused request.
pub(super) struct Refused {
    pub(super) line: u64,
    pub(super) subject_reference: Option<String>,
    pub(super) problems: Vec<Problem>,
    pub(super) original: String,
}

pub(super) enum Outcome {
    Signed(Box<Signed>),
    Refused(Box<Refused>),
    Failed(BatchError),
}

pub(super) fn refused(item: BatchItem, problems: Vec<Problem>) -> Outcome {
    Outcome::Refused(Box::new(Refused {
        line: item.line,
        subject_reference: item.subject_reference,
        problems,
        original: item.original,
    }))
}

/// What the workers share: the key, the time, the folder, and the live certificates when the
/// batch started.
pub(super) struct Work<'a> {
    pub(super) key: &'a IssuingKey,
    pub(super) now: Timestamp,
    pub(super) dir: &'a Path,
    pub(super) batch_id: &'a str,
    pub(super) live: &'a HashMap<String, String>,
    pub(super) supersede: bool,
    /// The issuing body's rules settings, from the register.
    pub(super) policy: goodstanding_issuer::Policy,
    /// The issuing body the trust list names for the key (rule 9).
    pub(super) issuing_body: Option<&'a goodstanding_verifier::lists::IssuingBody>,
    /// The transparency log, when the register has one: the worker makes the entry, and the
    /// files are made only once a witnessed checkpoint covers it.
    pub(super) log: Option<&'a crate::log::LogSetup>,
    /// The clock each certificate is signed by, if given (else `now`, the run's start).
    pub(super) clock: Option<fn() -> Option<Timestamp>>,
    /// The approvals in force, when the register's policy asks for any.
    pub(super) approvals: Option<&'a crate::register::ApprovalsInForce>,
}

/// The title of the two-person rule in refusals.
pub const APPROVAL_RULE: &str = "two-person approval (the register's policy)";

/// Whether the approvals in force let `request` be signed now (superseding `supersedes`):
/// `Ok(Some(hash))` yes, `Err(why)` no; `Ok(None)` when the rules refuse the request anyway
/// (it is refused for that).
pub(crate) fn judge_approvals(
    approvals: &crate::register::ApprovalsInForce,
    request: &goodstanding_issuer::CertificateRequest,
    now: Timestamp,
    policy: goodstanding_issuer::Policy,
    supersedes: Option<&CertificateId>,
) -> Result<Option<String>, String> {
    let Ok(valid) = goodstanding_issuer::validate_with(request, now, policy) else {
        return Ok(None);
    };
    let record_set =
        crate::register::record_set_of_valid(&valid, supersedes).map_err(|e| e.to_string())?;
    let hash = crate::register::request_sha256(request).map_err(|e| e.to_string())?;
    approvals.judge(&hash, &record_set, supersedes.is_some())?;
    Ok(Some(hash))
}

/// Validates, signs, renders and writes one request (the workers' part).
pub(super) fn process(item: BatchItem, work: &Work<'_>) -> Outcome {
    let Work {
        key,
        now,
        dir,
        batch_id,
        policy,
        ..
    } = *work;
    // Signed at the time it is signed: a verifier holding a log checkpoint made later judges
    // a certificate absent from it by this time, so a long batch must not backdate its last
    // certificates to the run's start.
    let now = work
        .clock
        .and_then(|clock| clock())
        .map_or(now, |t| t.max(now));
    let request = match &item.request {
        Ok(request) => request,
        Err(problems) => {
            let problems = problems.clone();
            return refused(item, problems);
        }
    };
    if let Some(name) = work.issuing_body.map(|b| b.name.as_str())
        && request.issuer.as_str() != name
    {
        let problem = item.problem_at(
            "issuer",
            Some("rule 9: the issuer is the body the trust list names for the key"),
            format!(
                "{:?} is not the body the trust list names for this key, {name:?}; give that \
                 name",
                request.issuer.as_str()
            ),
        );
        return refused(item, vec![problem]);
    }
    let live = work.live.get(request.subject.reference.as_str());
    // Nothing is signed without the approvals the policy asks for, over what it would say now.
    let mut request_hash = None;
    if let Some(approvals) = work.approvals {
        let supersedes = live
            .filter(|_| work.supersede)
            .and_then(|old| CertificateId::new(old).ok());
        match judge_approvals(approvals, request, now, policy, supersedes.as_ref()) {
            Ok(hash) => request_hash = hash,
            Err(why) => {
                let problem = item.problem_at(".", Some(APPROVAL_RULE), why);
                return refused(item, vec![problem]);
            }
        }
    }
    let signed = match live {
        // What the request says is judged first: a request the rules refuse is refused for that.
        Some(old)
            if !work.supersede
                && goodstanding_issuer::validate_with(request, now, policy).is_ok() =>
        {
            let problem = item.problem_at(
                "subject.reference",
                Some(ONE_LIVE_RULE),
                live_certificate_message(old),
            );
            return refused(item, vec![problem]);
        }
        Some(_) if !work.supersede => issue_under(request, key, now, policy, None),
        Some(old) => match CertificateId::new(old) {
            Ok(old) => issue_under(request, key, now, policy, Some(old)),
            Err(e) => {
                let problem = item.problem_at(".", Some(ONE_LIVE_RULE), e.to_string());
                return refused(item, vec![problem]);
            }
        },
        None => issue_under(request, key, now, policy, None),
    };
    let mut issued = match signed {
        Ok(issued) => issued,
        Err(IssueError::Invalid(violations)) => {
            let problems = violations
                .0
                .iter()
                .map(|v| item.problem_at(&v.field, Some(v.rule.title()), v.message.clone()))
                .collect();
            return refused(item, problems);
        }
        Err(too_large @ (IssueError::QrTooLarge { .. } | IssueError::TooLarge(_))) => {
            let problem = item.problem_at(".", Some("size"), too_large.to_string());
            return refused(item, vec![problem]);
        }
        Err(IssueError::Randomness) => return Outcome::Failed(BatchError::Randomness),
        Err(IssueError::Serialize(e)) => return Outcome::Failed(BatchError::Serialize(e)),
        Err(IssueError::Signing(e)) => return Outcome::Failed(BatchError::Signing(e)),
    };
    issued.issuing_body = work.issuing_body.cloned();
    if let Some(log) = work.log {
        if let Err(e) = goodstanding_issuer::pdf::check_printable(&issued.certificate) {
            let problem = item.problem_at(".", None, e.to_string());
            return refused(item, vec![problem]);
        }
        let jws = issued.jws();
        let entry = log.certificate_entry(&issued.certificate, &jws);
        let mut record = new_certificate(
            &issued.certificate,
            dir,
            Some((batch_id.to_string(), item.line)),
            Default::default(),
        );
        record.logged = Some(crate::register::Logged { entry, jws });
        let qr_text = issued.qr_text().to_string();
        return Outcome::Signed(Box::new(Signed {
            record,
            files: Vec::new(),
            original: item.original,
            to_render: Some(Box::new((issued.certificate, issued.signed, qr_text))),
            notices: issued.notices,
            request_hash,
        }));
    }
    let contents = match issued.files() {
        Ok(contents) => contents,
        Err(RenderError::Unprintable { field, characters }) => {
            let problem = item.problem_at(
                &field,
                None,
                format!(
                    "has characters the certificate fonts cannot print: {characters}; the fonts \
                     cover {}",
                    goodstanding_issuer::pdf::SUPPORTED_SCRIPTS
                ),
            );
            return refused(item, vec![problem]);
        }
        Err(other) => {
            let problem = item.problem_at(".", None, other.to_string());
            return refused(item, vec![problem]);
        }
    };
    // Not flushed here: the writer flushes a whole chunk at once before recording it issued.
    match write_partials(&contents, dir, false) {
        Ok((sha256, files)) => Outcome::Signed(Box::new(Signed {
            record: new_certificate(
                &issued.certificate,
                dir,
                Some((batch_id.to_string(), item.line)),
                sha256,
            ),
            files: files.to_vec(),
            original: item.original,
            notices: issued.notices.clone(),
            to_render: None,
            request_hash,
        })),
        Err((path, error)) => Outcome::Failed(BatchError::Output { path, error }),
    }
}

/// Why a request for a subject with a live certificate is refused, and what to do.
pub fn live_certificate_message(live: &str) -> String {
    format!(
        "the subject already has a live certificate, {live}; give --supersede to issue one that \
         replaces it (it is revoked as superseded), or revoke it first: one live certificate per \
         subject"
    )
}

/// Temporary and final path of each of a certificate's files.
pub(crate) type PartialFiles = [(PathBuf, PathBuf); 3];

/// Writes a certificate's files under their temporary names (with `sync`, flushed to disk),
/// readable by their owner only (0600: they hold criminal-offence data); returns their SHA-256s
/// and paths. On failure, the path that failed.
pub(crate) fn write_partials(
    contents: &[(String, Vec<u8>); 3],
    dir: &Path,
    sync: bool,
) -> Result<([String; 3], PartialFiles), (PathBuf, std::io::Error)> {
    let mut sha256: [String; 3] = Default::default();
    let mut files: PartialFiles = Default::default();
    for (i, (name, bytes)) in contents.iter().enumerate() {
        let temp = dir.join(temp_name(name));
        if let Err(error) = write_new(&temp, bytes, true, sync) {
            for (written, _) in &files[..i] {
                let _ = std::fs::remove_file(written);
            }
            return Err((temp, error));
        }
        sha256[i] = sha256_hex(bytes);
        files[i] = (temp, dir.join(name));
    }
    Ok((sha256, files))
}

/// Renames written files into place.
pub(crate) fn place(files: &[(PathBuf, PathBuf)]) -> Result<(), (PathBuf, std::io::Error)> {
    for (temp, target) in files {
        std::fs::rename(temp, target).map_err(|e| (target.clone(), e))?;
    }
    Ok(())
}

/// What the register records of a signed certificate.
pub(crate) fn new_certificate(
    c: &goodstanding_verifier::Certificate,
    dir: &Path,
    batch: Option<(String, u64)>,
    sha256: [String; 3],
) -> NewCertificate {
    NewCertificate {
        id: c.id.clone(),
        subject_reference: c.subject.reference.to_string(),
        kid: c.issuer.kid.to_string(),
        issued_at: c.issued_at,
        valid_from: c.valid_from,
        valid_until: c.valid_until,
        information_as_at: c.information_as_at.to_string(),
        out_dir: dir.to_string_lossy().into_owned(),
        batch,
        supersedes: c.supersedes.clone(),
        sha256,
        logged: None,
    }
}
