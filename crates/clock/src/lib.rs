//! # goodstanding-clock
//!
//! The one clock of goodstanding's programs: the issuing commands (the time a certificate is
//! signed), the verifying ones (`verify`, `serve`, `trust`) and the demo read the time here. The
//! pure verifier (`goodstanding-verifier`) reads no clock: its callers pass the time they got
//! from this crate.
//!
//! ```text
//! GOODSTANDING_NOW (RFC 3339, if set) or the system clock -> now() -> Timestamp
//! ```
//!
//! The override, [`OVERRIDE_VAR`], pins the time for tests, demonstrations and reproducing a
//! verdict; a program that honours it says so on its standard error (see [`overridden`]). It is
//! not for production use: a pinned clock signs and verifies at the wrong time.
#![forbid(unsafe_code)]
#![deny(missing_docs)]

use std::fmt;

use goodstanding_verifier::Timestamp;

/// The environment variable that pins the time: an RFC 3339 UTC timestamp such as
/// `2026-12-01T09:00:00Z`, or a date (its midnight, UTC).
pub const OVERRIDE_VAR: &str = "GOODSTANDING_NOW";

/// Why the time could not be had.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ClockError {
    /// The override is set but is not an RFC 3339 UTC timestamp.
    BadOverride {
        /// What it holds.
        value: String,
        /// Why it was refused.
        problem: String,
    },
    /// The system clock is before 1970 or outside the years a timestamp holds (1900-2999).
    SystemClockWrong,
}

impl fmt::Display for ClockError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::BadOverride { value, problem } => write!(
                f,
                "{OVERRIDE_VAR}={value:?} is not a time ({problem}): give an RFC 3339 UTC time \
                 such as 2026-12-01T09:00:00Z, or unset it to use the system clock"
            ),
            Self::SystemClockWrong => f.write_str(
                "the system clock is wrong (before 1970 or after 2999): set it, then try again",
            ),
        }
    }
}

impl std::error::Error for ClockError {}

/// The time now: [`OVERRIDE_VAR`] if it is set (and not empty), else the system clock.
pub fn now() -> Result<Timestamp, ClockError> {
    match overridden() {
        Some(value) => parse_override(&value),
        None => system_now(),
    }
}

/// The override's value, when it is set (and not empty): a program that honours it should say
/// so, since every time it reads is then pinned.
pub fn overridden() -> Option<String> {
    std::env::var(OVERRIDE_VAR)
        .ok()
        .filter(|v| !v.trim().is_empty())
}

/// The system clock, ignoring any override.
pub fn system_now() -> Result<Timestamp, ClockError> {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .ok()
        .and_then(|d| i64::try_from(d.as_secs()).ok())
        .and_then(Timestamp::from_unix)
        .ok_or(ClockError::SystemClockWrong)
}

/// The time an override names.
pub fn parse_override(value: &str) -> Result<Timestamp, ClockError> {
    Timestamp::parse_date_or_time(value.trim()).map_err(|e| ClockError::BadOverride {
        value: value.to_string(),
        problem: e.to_string(),
    })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn an_override_is_read_as_rfc_3339_and_a_bad_one_names_the_variable() {
        assert_eq!(
            parse_override(" 2026-12-01T09:00:00Z ")
                .unwrap()
                .to_string(),
            "2026-12-01T09:00:00Z"
        );
        let error = parse_override("yesterday").unwrap_err();
        assert!(matches!(error, ClockError::BadOverride { .. }));
        assert!(error.to_string().contains("GOODSTANDING_NOW=\"yesterday\""));
    }

    #[test]
    fn the_system_clock_reads_a_time_after_this_code_was_written() {
        let now = system_now().unwrap();
        assert!(now > Timestamp::parse("2026-01-01T00:00:00Z").unwrap());
    }
}
