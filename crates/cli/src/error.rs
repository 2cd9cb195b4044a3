//! The command's errors and their exit statuses, in one place.

use std::fmt;
use std::path::Path;

/// Exit status: valid, issued, done.
pub const EXIT_OK: u8 = 0;
/// Exit status: not valid (verify) or refused (issue).
pub const EXIT_NOT_VALID: u8 = 1;
/// Exit status: unreadable input, bad usage, or a file that could not be read or written.
pub const EXIT_INPUT: u8 = 2;

/// Why a command did not succeed.
#[derive(Debug)]
pub enum CliError {
    /// The certificate is not valid; the verdict has already been printed.
    NotValid,
    /// A request was refused by the rules, or the demo did not come out as expected.
    Refused(String),
    /// Input unreadable, a file error, or a usage error.
    Input(String),
}

impl CliError {
    /// The exit status for this error.
    pub fn exit_code(&self) -> u8 {
        match self {
            Self::NotValid | Self::Refused(_) => EXIT_NOT_VALID,
            Self::Input(_) => EXIT_INPUT,
        }
    }

    /// An input error about a file.
    pub fn file(path: &Path, what: impl fmt::Display) -> Self {
        Self::Input(format!("{}: {what}", path.display()))
    }
}

impl fmt::Display for CliError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::NotValid => f.write_str("not valid"),
            Self::Refused(m) | Self::Input(m) => f.write_str(m),
        }
    }
}
