//! Reading inputs and writing outputs for the commands.

use std::io::{Read as _, Write as _};
use std::path::{Path, PathBuf};

use goodstanding_issuer::files::{self, WriteMode};
use goodstanding_verifier::limits::MAX_INPUT_LEN;
use goodstanding_verifier::{PublicJwk, TrustStore};

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

/// Creates an output directory if needed.
pub fn create_dir(dir: &Path) -> Result<(), CliError> {
    std::fs::create_dir_all(dir)
        .map_err(|e| CliError::file(dir, format!("cannot create folder: {e}")))
}

/// Environment variable naming the default trust store.
pub const TRUST_ENV: &str = "GOODSTANDING_TRUST";

/// Loads the trust store: every `*.jwk` file in a folder, or one `.jwk` file.
pub fn load_trust(given: Option<&Path>) -> Result<(TrustStore, PathBuf), CliError> {
    let path = match given {
        Some(p) => p.to_path_buf(),
        None => std::env::var_os(TRUST_ENV).map(PathBuf::from).ok_or_else(|| {
            CliError::Input(format!(
                "no trust store: pass --trust DIR (a folder of issuers' public keys, *.jwk) or set \
                 {TRUST_ENV}. For the demo certificates: --trust goodstanding-demo/trust"
            ))
        })?,
    };
    let files = if path.is_dir() {
        let mut files: Vec<PathBuf> = std::fs::read_dir(&path)
            .map_err(|e| CliError::file(&path, e))?
            .filter_map(|entry| entry.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|e| e == "jwk"))
            .collect();
        files.sort();
        files
    } else if path.is_file() {
        vec![path.clone()]
    } else {
        return Err(CliError::file(
            &path,
            "no such trust store: pass --trust with a folder of issuers' public keys (*.jwk) or \
             one .jwk file",
        ));
    };
    let mut store = TrustStore::new();
    for file in &files {
        let text = read_input(file, 16 * 1024)?;
        let jwk = PublicJwk::from_json(&String::from_utf8_lossy(&text))
            .map_err(|e| CliError::file(file, e))?;
        store.add(jwk).map_err(|e| CliError::file(file, e))?;
    }
    if store.is_empty() {
        return Err(CliError::file(
            &path,
            "holds no public keys (*.jwk); nothing would be trusted",
        ));
    }
    Ok((store, path))
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
