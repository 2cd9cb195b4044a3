//! `goodstanding monitor`: a manager watches the transparency log for certificates in their
//! name (issue 25, item 4).
//!
//! ```text
//! --cert FILE (genuine, checked by the one verification path)
//!     -> its entry in the trust folder's synced log (synced from --site first)
//!     -> its subject tag for its year, checked against the subject's reference (vrf-r255)
//!     -> every entry with that tag: the subject's certificates that year
//!     -> each marked NEW (not in --state), and yours / expected / NOT EXPECTED (exit 1)
//! ```
//!
//! A tag can be computed only with the issuer's key, so a manager watches the years of the
//! certificates they hold: one certificate of each year.

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;

use clap::Args;
use goodstanding_trust::fetch::{Fetcher, Source, sync_log_from};
use goodstanding_verifier::limits::MAX_IMAGE_LEN;
use goodstanding_verifier::log_audit::MAX_BUNDLE_LEN;
use goodstanding_verifier::log_entry::LogEntry;
use goodstanding_verifier::log_sync::{SyncedCertificate, SyncedLog, log_locations};
use goodstanding_verifier::subject_tag::check_tag;
use goodstanding_verifier::tiles::{TILE_WIDTH, Tile, unbundle};
use goodstanding_verifier::{Declared, Timestamp};
use serde::{Deserialize, Serialize};

use crate::error::CliError;
use crate::io::{read_input, read_state, write_state, write_stdout};
use crate::shared::{in_data_dir, trust_dir};

/// `goodstanding monitor`.
#[derive(Args)]
pub struct MonitorArgs {
    /// A certificate of yours (PDF or .jws): the log is searched for every certificate with its
    /// subject, in its year. Repeat for several years.
    #[arg(long = "cert", value_name = "FILE", required = true)]
    pub certs: Vec<PathBuf>,
    /// The issuing body's published site (URL or folder); its log is under log/.
    #[arg(long, value_name = "URL|DIR")]
    pub site: String,
    /// A certificate id you know is yours (one you asked for): not reported as unexpected.
    /// Repeat for several.
    #[arg(long = "expect", value_name = "ID")]
    pub expect: Vec<String>,
    /// The trust folder, whose trust list names the log and whose copy of the log is synced
    /// [default: as for verify].
    #[arg(long, value_name = "DIR")]
    pub trust: Option<PathBuf>,
    /// Where the entries seen by the last run are kept [default: monitor-state.json in the
    /// data directory].
    #[arg(long, value_name = "FILE")]
    pub state: Option<PathBuf>,
}

/// What the last run saw (entry numbers only).
#[derive(Debug, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct MonitorState {
    /// The log written now.
    origin: String,
    size: u64,
    /// The entries (indexes) of that log listed before.
    seen: BTreeSet<u64>,
    /// Frozen logs (the issuer moved to a new log key): origin -> entries listed. Absent in a
    /// state written before logs could be frozen.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    frozen: BTreeMap<String, BTreeSet<u64>>,
}

/// One watched subject and year.
struct Watched {
    reference: String,
    period: String,
    tag: [u8; 64],
    given: String,
    from: PathBuf,
}

