//! `goodstanding bench log-verify`: a synthesised log of N entries written as a site's tiles
//! (entries of the size goodstanding writes, a checkpoint signed by a new log key), then
//! `goodstanding log verify` run on it from scratch, as an auditor would, and timed.

use std::path::Path;
use std::time::Instant;

use goodstanding_issuer::keys::IssuingKey;
use goodstanding_issuer::notes::sign_note;
use goodstanding_operations::log::tree::Tree;
use goodstanding_verifier::log_entry::LogEntry;
use goodstanding_verifier::merkle::leaf_hash;
use goodstanding_verifier::note::{Checkpoint, VerifierKey};
use goodstanding_verifier::tiles::{TILE_WIDTH, bundle, tiles_for_size};

use crate::error::CliError;
use crate::io::outln;
use crate::shared::key_error;

const ORIGIN: &str = "bench.example.org/log";

fn write(path: &Path, bytes: &[u8]) -> Result<(), CliError> {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).map_err(|e| CliError::file(dir, e))?;
    }
    std::fs::write(path, bytes).map_err(|e| CliError::file(path, e))
}

/// Entry `n`: a certificate entry with goodstanding's field sizes (a revocation every tenth).
fn entry(n: u64) -> Vec<u8> {
    let id: String = format!("{n:026}")
        .bytes()
        .map(|b| char::from(b'a' + (b - b'0')))
        .collect();
    let entry = if n % 10 == 9 {
        LogEntry::Revocation {
            id,
            revoked_at: 1_800_000_000 + n,
            reason: "new_information".into(),
        }
    } else {
        let mut tag = [0u8; 64];
        tag[..8].copy_from_slice(&n.to_be_bytes());
        LogEntry::Certificate {
            kid: "bench-2026-1".into(),
            id,
            issued_at: 1_800_000_000 + n,
            jws_sha256: leaf_hash(&n.to_be_bytes()),
            period: "2027".into(),
            tag,
            tag_proof: [7; 80],
        }
    };
    entry.to_bytes().unwrap_or_default()
}

/// `goodstanding bench log-verify`.
pub fn log_verify(entries: u64, keep: Option<&Path>) -> Result<(), CliError> {
    let dir = match keep {
        Some(dir) => dir.to_path_buf(),
        None => std::env::temp_dir().join(format!("goodstanding-bench-log-{}", std::process::id())),
    };
    let _ = std::fs::remove_dir_all(&dir);
    let site = dir.join("site");
    let prefix = site.join("log");
    let started = Instant::now();
    let mut tree = Tree::new();
    let mut bundle_entries = Vec::with_capacity(TILE_WIDTH as usize);
    for n in 0..entries {
        let bytes = entry(n);
        tree.push(leaf_hash(&bytes));
        bundle_entries.push(bytes);
        let last = n + 1 == entries;
        if bundle_entries.len() as u64 == TILE_WIDTH || last {
            let index = n / TILE_WIDTH;
            let tile = goodstanding_verifier::tiles::Tile {
                level: 0,
                index,
                width: bundle_entries.len() as u64,
            };
            let bytes = bundle(&bundle_entries)
                .ok_or_else(|| CliError::Input("an entry too long for a bundle".into()))?;
            write(&prefix.join(tile.entries_path()), &bytes)?;
            bundle_entries.clear();
        }
    }
    for tile in tiles_for_size(entries) {
        write(&prefix.join(tile.path()), &tree.tile_hashes(&tile).concat())?;
    }
    let key = IssuingKey::generate(None).map_err(key_error)?;
    let text = Checkpoint {
        origin: ORIGIN.into(),
        size: entries,
        root: tree.root(),
        extensions: Vec::new(),
    }
    .to_text();
    let note = sign_note(&text, ORIGIN, &key).map_err(|e| CliError::Input(e.to_string()))?;
    write(&prefix.join("checkpoint"), note.as_bytes())?;
    let vkey = VerifierKey::new(ORIGIN, key.public_jwk().key)
        .map_err(|e| CliError::Input(e.to_string()))?
        .to_vkey();
    let policy = dir.join("log.policy");
    write(&policy, format!("log {vkey}\nquorum none\n").as_bytes())?;
    let synthesised = started.elapsed();

    let exe = std::env::current_exe().map_err(|e| CliError::Input(e.to_string()))?;
    let started = Instant::now();
    let mut child = std::process::Command::new(&exe)
        .args(["log", "verify", "--site"])
        .arg(&site)
        .arg("--policy")
        .arg(&policy)
        .arg("--state")
        .arg(dir.join("audit.json"))
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .map_err(|e| CliError::Input(format!("cannot run {}: {e}", exe.display())))?;
    // Its peak memory, read while it runs (the kernel forgets it at exit).
    let mut peak = None;
    let status = loop {
        if let Some(kib) = crate::bench::memory::peak_kib(child.id()) {
            peak = Some(kib);
        }
        match child.try_wait() {
            Ok(Some(status)) => break status,
            Ok(None) => std::thread::sleep(std::time::Duration::from_millis(20)),
            Err(e) => return Err(CliError::Input(e.to_string())),
        }
    };
    let verified = started.elapsed();
    if !status.success() {
        let mut stderr = String::new();
        if let Some(mut err) = child.stderr.take() {
            use std::io::Read as _;
            let _ = err.read_to_string(&mut stderr);
        }
        return Err(CliError::Refused(format!("log verify failed: {stderr}")));
    }
    outln!(
        "log of {entries} entries ({} tiles): synthesised in {:.2} s; `log verify` from scratch \
         took {:.2} s{}",
        tiles_for_size(entries).len(),
        synthesised.as_secs_f64(),
        verified.as_secs_f64(),
        peak.map_or(String::new(), |kib| format!(
            ", peak memory {:.0} MiB",
            kib as f64 / 1024.0
        ))
    );
    if keep.is_none() {
        let _ = std::fs::remove_dir_all(&dir);
    }
    Ok(())
}
