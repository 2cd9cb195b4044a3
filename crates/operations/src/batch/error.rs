//! Why a batch could not be run, or stopped.

#[allow(clippy::wildcard_imports)]
use super::*;

/// Why a batch stopped. Requests refused by the rules do not stop it: they are in the summary.
#[derive(Debug)]
pub enum BatchError {
    /// The input could not be read.
    Input {
        /// The input file.
        path: PathBuf,
        /// What went wrong.
        error: InputError,
    },
    /// The input changed while the batch ran.
    InputChanged(PathBuf),
    /// The transparency log could not take the batch's certificates, or its witnesses did not
    /// answer: what was signed is held in the register, and the next run hands it out.
    Log(crate::log::LogError),
    /// Certificates the log holds could not be handed out (a PDF, a file or the register).
    Release(crate::log::release::ReleaseError),
    /// A file could not be written or removed.
    Output {
        /// The file.
        path: PathBuf,
        /// What went wrong.
        error: std::io::Error,
    },
    /// The register failed.
    Register(RegisterError),
    /// The same input was started with another key or folder.
    Mismatch {
        /// The batch id.
        batch_id: String,
        /// What differs.
        what: &'static str,
        /// Then.
        was: String,
        /// Now.
        now: String,
    },
    /// The input's batch has finished, and it was asked for again with another key or folder
    /// without `again`.
    Finished(Box<crate::register::BatchRecord>),
    /// The same batch is already running (and the caller did not ask to wait).
    AlreadyRunning {
        /// The batch id.
        batch_id: String,
        /// Who runs it: since when, which process on which host.
        holder: String,
    },
    /// A lock file could not be used.
    Lock {
        /// The lock file.
        path: PathBuf,
        /// What went wrong.
        error: std::io::Error,
    },
    /// The system random number generator failed.
    Randomness,
    /// A certificate could not be written as JSON (a bug in goodstanding, not in the input).
    Serialize(String),
    /// The manifest could not be written.
    Manifest(WriteManifestError),
    /// The key stopped signing mid-batch (a token removed, logged out or locked).
    Signing(SignError),
}

impl fmt::Display for BatchError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Input { path, error } => write!(f, "{}: {error}", path.display()),
            Self::InputChanged(path) => write!(
                f,
                "{}: the file changed while the batch ran; what was issued is in the register. \
                 Leave the file alone and run the same command again to finish",
                path.display()
            ),
            Self::Log(e) => write!(f, "transparency log: {e}"),
            Self::Release(e) => write!(
                f,
                "handing out logged certificates: {e}; they stay held in the register and the \
                 next run hands them out"
            ),
            Self::Output { path, error } => write!(f, "{}: {error}", path.display()),
            Self::Register(e) => e.fmt(f),
            Self::Mismatch {
                batch_id,
                what,
                was,
                now,
            } => write!(
                f,
                "this input is batch {batch_id}, started with {what} {was}, not {now}; resume it \
                 with the same {what}"
            ),
            Self::Finished(batch) => write!(
                f,
                "this input is batch {}, which finished at {}: {} issued, {} refused, into {} \
                 with key {}; nothing is left to resume and nothing was done. To issue the same \
                 file again as a new batch, add --again (a subject who has a live certificate \
                 is then refused, as with `issue`, unless --supersede)",
                batch.id,
                batch.finished_at.as_deref().unwrap_or("?"),
                batch.issued,
                batch.rejected,
                batch.out_dir,
                batch.kid
            ),
            Self::AlreadyRunning { batch_id, holder } => write!(
                f,
                "batch {batch_id} is already running ({}); this run changed nothing. Let it \
                 finish, or run the same command with --wait to start when it has finished (it \
                 then issues only what is left)",
                if holder.is_empty() {
                    "it has only just started"
                } else {
                    holder
                }
            ),
            Self::Lock { path, error } => {
                write!(
                    f,
                    "{}: cannot use the lock file: {error}; check that the folder exists and \
                     this user may write in it",
                    path.display()
                )
            }
            Self::Randomness => f.write_str("the system random number generator failed"),
            Self::Serialize(e) => write!(
                f,
                "a certificate could not be written as JSON ({e}); the batch stopped with what \
                 was written kept: report this as a bug in goodstanding"
            ),
            Self::Manifest(e) => e.fmt(f),
            Self::Signing(e) => write!(
                f,
                "{e}. The batch stopped: what was signed before is in the register and its \
                 files, and nothing half-written was kept. Put the token right, then run the \
                 same command again to issue the rest"
            ),
        }
    }
}

impl std::error::Error for BatchError {}

impl From<RegisterError> for BatchError {
    fn from(e: RegisterError) -> Self {
        Self::Register(e)
    }
}