/// `goodstanding monitor`.
pub fn monitor(args: &MonitorArgs) -> Result<(), CliError> {
    let dir = trust_dir(args.trust.as_deref())?;
    let (mut store, _) = crate::shared::load_trust(Some(&dir))?;
    if store.transparency_log().is_none() {
        return Err(CliError::Input(format!(
            "{}: the trust list names no transparency log, so there is nothing to watch: run \
             `goodstanding trust update` (the issuing body publishes a trust list of version 3 \
             once it logs)",
            dir.display()
        )));
    }
    let source = Source::parse(&args.site).map_err(|e| CliError::Input(format!("--site: {e}")))?;
    sync_log_from(&dir, &mut store, &source).map_err(|e| CliError::Refused(e.to_string()))?;
    let (Some(log), Some(synced)) = (store.transparency_log(), store.synced_log()) else {
        return Err(CliError::Input(format!(
            "{}: no usable copy of the log after syncing",
            dir.display()
        )));
    };
    let policy = log
        .parsed_policy()
        .map_err(|e| CliError::Input(format!("the trust list's log policy: {e}")))?;
    // Every log held, the one written now first, each with where it is published.
    let site_log = match &source {
        Source::Url(url) => format!("{}/log", url.trim_end_matches('/')),
        Source::Folder(path) => path.join("log").to_string_lossy().into_owned(),
    };
    let mut logs: Vec<(&SyncedLog, Fetcher)> = Vec::new();
    for (origin, prefix) in log_locations(&policy) {
        let Some(copy) = store.synced_log_of(&origin) else {
            continue;
        };
        let at = if prefix.is_empty() {
            site_log.clone()
        } else {
            format!("{site_log}/{prefix}")
        };
        let at = Source::parse(&at).map_err(|e| CliError::Input(format!("--site: {e}")))?;
        logs.push((
            copy,
            Fetcher::new(at).map_err(|e| CliError::Input(e.to_string()))?,
        ));
    }
    let tag_key = log.subject_tag_key_bytes().ok_or_else(|| {
        CliError::Input("the trust list's subject-tag key is not 32 bytes of base64".into())
    })?;
    let now = goodstanding_clock::now().map_err(|e| CliError::Input(e.to_string()))?;

    let mut watched: Vec<Watched> = Vec::new();
    for path in &args.certs {
        let bytes = read_input(path, MAX_IMAGE_LEN)?;
        let checked = goodstanding_verifier::check(&bytes, Declared::Any, &store, now)
            .map_err(|e| CliError::file(path, e))?;
        let verified = checked.genuine().ok_or_else(|| {
            CliError::file(
                path,
                "not a genuine certificate of this issuing body, so it names no one to watch",
            )
        })?;
        let certificate = &verified.certificate;
        let jws_hash = verified.signed.jws_sha256();
        let found = logs.iter().find_map(|(copy, _)| copy.find(&jws_hash));
        let found = found.ok_or_else(|| {
            CliError::file(
                path,
                format!(
                    "certificate {} is not in the log ({} entries synced): it was issued after \
                     the checkpoint published, or was never logged",
                    certificate.id,
                    synced.size()
                ),
            )
        })?;
        let reference = certificate.subject.reference.as_str().to_string();
        let period = certificate.issued_at.date().ymd().0.to_string();
        if !check_tag(&tag_key, &reference, &period, &found.tag, &found.tag_proof) {
            return Err(CliError::Refused(format!(
                "{}: the log's entry {} for this certificate carries a subject tag that is not \
                 its subject's: the log hides it from you; report this to the issuing body",
                path.display(),
                found.index
            )));
        }
        watched.push(Watched {
            reference,
            period,
            tag: found.tag,
            given: certificate.id.as_str().to_string(),
            from: path.clone(),
        });
    }

    let state_path = in_data_dir(args.state.as_deref(), "monitor-state.json", "--state FILE")?;
    let previous: Option<MonitorState> = read_state(&state_path, "a monitor state")?;
    let origin = synced.witnessed().checkpoint.origin.clone();
    // The entries listed before, by log: a state of the log written now, or of a log frozen
    // since (the log it named is then among the frozen ones).
    let mut seen: BTreeMap<String, BTreeSet<u64>> = BTreeMap::new();
    if let Some(p) = previous {
        seen.insert(p.origin, p.seen);
        seen.extend(p.frozen);
    }
    let given: BTreeSet<&str> = watched.iter().map(|w| w.given.as_str()).collect();
    let expected: BTreeSet<&str> = args.expect.iter().map(String::as_str).collect();

    write_stdout(format_args!(
        "log {origin}: {} entries synced into {}, checkpoint cosigned by {}\n",
        synced.size(),
        dir.display(),
        if synced.witnessed().witnesses.is_empty() {
            "no witness".to_string()
        } else {
            synced.witnessed().witnesses.join(", ")
        }
    ));
    let mut listed = BTreeSet::new();
    let mut unexpected = Vec::new();
    let mut done: BTreeSet<(&str, &str)> = BTreeSet::new();
    for w in &watched {
        if !done.insert((&w.reference, &w.period)) {
            continue;
        }
        let entries: Vec<(&SyncedLog, &Fetcher, SyncedCertificate)> = logs
            .iter()
            .flat_map(|(copy, fetcher)| {
                copy.tagged(&w.tag)
                    .into_iter()
                    .map(move |found| (*copy, fetcher, found))
            })
            .collect();
        write_stdout(format_args!(
            "subject {} in {} (from {}): {} certificate(s) in the log\n",
            w.reference,
            w.period,
            w.from.display(),
            entries.len()
        ));
        for (copy, fetcher, found) in entries {
            let (id, kid, issued_at) = entry_at(fetcher, copy.size(), &found)?;
            let new = if seen
                .get(copy.origin())
                .is_some_and(|s| s.contains(&found.index))
            {
                ""
            } else {
                "  NEW"
            };
            let place = if copy.origin() == origin {
                String::new()
            } else {
                format!(" of the frozen log {}", copy.origin())
            };
            let whose = if given.contains(id.as_str()) {
                "yours (a certificate given)"
            } else if expected.contains(id.as_str()) {
                "expected (--expect)"
            } else {
                unexpected.push(id.clone());
                "NOT EXPECTED: if you did not ask for it, tell the issuing body at once"
            };
            write_stdout(format_args!(
                "  entry {}{place}: certificate {id}, key {kid}, issued {issued_at}{new}  \
                 {whose}\n",
                found.index
            ));
            listed.insert((copy.origin().to_string(), found.index));
        }
    }
    write_stdout(format_args!(
        "(a subject's tag differs each year and only the issuing body can compute it: to watch \
         another year, give a certificate of that year)\n"
    ));
    for (log, index) in listed {
        seen.entry(log).or_default().insert(index);
    }
    let current_seen = seen.remove(&origin).unwrap_or_default();
    write_state(
        &state_path,
        &MonitorState {
            origin,
            size: synced.size(),
            seen: current_seen,
            frozen: seen,
        },
    )?;
    if unexpected.is_empty() {
        Ok(())
    } else {
        Err(CliError::Refused(format!(
            "{} certificate(s) in your name that you did not expect: {}",
            unexpected.len(),
            unexpected.join(", ")
        )))
    }
}

