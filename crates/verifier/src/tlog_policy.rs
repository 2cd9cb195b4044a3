//! `c2sp.org/tlog-policy`: which logs and witnesses a verifier trusts and how many witnesses must
//! cosign a checkpoint (issue 25, item 5). The issuer's configuration of its log is such a file
//! with the witnesses' URLs; the root-signed trust list carries the same policy to verifiers.
//!
//! ```text
//! log <vkey> [<url>]
//! witness <name> <vkey> [<url>]          vkey of type 0x04 (timestamped Ed25519 cosignature)
//! group <name> all|any|<k> <name>...     members defined on lines before
//! quorum <name>|none                     exactly once
//! # comment
//! ```

use std::fmt;

use crate::note::{Checkpoint, CosignerKey, Note, NoteError, VerifierKey};

/// Most logs, witnesses and groups in one policy (the specification recommends supporting 32 of
/// each).
pub const MAX_ENTRIES: usize = 32;
/// Longest policy read, in bytes.
pub const MAX_POLICY_LEN: usize = 32 * 1024;

/// A log the policy trusts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PolicyLog {
    /// Its key; the key's name is the log's origin.
    pub key: VerifierKey,
    /// Where it is published (the tiles' prefix), if given.
    pub url: Option<String>,
}

/// A witness the policy names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PolicyWitness {
    /// Its name in the policy (only for groups and the quorum).
    pub name: String,
    /// Its cosigning key.
    pub key: CosignerKey,
    /// Its `add-checkpoint` submission prefix, if given.
    pub url: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Member {
    Witness(usize),
    Group(usize),
}

#[derive(Debug, Clone, PartialEq, Eq)]
struct Group {
    name: String,
    /// As written: "all", "any" or a number.
    threshold_text: String,
    threshold: usize,
    members: Vec<Member>,
}

/// A transparency log policy.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Policy {
    /// The logs.
    pub logs: Vec<PolicyLog>,
    /// The witnesses.
    pub witnesses: Vec<PolicyWitness>,
    groups: Vec<Group>,
    /// `None` for `quorum none`.
    quorum: Option<Member>,
}

/// Why a policy file was refused: the line (from 1) and what is wrong there.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PolicyError {
    /// The line, from 1 (0: the file as a whole).
    pub line: usize,
    /// What is wrong.
    pub message: String,
}

impl fmt::Display for PolicyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.line == 0 {
            write!(f, "tlog policy: {}", self.message)
        } else {
            write!(f, "tlog policy line {}: {}", self.line, self.message)
        }
    }
}

impl std::error::Error for PolicyError {}

/// A checkpoint that satisfies the policy.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Witnessed {
    /// The checkpoint.
    pub checkpoint: Checkpoint,
    /// The policy names of the witnesses that cosigned it.
    pub witnesses: Vec<String>,
    /// The earliest time (POSIX seconds) a witness of the policy says it cosigned; `None` under
    /// the quorum `none` with no cosignature.
    pub earliest_cosignature: Option<u64>,
}

/// Why a checkpoint does not satisfy a policy.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CheckpointRefused {
    /// Not a signed note or checkpoint, not signed by a log of the policy, or a cosignature of a
    /// known witness that does not verify.
    Note(NoteError),
    /// The witnesses that cosigned do not make the quorum.
    Quorum {
        /// The witnesses (policy names) that cosigned.
        cosigned: Vec<String>,
        /// The quorum as written.
        quorum: String,
    },
}

impl fmt::Display for CheckpointRefused {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Note(e) => write!(f, "the checkpoint: {e}"),
            Self::Quorum { cosigned, quorum } if cosigned.is_empty() => write!(
                f,
                "no witness of the policy cosigned the checkpoint; the quorum is {quorum}"
            ),
            Self::Quorum { cosigned, quorum } => write!(
                f,
                "only {} cosigned the checkpoint, short of the quorum {quorum}",
                cosigned.join(", ")
            ),
        }
    }
}

impl std::error::Error for CheckpointRefused {}

fn refuse(line: usize, message: impl Into<String>) -> PolicyError {
    PolicyError {
        line,
        message: message.into(),
    }
}

fn optional_url(url: Option<&str>, line: usize) -> Result<Option<String>, PolicyError> {
    match url {
        None => Ok(None),
        Some(u) if u.starts_with("https://") || u.starts_with("http://") => Ok(Some(u.into())),
        Some(u) => Err(refuse(line, format!("{u:?} is not an http(s) URL"))),
    }
}

