//! Asking the witnesses of the log's policy to cosign a checkpoint (`c2sp.org/tlog-witness`
//! `add-checkpoint`), all at once, each within a timeout.

use std::fmt;
use std::time::Duration;

use goodstanding_verifier::tlog_policy::Policy;

use super::tree::Tree;
use goodstanding_verifier::witness::AddCheckpoint;

/// How the log reaches its witnesses: one HTTP POST of `body` to `url`, answered within
/// `timeout` with the status and the body. The command supplies it (this crate has no HTTP).
pub trait WitnessTransport: Sync + fmt::Debug {
    /// Posts `body` to `url`; the HTTP status and the answer, or why there was none.
    fn post(&self, url: &str, body: String, timeout: Duration) -> Result<(u16, String), String>;
}

/// What a witness answered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WitnessAnswer {
    /// Its cosignature lines.
    Cosigned(String),
    /// It holds a larger tree than the one offered.
    Ahead(u64),
    /// It refused: the HTTP status and what it said.
    Refused {
        /// The HTTP status.
        status: u16,
        /// The first line of its answer.
        said: String,
    },
    /// No answer within the timeout, or no connection.
    Unreachable(String),
    /// The policy gives it no URL.
    NoUrl,
}

impl fmt::Display for WitnessAnswer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Cosigned(_) => f.write_str("cosigned"),
            Self::Ahead(size) => write!(f, "holds a larger tree ({size} entries)"),
            Self::Refused { status, said } => write!(f, "refused (HTTP {status}): {said}"),
            Self::Unreachable(why) => write!(f, "did not answer: {why}"),
            Self::NoUrl => f.write_str("the policy gives no URL for it"),
        }
    }
}

/// Offers the checkpoint `signed` (of the first `size` entries of `tree`) to every witness with
/// a URL, at once; `known[i]` is what witness `i` was last known to hold, updated here.
pub(super) fn ask_all(
    policy: &Policy,
    signed: &str,
    tree: &Tree,
    size: u64,
    known: &mut [Option<u64>],
    client: &dyn WitnessTransport,
    timeout: Duration,
) -> Vec<(usize, WitnessAnswer)> {
    let answers: Vec<(usize, WitnessAnswer, Option<u64>)> = std::thread::scope(|scope| {
        let handles: Vec<_> = policy
            .witnesses
            .iter()
            .enumerate()
            .map(|(i, witness)| {
                let start = known.get(i).copied().flatten();
                scope.spawn(move || {
                    let Some(url) = &witness.url else {
                        return (i, WitnessAnswer::NoUrl, start);
                    };
                    let (answer, held) = ask_one(client, url, signed, tree, size, start, timeout);
                    (i, answer, held)
                })
            })
            .collect();
        handles
            .into_iter()
            .enumerate()
            .map(|(i, h)| {
                h.join().unwrap_or((
                    i,
                    WitnessAnswer::Unreachable("the request stopped unexpectedly".into()),
                    None,
                ))
            })
            .collect()
    });
    answers
        .into_iter()
        .map(|(i, answer, held)| {
            if let Some(slot) = known.get_mut(i) {
                *slot = held;
            }
            (i, answer)
        })
        .collect()
}

/// One witness: offered from the size it was last known to hold (0 if unknown); told a
/// different size (409), offered once more from that size. Returns the answer and what the
/// witness now holds, if known.
fn ask_one(
    client: &dyn WitnessTransport,
    url: &str,
    signed: &str,
    tree: &Tree,
    size: u64,
    start: Option<u64>,
    timeout: Duration,
) -> (WitnessAnswer, Option<u64>) {
    let endpoint = format!("{}/add-checkpoint", url.trim_end_matches('/'));
    let mut old = start.filter(|s| *s <= size).unwrap_or(0);
    for _ in 0..2 {
        let Some(proof) = tree.consistency_proof(old, size) else {
            return (WitnessAnswer::Ahead(old), Some(old));
        };
        let body = AddCheckpoint {
            old_size: old,
            proof,
            checkpoint: signed.to_string(),
        }
        .to_body();
        let (status, said) = match client.post(&endpoint, body, timeout) {
            Ok(answer) => answer,
            Err(e) => return (WitnessAnswer::Unreachable(e), start),
        };
        match status {
            200 => return (WitnessAnswer::Cosigned(said), Some(size)),
            409 => {
                let Ok(theirs) = said.trim_end_matches('\n').parse::<u64>() else {
                    return (refused(status, &said), start);
                };
                if theirs > size {
                    return (WitnessAnswer::Ahead(theirs), Some(theirs));
                }
                old = theirs;
            }
            _ => return (refused(status, &said), start),
        }
    }
    (
        WitnessAnswer::Refused {
            status: 409,
            said: "the witness's size kept changing".into(),
        },
        None,
    )
}

fn refused(status: u16, said: &str) -> WitnessAnswer {
    let first: String = said
        .lines()
        .next()
        .unwrap_or("")
        .chars()
        .take(200)
        .collect();
    WitnessAnswer::Refused {
        status,
        said: first,
    }
}