/// The entry at `found.index`, fetched from its bundle and checked against the synced record:
/// its certificate id, key and issue time.
fn entry_at(
    fetcher: &Fetcher,
    size: u64,
    found: &SyncedCertificate,
) -> Result<(String, String, String), CliError> {
    let tile = found.index / TILE_WIDTH;
    let path = Tile {
        level: 0,
        index: tile,
        width: (size - tile * TILE_WIDTH).min(TILE_WIDTH),
    }
    .entries_path();
    let bundle = fetcher
        .get(&path, MAX_BUNDLE_LEN)
        .map_err(|e| CliError::Input(e.to_string()))?;
    let refused = |what: &str| CliError::Refused(format!("log/{path}: {what}"));
    let entries = unbundle(&bundle).map_err(|e| refused(&e.to_string()))?;
    let offset = usize::try_from(found.index % TILE_WIDTH).unwrap_or(usize::MAX);
    let entry = entries
        .get(offset)
        .ok_or_else(|| refused("the bundle is short"))?;
    match LogEntry::from_bytes(entry) {
        Ok(LogEntry::Certificate {
            kid,
            id,
            issued_at,
            jws_sha256,
            tag,
            ..
        }) if jws_sha256 == found.jws_sha256 && tag == found.tag => {
            let issued = i64::try_from(issued_at)
                .ok()
                .and_then(Timestamp::from_unix)
                .map_or_else(|| issued_at.to_string(), |t| t.to_string());
            Ok((id, kid, issued))
        }
        _ => Err(refused(&format!(
            "entry {} is not the one synced: the published log changed",
            found.index
        ))),
    }
}