impl Policy {
    /// Reads a policy file.
    pub fn parse(text: &str) -> Result<Self, PolicyError> {
        if text.len() > MAX_POLICY_LEN {
            return Err(refuse(0, format!("longer than {MAX_POLICY_LEN} bytes")));
        }
        let mut policy = Self {
            logs: Vec::new(),
            witnesses: Vec::new(),
            groups: Vec::new(),
            quorum: None,
        };
        let mut quorum_seen = false;
        for (index, raw) in text.split('\n').enumerate() {
            let line = index + 1;
            if raw.bytes().any(|b| b < 0x20 && b != b'\t' || b == 0x7f) {
                return Err(refuse(line, "a control character other than tab"));
            }
            let words: Vec<&str> = raw.split([' ', '\t']).filter(|w| !w.is_empty()).collect();
            let Some(&keyword) = words.first() else {
                continue;
            };
            if keyword.starts_with('#') {
                continue;
            }
            match (keyword, &words[1..]) {
                ("log", [vkey, rest @ ..]) if rest.len() <= 1 => {
                    let key = VerifierKey::parse(vkey)
                        .map_err(|e| refuse(line, format!("the log's key: {e}")))?;
                    if policy.logs.iter().any(|l| l.key.key == key.key) {
                        return Err(refuse(line, "the same log key twice"));
                    }
                    let url = optional_url(rest.first().copied(), line)?;
                    policy.logs.push(PolicyLog { key, url });
                    if policy.logs.len() > MAX_ENTRIES {
                        return Err(refuse(line, format!("more than {MAX_ENTRIES} logs")));
                    }
                }
                ("witness", [name, vkey, rest @ ..]) if rest.len() <= 1 => {
                    policy.check_new_name(name, line)?;
                    let key = CosignerKey::parse(vkey)
                        .map_err(|e| refuse(line, format!("witness {name}'s key: {e}")))?;
                    if policy.witnesses.iter().any(|w| w.key.key == key.key) {
                        return Err(refuse(line, "the same witness key twice"));
                    }
                    let url = optional_url(rest.first().copied(), line)?;
                    policy.witnesses.push(PolicyWitness {
                        name: (*name).into(),
                        key,
                        url,
                    });
                    if policy.witnesses.len() > MAX_ENTRIES {
                        return Err(refuse(line, format!("more than {MAX_ENTRIES} witnesses")));
                    }
                }
                ("group", [name, threshold, members @ ..]) if !members.is_empty() => {
                    policy.check_new_name(name, line)?;
                    let mut resolved = Vec::new();
                    for member in members {
                        let found = policy.member(member).ok_or_else(|| {
                            refuse(line, format!("{member} is not defined on a line before"))
                        })?;
                        if resolved.contains(&found) {
                            return Err(refuse(line, format!("{member} is listed twice")));
                        }
                        resolved.push(found);
                    }
                    let k = match *threshold {
                        "all" => resolved.len(),
                        "any" => 1,
                        k => k
                            .parse::<usize>()
                            .ok()
                            .filter(|k| {
                                (1..=resolved.len()).contains(k) && !k.to_string().is_empty()
                            })
                            .filter(|k| k.to_string() == *threshold)
                            .ok_or_else(|| {
                                refuse(
                                    line,
                                    format!(
                                        "the threshold {threshold:?} is not all, any or a number \
                                         from 1 to {}",
                                        resolved.len()
                                    ),
                                )
                            })?,
                    };
                    policy.groups.push(Group {
                        name: (*name).into(),
                        threshold_text: (*threshold).into(),
                        threshold: k,
                        members: resolved,
                    });
                    if policy.groups.len() > MAX_ENTRIES {
                        return Err(refuse(line, format!("more than {MAX_ENTRIES} groups")));
                    }
                }
                ("quorum", [name]) => {
                    if quorum_seen {
                        return Err(refuse(line, "a second quorum line"));
                    }
                    quorum_seen = true;
                    policy.quorum = if *name == "none" {
                        None
                    } else {
                        Some(policy.member(name).ok_or_else(|| {
                            refuse(line, format!("{name} is not defined on a line before"))
                        })?)
                    };
                }
                ("log" | "witness" | "group" | "quorum", _) => {
                    return Err(refuse(
                        line,
                        format!(
                            "a {keyword} line does not have this form; see c2sp.org/tlog-policy"
                        ),
                    ));
                }
                _ => return Err(refuse(line, format!("unknown keyword {keyword:?}"))),
            }
        }
        if !quorum_seen {
            return Err(refuse(
                0,
                "no quorum line (write `quorum none` for no witnesses)",
            ));
        }
        Ok(policy)
    }

    fn check_new_name(&self, name: &str, line: usize) -> Result<(), PolicyError> {
        if name == "none" {
            return Err(refuse(line, "`none` is reserved"));
        }
        if self.member(name).is_some() {
            return Err(refuse(line, format!("{name} is defined twice")));
        }
        Ok(())
    }

