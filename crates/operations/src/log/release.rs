//! Handing out certificates the log holds: once a witnessed checkpoint covers a held
//! certificate's entry, its files are made from its JWS and its inclusion proof (the PDF with
//! the proof attached), written under temporary names, renamed into place and flushed, and only
//! then is it marked issued. The files are a function of the JWS and the proof, so a release
//! repeated after a crash writes the same bytes.

use std::fmt;
use std::path::{Path, PathBuf};

use goodstanding_files::{make_durable, temp_name, write_new};
use goodstanding_issuer::issue::{logged_files, logged_files_with_qr};
use goodstanding_issuer::pdf::RenderError;
use goodstanding_verifier::lists::IssuingBody;
use goodstanding_verifier::log_entry::CERTIFICATE_ENTRY;
use goodstanding_verifier::{Certificate, CertificateId, SignedCertificate, Timestamp};
use sha2::{Digest as _, Sha256};

use super::{LogWriter, Witnessed};
use crate::register::{Register, RegisterError};

/// Why held certificates could not be released.
#[derive(Debug)]
pub enum ReleaseError {
    /// The register failed, or what it holds of a certificate is damaged.
    Register(RegisterError),
    /// A PDF could not be made.
    Render(RenderError),
    /// A file could not be written.
    Output {
        /// The file.
        path: PathBuf,
        /// What happened.
        error: std::io::Error,
    },
}

impl fmt::Display for ReleaseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Register(e) => e.fmt(f),
            Self::Render(e) => e.fmt(f),
            Self::Output { path, error } => write!(f, "{}: cannot write: {error}", path.display()),
        }
    }
}

impl std::error::Error for ReleaseError {}

impl From<RegisterError> for ReleaseError {
    fn from(e: RegisterError) -> Self {
        Self::Register(e)
    }
}

/// One held certificate, ready to render.
#[derive(Debug)]
pub struct Held {
    id: String,
    folder: PathBuf,
    certificate: Certificate,
    signed: SignedCertificate,
    proof: String,
    /// The QR text, when the run that signed it still has it.
    qr_text: Option<String>,
}

impl Held {
    /// A certificate whose entry is at `index` under the witnessed checkpoint, from what the
    /// run that signed it still holds in memory; `None` if the checkpoint does not cover it.
    pub fn covered(
        writer: &LogWriter<'_>,
        witnessed: &Witnessed,
        (index, entry): (u64, Vec<u8>),
        folder: PathBuf,
        (certificate, signed, qr_text): (Certificate, SignedCertificate, String),
    ) -> Option<Self> {
        let proof = writer.proof(index, entry, witnessed)?.to_text();
        Some(Self {
            id: certificate.id.to_string(),
            folder,
            certificate,
            signed,
            proof,
            qr_text: Some(qr_text),
        })
    }
}

fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// A certificate's files as written: (temporary, final) paths, and the SHA-256 of the `.jws`,
/// QR text, PDF and proof.
pub type Written = (Vec<(PathBuf, PathBuf)>, [String; 4]);

/// What one rendering thread made: the certificates it rendered, and if it stopped early, why
/// (with those rendered before).
type ThreadResult = Result<Vec<(Held, Written)>, (ReleaseError, Vec<(Held, Written)>)>;

/// Writes one certificate's four files under temporary names (the expensive part: the PDF).
pub fn render_held(held: &Held, body: Option<&IssuingBody>) -> Result<Written, ReleaseError> {
    let contents = match &held.qr_text {
        Some(qr_text) => {
            logged_files_with_qr(&held.certificate, &held.signed, body, &held.proof, qr_text)
        }
        None => logged_files(&held.certificate, &held.signed, body, &held.proof),
    }
    .map_err(ReleaseError::Render)?;
    let mut files = Vec::new();
    let mut hashes: [String; 4] = Default::default();
    for (i, (name, bytes)) in contents.iter().enumerate() {
        let temp = held.folder.join(temp_name(name));
        write_new(&temp, bytes, true, false).map_err(|error| ReleaseError::Output {
            path: temp.clone(),
            error,
        })?;
        if let Some(slot) = hashes.get_mut(i) {
            *slot = sha256_hex(bytes);
        }
        files.push((temp, held.folder.join(name)));
    }
    Ok((files, hashes))
}

