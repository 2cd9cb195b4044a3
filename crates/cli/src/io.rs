//! Reading inputs and writing outputs for the commands.

use std::io::{Read as _, Write as _};
use std::path::Path;

use goodstanding_files::{self as files, WriteMode};
use goodstanding_verifier::limits::MAX_INPUT_LEN;

use crate::error::CliError;

/// Reads a file, or standard input for `-`, refusing more than `limit` bytes.
pub fn read_input(path: &Path, limit: usize) -> Result<Vec<u8>, CliError> {
    if path == Path::new("-") {
        let mut out = Vec::new();
        std::io::stdin()
            .take(limit as u64 + 1)
            .read_to_end(&mut out)
            .map_err(|e| CliError::Input(format!("standard input: {e}")))?;
        if out.len() > limit {
            return Err(CliError::Input(format!(
                "standard input: more than {limit} bytes; no certificate is that large"
            )));
        }
        return Ok(out);
    }
    files::read_capped(path, limit as u64).map_err(|e| CliError::file(path, e))
}

/// Reads a certificate input (file or `-`).
pub fn read_certificate_input(path: &Path) -> Result<Vec<u8>, CliError> {
    read_input(path, MAX_INPUT_LEN)
}

/// Writes an output file atomically, replacing any file of the same name.
pub fn write_output(path: &Path, bytes: &[u8]) -> Result<(), CliError> {
    files::write_atomic(path, bytes, WriteMode::Replace, false)
        .map_err(|e| CliError::file(path, format!("cannot write: {e}")))
}

/// Writes a certificate's file (a `.jws`, its QR text, its PDF) atomically, readable by its
/// owner only (0600): it holds criminal-offence data. Copy it to where it is published or sent.
pub fn write_certificate_file(path: &Path, bytes: &[u8]) -> Result<(), CliError> {
    files::write_atomic(path, bytes, WriteMode::Replace, true)
        .map_err(|e| CliError::file(path, format!("cannot write: {e}")))
}

/// Creates an output directory if needed.
pub fn create_dir(dir: &Path) -> Result<(), CliError> {
    std::fs::create_dir_all(dir)
        .map_err(|e| CliError::file(dir, format!("cannot create folder: {e}")))
}

/// Writes to standard output. A closed pipe (`goodstanding verify X | head`) is not an error;
/// any other failure to write ends the command with exit status 2.
pub fn write_stdout(text: std::fmt::Arguments<'_>) {
    let result = std::io::stdout().lock().write_fmt(text);
    if let Err(e) = result
        && e.kind() != std::io::ErrorKind::BrokenPipe
    {
        eprintln!("goodstanding: cannot write to standard output: {e}");
        std::process::exit(i32::from(crate::error::EXIT_INPUT));
    }
}

/// `print!` that never panics: see [`write_stdout`].
macro_rules! out {
    ($($arg:tt)*) => { $crate::io::write_stdout(format_args!($($arg)*)) };
}

/// `println!` that never panics: see [`write_stdout`].
macro_rules! outln {
    () => { $crate::io::write_stdout(format_args!("\n")) };
    ($($arg:tt)*) => { $crate::io::write_stdout(format_args!("{}\n", format_args!($($arg)*))) };
}

pub(crate) use {out, outln};

/// Largest state file read (`log verify --state`, `monitor --state`).
const MAX_STATE_LEN: u64 = 16 * 1024 * 1024;

/// Reads a command's JSON state file (`what` names it in errors); `None` if there is none yet.
pub fn read_state<T: serde::de::DeserializeOwned>(
    path: &Path,
    what: &str,
) -> Result<Option<T>, CliError> {
    match files::read_capped(path, MAX_STATE_LEN) {
        Ok(bytes) => serde_json::from_slice(&bytes).map(Some).map_err(|e| {
            CliError::file(
                path,
                format!("not {what} ({e}); move it aside to start afresh"),
            )
        }),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(CliError::file(path, e)),
    }
}

/// Writes a command's JSON state file atomically, making its folder if needed.
pub fn write_state<T: serde::Serialize>(path: &Path, state: &T) -> Result<(), CliError> {
    if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(parent).map_err(|e| CliError::file(parent, e))?;
    }
    let mut json = serde_json::to_vec_pretty(state).map_err(|e| CliError::file(path, e))?;
    json.push(b'\n');
    files::write_atomic(path, &json, WriteMode::Replace, false).map_err(|e| CliError::file(path, e))
}