    fn member(&self, name: &str) -> Option<Member> {
        self.witnesses
            .iter()
            .position(|w| w.name == name)
            .map(Member::Witness)
            .or_else(|| {
                self.groups
                    .iter()
                    .position(|g| g.name == name)
                    .map(Member::Group)
            })
    }

    fn member_name(&self, member: Member) -> &str {
        match member {
            Member::Witness(i) => &self.witnesses[i].name,
            Member::Group(i) => &self.groups[i].name,
        }
    }

    fn witnessed(&self, member: Member, cosigned: &[usize]) -> bool {
        match member {
            Member::Witness(i) => cosigned.contains(&i),
            Member::Group(g) => {
                let group = &self.groups[g];
                group
                    .members
                    .iter()
                    .filter(|m| self.witnessed(**m, cosigned))
                    .count()
                    >= group.threshold
            }
        }
    }

    /// Whether the witnesses at these indexes (of [`Policy::witnesses`]) make the quorum.
    pub fn quorum_met(&self, cosigned: &[usize]) -> bool {
        self.quorum.is_none_or(|q| self.witnessed(q, cosigned))
    }

    /// The quorum as written (`none`, a witness or a group name).
    pub fn quorum_name(&self) -> &str {
        self.quorum.map_or("none", |q| self.member_name(q))
    }

    /// The log whose origin is `origin`.
    pub fn log(&self, origin: &str) -> Option<&PolicyLog> {
        self.logs.iter().find(|l| l.key.name == origin)
    }

    /// The log written now: the one named last. Every earlier `log` line is a frozen log,
    /// kept for the proofs it issued before its issuer moved to a new log key.
    pub fn current_log(&self) -> Option<&PolicyLog> {
        self.logs.last()
    }

    /// Checks a checkpoint note: signed by a log of the policy and cosigned by the quorum.
    /// Returns the checkpoint and the policy names of the witnesses that cosigned it.
    pub fn check_checkpoint(
        &self,
        note: &str,
    ) -> Result<(Checkpoint, Vec<String>), CheckpointRefused> {
        self.witnessed_checkpoint(note)
            .map(|w| (w.checkpoint, w.witnesses))
    }

    /// [`Policy::check_checkpoint`], with when the quorum's witnesses say they cosigned.
    pub fn witnessed_checkpoint(&self, note: &str) -> Result<Witnessed, CheckpointRefused> {
        let parsed = Note::parse(note.as_bytes()).map_err(CheckpointRefused::Note)?;
        let log_keys: Vec<VerifierKey> = self.logs.iter().map(|l| l.key.clone()).collect();
        parsed.verify(&log_keys).map_err(CheckpointRefused::Note)?;
        let checkpoint = Checkpoint::parse(&parsed.text).map_err(CheckpointRefused::Note)?;
        if self.log(&checkpoint.origin).is_none() {
            return Err(CheckpointRefused::Note(NoteError::NoKnownSignature));
        }
        let keys: Vec<CosignerKey> = self.witnesses.iter().map(|w| w.key.clone()).collect();
        let by_key_name = parsed.cosigned_by(&keys).map_err(CheckpointRefused::Note)?;
        let cosigned: Vec<usize> = self
            .witnesses
            .iter()
            .enumerate()
            .filter(|(_, w)| by_key_name.iter().any(|(name, _)| *name == w.key.name))
            .map(|(i, _)| i)
            .collect();
        let names: Vec<String> = cosigned
            .iter()
            .map(|i| self.witnesses[*i].name.clone())
            .collect();
        if !self.quorum_met(&cosigned) {
            return Err(CheckpointRefused::Quorum {
                cosigned: names,
                quorum: self.quorum_name().to_string(),
            });
        }
        let earliest_cosignature = by_key_name
            .iter()
            .filter(|(name, _)| self.witnesses.iter().any(|w| w.key.name == *name))
            .map(|(_, time)| *time)
            .min();
        Ok(Witnessed {
            checkpoint,
            witnesses: names,
            earliest_cosignature,
        })
    }