/// The held certificates the witnessed checkpoint covers, each with its proof, ready to
/// render, read back from the register.
pub fn prepare_held(
    register: &Register,
    writer: &LogWriter<'_>,
    witnessed: &Witnessed,
) -> Result<Vec<Held>, ReleaseError> {
    let mut ready = Vec::new();
    for (id, jws) in register.held_certificates()? {
        let damaged = |what: String| {
            ReleaseError::Register(RegisterError::Storage(format!(
                "held certificate {id}: {what}"
            )))
        };
        let Some(index) = register.log_index(CERTIFICATE_ENTRY, &id)? else {
            return Err(damaged("it has no log entry".into()));
        };
        if index >= witnessed.checkpoint.size {
            continue;
        }
        let record = register
            .certificate(&id)?
            .ok_or_else(|| damaged("not in the register".into()))?;
        let signed =
            SignedCertificate::from_compact(&jws).map_err(|e| damaged(format!("its JWS: {e}")))?;
        let certificate: Certificate = serde_json::from_slice(signed.payload())
            .map_err(|e| damaged(format!("its payload: {e}")))?;
        let entry = register
            .log_entries(index, index + 1)?
            .pop()
            .ok_or_else(|| damaged("its log entry is missing".into()))?;
        let proof = writer
            .proof(index, entry, witnessed)
            .ok_or_else(|| damaged("no inclusion proof".into()))?
            .to_text();
        let folder = PathBuf::from(&record.out_dir);
        std::fs::create_dir_all(&folder).map_err(|error| ReleaseError::Output {
            path: folder.clone(),
            error,
        })?;
        ready.push(Held {
            id,
            folder,
            certificate,
            signed,
            proof,
            qr_text: None,
        });
    }
    Ok(ready)
}

/// Removes the temporary files of certificates rendered but not released.
pub fn discard(rendered: &[(Held, Written)]) {
    for (_, (files, _)) in rendered {
        for (temp, _) in files {
            let _ = std::fs::remove_file(temp);
        }
    }
}

/// Puts rendered certificates' files into place, flushes them, records their hashes and marks
/// them issued: `issued` means the files are on disk. Returns their ids.
pub fn finish_release(
    register: &mut Register,
    rendered: &[(Held, Written)],
    now: Timestamp,
) -> Result<Vec<CertificateId>, ReleaseError> {
    let mut folders: Vec<&Path> = Vec::new();
    let mut placed: Vec<&Path> = Vec::new();
    for (held, (files, _)) in rendered {
        for (temp, target) in files {
            std::fs::rename(temp, target).map_err(|error| ReleaseError::Output {
                path: target.clone(),
                error,
            })?;
            placed.push(target);
        }
        if !folders.contains(&held.folder.as_path()) {
            folders.push(&held.folder);
        }
    }
    for folder in folders {
        let in_folder: Vec<&Path> = placed
            .iter()
            .copied()
            .filter(|p| p.parent() == Some(folder))
            .collect();
        make_durable(folder, &in_folder).map_err(|error| ReleaseError::Output {
            path: folder.to_path_buf(),
            error,
        })?;
    }
    let items = rendered
        .iter()
        .map(|(held, (_, hashes))| {
            CertificateId::new(&held.id)
                .map(|id| (id, hashes.clone()))
                .map_err(|e| {
                    ReleaseError::Register(RegisterError::Storage(format!(
                        "held certificate {}: {e}",
                        held.id
                    )))
                })
        })
        .collect::<Result<Vec<_>, _>>()?;
    register.release_logged(&items, now)?;
    Ok(items.into_iter().map(|(id, _)| id).collect())
}

/// Releases every held certificate the witnessed checkpoint covers, rendering on `jobs`
/// threads. Returns the ids released.
pub fn release_held(
    register: &mut Register,
    writer: &LogWriter<'_>,
    witnessed: &Witnessed,
    body: Option<&IssuingBody>,
    now: Timestamp,
    jobs: usize,
) -> Result<Vec<CertificateId>, ReleaseError> {
    let ready = prepare_held(register, writer, witnessed)?;
    if ready.is_empty() {
        return Ok(Vec::new());
    }
    // Render and write in parallel; each thread takes every jobs-th certificate.
    let jobs = jobs.clamp(1, ready.len());
    let mut slots: Vec<Vec<Held>> = (0..jobs).map(|_| Vec::new()).collect();
    for (i, held) in ready.into_iter().enumerate() {
        slots[i % jobs].push(held);
    }
    let results: Vec<ThreadResult> = std::thread::scope(|scope| {
        let handles: Vec<_> = slots
            .into_iter()
            .map(|slot| {
                scope.spawn(move || {
                    let mut done = Vec::new();
                    for held in slot {
                        match render_held(&held, body) {
                            Ok(written) => done.push((held, written)),
                            Err(e) => return Err((e, done)),
                        }
                    }
                    Ok(done)
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| {
                h.join().unwrap_or_else(|_| {
                    Err((
                        ReleaseError::Output {
                            path: PathBuf::from("(renderer)"),
                            error: std::io::Error::other("a rendering thread stopped"),
                        },
                        Vec::new(),
                    ))
                })
            })
            .collect()
    });
    let mut rendered = Vec::new();
    let mut failure = None;
    for result in results {
        match result {
            Ok(done) => rendered.extend(done),
            Err((e, done)) => {
                rendered.extend(done);
                failure.get_or_insert(e);
            }
        }
    }
    if let Some(e) = failure {
        discard(&rendered);
        return Err(e);
    }
    finish_release(register, &rendered, now)
}