    /// The policy as a file; `with_urls: false` leaves the URLs off (what offline verifiers
    /// need).
    pub fn to_text(&self, with_urls: bool) -> String {
        let url = |u: &Option<String>| match u {
            Some(u) if with_urls => format!(" {u}"),
            _ => String::new(),
        };
        let mut text = String::new();
        for log in &self.logs {
            text.push_str(&format!("log {}{}\n", log.key.to_vkey(), url(&log.url)));
        }
        for witness in &self.witnesses {
            text.push_str(&format!(
                "witness {} {}{}\n",
                witness.name,
                witness.key.to_vkey(),
                url(&witness.url)
            ));
        }
        for group in &self.groups {
            let members: Vec<&str> = group.members.iter().map(|m| self.member_name(*m)).collect();
            text.push_str(&format!(
                "group {} {} {}\n",
                group.name,
                group.threshold_text,
                members.join(" ")
            ));
        }
        text.push_str(&format!("quorum {}\n", self.quorum_name()));
        text
    }
}

#[cfg(test)]
mod tests {
    use ed25519_dalek::SigningKey;

    use super::*;

    fn witness_vkey(name: &str, seed: u8) -> String {
        CosignerKey::new(name, SigningKey::from_bytes(&[seed; 32]).verifying_key())
            .unwrap()
            .to_vkey()
    }

    fn log_vkey(seed: u8) -> String {
        VerifierKey::new(
            "log.example.org/test",
            SigningKey::from_bytes(&[seed; 32]).verifying_key(),
        )
        .unwrap()
        .to_vkey()
    }

    /// The specification's example, with keys: two groups of three, 2-of-3 and any-of-3, both
    /// needed.
    fn example() -> Policy {
        let mut text = format!(
            "# the example of c2sp.org/tlog-policy\nlog {}\n\n",
            log_vkey(1)
        );
        for (i, name) in ["X1", "X2", "X3", "Y1", "Y2", "Y3"].iter().enumerate() {
            text.push_str(&format!(
                "  witness\t{name} {}\n",
                witness_vkey(&format!("{name}.example.org"), 10 + i as u8)
            ));
        }
        text.push_str(
            "group X-witnesses 2 X1 X2 X3\ngroup Y-witnesses any Y1 Y2 Y3\n\
             group X-and-Y all X-witnesses Y-witnesses\nquorum X-and-Y\n",
        );
        Policy::parse(&text).unwrap()
    }

    #[test]
    fn the_specification_example_quorum_needs_two_x_and_one_y() {
        let policy = example();
        assert_eq!(policy.quorum_name(), "X-and-Y");
        let met = |set: &[usize]| policy.quorum_met(set);
        assert!(met(&[0, 1, 3]));
        assert!(met(&[0, 2, 5]));
        assert!(!met(&[0, 3, 4, 5]), "one X is not two");
        assert!(!met(&[0, 1, 2]), "no Y");
        assert!(!met(&[]));
        let again = Policy::parse(&policy.to_text(true)).unwrap();
        assert_eq!(again, policy);
    }

    #[test]
    fn quorum_none_needs_no_cosignature() {
        let policy = Policy::parse(&format!("log {}\nquorum none\n", log_vkey(1))).unwrap();
        assert!(policy.quorum_met(&[]));
        assert_eq!(policy.quorum_name(), "none");
    }

    #[test]
    fn malformed_policies_are_refused_naming_the_line() {
        let w = witness_vkey("w.example.org", 3);
        let l = log_vkey(1);
        let cases = [
            (format!("log {l}\n"), 0, "no quorum"),
            (format!("log {l}\nquorum W\n"), 2, "not defined"),
            (
                format!(
                    "witness W {w}\nwitness W {}\nquorum W\n",
                    witness_vkey("v", 4)
                ),
                2,
                "twice",
            ),
            (
                format!("witness W {w}\nwitness V {w}\nquorum W\n"),
                2,
                "same witness key",
            ),
            (
                format!("witness W {w}\ngroup G 2 W\nquorum G\n"),
                2,
                "threshold",
            ),
            (
                format!("witness W {w}\ngroup G 01 W\nquorum G\n"),
                2,
                "threshold",
            ),
            (
                format!("witness W {w}\ngroup G any W W\nquorum G\n"),
                2,
                "listed twice",
            ),
            (format!("witness W {l}\nquorum W\n"), 1, "type 0x04"),
            (format!("log {w}\nquorum none\n"), 1, "type 0x01"),
            (format!("witness none {w}\nquorum none\n"), 1, "reserved"),
            ("quorum none\nquorum none\n".to_string(), 2, "second quorum"),
            ("quorum none\nlogs x\n".to_string(), 2, "unknown keyword"),
            (format!("log {l} ftp://x\nquorum none\n"), 1, "not an http"),
            ("quorum none\r\n".to_string(), 1, "control character"),
        ];
        for (text, line, message) in cases {
            let error = Policy::parse(&text).unwrap_err();
            assert_eq!(error.line, line, "{text:?}: {error}");
            assert!(error.to_string().contains(message), "{text:?}: {error}");
        }
    }
}
