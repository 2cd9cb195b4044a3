//! Calendar dates and UTC timestamps, parsed strictly.
//!
//! Certificates carry dates as `YYYY-MM-DD` and instants as `YYYY-MM-DDTHH:MM:SSZ` (RFC 3339,
//! UTC, whole seconds). Only years 1900 to 2999 are accepted. The crate has no clock: callers pass
//! the current time in.

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// Seconds in one day.
const SECONDS_PER_DAY: i64 = 86_400;
/// The earliest year a date may have.
const MIN_YEAR: i64 = 1900;
/// The latest year a date may have.
const MAX_YEAR: i64 = 2999;

/// Why a date or timestamp text was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TimeParseError {
    /// Neither `YYYY-MM-DD` nor `YYYY-MM-DDTHH:MM:SSZ`, where either is accepted.
    Format,
    /// Not `YYYY-MM-DD`, where a date is needed.
    DateFormat,
    /// Not `YYYY-MM-DDTHH:MM:SSZ`, where a time is needed.
    TimeFormat,
    /// A UTC time where only a date is accepted.
    TimeForDate,
    /// A date where a UTC time is needed.
    DateForTime,
    /// The form is right but the day does not exist (such as 2023-02-29) or the year is outside
    /// 1900 to 2999.
    NoSuchDay,
    /// The time of day is out of range (hours 00-23, minutes and seconds 00-59).
    NoSuchTime,
}

impl fmt::Display for TimeParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Format => "expected a date as YYYY-MM-DD or a UTC time as YYYY-MM-DDTHH:MM:SSZ",
            Self::DateFormat => "expected a date as YYYY-MM-DD (such as 2026-12-05)",
            Self::TimeFormat => {
                "expected a UTC time as YYYY-MM-DDTHH:MM:SSZ (such as 2026-12-05T09:30:00Z)"
            }
            Self::TimeForDate => {
                "this is a date field: give the date alone as YYYY-MM-DD, without the time"
            }
            Self::DateForTime => {
                "this is a time field: give a UTC time as YYYY-MM-DDTHH:MM:SSZ (for the start of \
                 a day, such as 2026-12-05T00:00:00Z), not a date alone"
            }
            Self::NoSuchDay => "no such calendar day (years 1900 to 2999)",
            Self::NoSuchTime => "no such time of day",
        })
    }
}

impl std::error::Error for TimeParseError {}

/// A calendar date (proleptic Gregorian), stored as days since 1970-01-01.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Date(i32);

/// An instant in UTC with one-second precision, stored as seconds since 1970-01-01T00:00:00Z.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Timestamp(i64);

fn is_leap(year: i64) -> bool {
    (year % 4 == 0 && year % 100 != 0) || year % 400 == 0
}

fn days_in_month(year: i64, month: u32) -> u32 {
    match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if is_leap(year) => 29,
        _ => 28,
    }
}

/// Days since 1970-01-01 of a civil date (H. Hinnant's algorithm).
fn days_from_civil(year: i64, month: u32, day: u32) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y.rem_euclid(400);
    let mp = i64::from((month + 9) % 12);
    let doy = (153 * mp + 2) / 5 + i64::from(day) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The civil date of a day count since 1970-01-01.
fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    // Both casts are of small non-negative numbers (day 1..=31, month 1..=12).
    let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

fn digits(bytes: &[u8]) -> Option<u32> {
    bytes.iter().try_fold(0u32, |acc, b| {
        b.is_ascii_digit().then(|| acc * 10 + u32::from(b - b'0'))
    })
}

impl Date {
    /// The date with the given year, month (1-12) and day, if it exists and the year is in
    /// 1900..=2999.
    pub fn from_ymd(year: i64, month: u32, day: u32) -> Option<Self> {
        if !(MIN_YEAR..=MAX_YEAR).contains(&year)
            || !(1..=12).contains(&month)
            || day == 0
            || day > days_in_month(year, month)
        {
            return None;
        }
        i32::try_from(days_from_civil(year, month, day))
            .ok()
            .map(Date)
    }

    /// Parses `YYYY-MM-DD` exactly.
    pub fn parse(text: &str) -> Result<Self, TimeParseError> {
        let b = text.as_bytes();
        if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
            return Err(if b.len() == 20 && Timestamp::parse(text).is_ok() {
                TimeParseError::TimeForDate
            } else {
                TimeParseError::DateFormat
            });
        }
        let (Some(y), Some(m), Some(d)) = (digits(&b[0..4]), digits(&b[5..7]), digits(&b[8..10]))
        else {
            return Err(TimeParseError::DateFormat);
        };
        Self::from_ymd(i64::from(y), m, d).ok_or(TimeParseError::NoSuchDay)
    }

    /// Year, month and day.
    pub fn ymd(self) -> (i64, u32, u32) {
        civil_from_days(i64::from(self.0))
    }

    /// Days since 1970-01-01.
    pub fn days_since_epoch(self) -> i64 {
        i64::from(self.0)
    }

    /// The instant at which this date starts (00:00:00 UTC).
    pub fn start(self) -> Timestamp {
        Timestamp(i64::from(self.0) * SECONDS_PER_DAY)
    }

    /// The date `months` months later on the same day, or the last day of that month when it is
    /// shorter (31 August + 6 months = 28 or 29 February); `None` past the supported range.
    pub fn plus_months(self, months: i64) -> Option<Self> {
        let (y, m, d) = self.ymd();
        let index = y * 12 + i64::from(m) - 1 + months;
        let year = index.div_euclid(12);
        // The remainder is in 0..12.
        let month = index.rem_euclid(12) as u32 + 1;
        Self::from_ymd(year, month, d.min(days_in_month(year, month)))
    }

    /// The date `days` days later (or earlier, when negative); `None` past the supported range.
    pub fn plus_days(self, days: i64) -> Option<Self> {
        let (y, m, d) = civil_from_days(i64::from(self.0) + days);
        Self::from_ymd(y, m, d)
    }

    /// The date `years` years later on the same month and day (28 February for 29 February in a
    /// common year); `None` past the supported range.
    pub fn plus_years(self, years: i64) -> Option<Self> {
        let (y, m, d) = self.ymd();
        let y = y + years;
        let d = if m == 2 && d == 29 && !is_leap(y) {
            28
        } else {
            d
        };
        Self::from_ymd(y, m, d)
    }
}

impl fmt::Display for Date {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (y, m, d) = self.ymd();
        write!(f, "{y:04}-{m:02}-{d:02}")
    }
}

impl Timestamp {
    /// The instant `secs` seconds after 1970-01-01T00:00:00Z, if its year is in 1900..=2999.
    pub fn from_unix(secs: i64) -> Option<Self> {
        let days = secs.div_euclid(SECONDS_PER_DAY);
        let (year, _, _) = civil_from_days(days);
        (MIN_YEAR..=MAX_YEAR).contains(&year).then_some(Self(secs))
    }

    /// Seconds since 1970-01-01T00:00:00Z.
    pub fn unix(self) -> i64 {
        self.0
    }

    /// Parses `YYYY-MM-DDTHH:MM:SSZ` exactly.
    pub fn parse(text: &str) -> Result<Self, TimeParseError> {
        let b = text.as_bytes();
        if b.len() != 20 || b[10] != b'T' || b[13] != b':' || b[16] != b':' || b[19] != b'Z' {
            return Err(if b.len() == 10 && Date::parse(text).is_ok() {
                TimeParseError::DateForTime
            } else {
                TimeParseError::TimeFormat
            });
        }
        let date = text.get(0..10).ok_or(TimeParseError::TimeFormat)?;
        let date = Date::parse(date).map_err(|e| match e {
            TimeParseError::DateFormat => TimeParseError::TimeFormat,
            other => other,
        })?;
        let (Some(h), Some(mi), Some(s)) =
            (digits(&b[11..13]), digits(&b[14..16]), digits(&b[17..19]))
        else {
            return Err(TimeParseError::TimeFormat);
        };
        if h > 23 || mi > 59 || s > 59 {
            return Err(TimeParseError::NoSuchTime);
        }
        Ok(Self(
            date.start().0 + i64::from(h) * 3600 + i64::from(mi) * 60 + i64::from(s),
        ))
    }

    /// Parses either a timestamp or a bare date (meaning 00:00:00 UTC of that date).
    pub fn parse_date_or_time(text: &str) -> Result<Self, TimeParseError> {
        let either = |e| match e {
            TimeParseError::DateFormat | TimeParseError::TimeFormat => TimeParseError::Format,
            other => other,
        };
        if text.len() == 10 {
            Date::parse(text).map(Date::start).map_err(either)
        } else {
            Self::parse(text).map_err(either)
        }
    }

    /// The UTC calendar date of this instant.
    pub fn date(self) -> Date {
        // The constructor keeps the year within 1900..=2999, so the day count fits an i32.
        Date(self.0.div_euclid(SECONDS_PER_DAY) as i32)
    }

    /// This instant plus a number of whole days, if still in range.
    pub fn plus_days(self, days: i64) -> Option<Self> {
        days.checked_mul(SECONDS_PER_DAY)
            .and_then(|d| self.0.checked_add(d))
            .and_then(Self::from_unix)
    }

    /// Whole seconds from `self` to `later` (negative when `later` is earlier).
    pub fn seconds_until(self, later: Timestamp) -> i64 {
        later.0 - self.0
    }
}

impl fmt::Display for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let secs = self.0.rem_euclid(SECONDS_PER_DAY);
        write!(
            f,
            "{}T{:02}:{:02}:{:02}Z",
            self.date(),
            secs / 3600,
            secs / 60 % 60,
            secs % 60
        )
    }
}

macro_rules! text_serde {
    ($ty:ty, $expecting:literal) => {
        impl Serialize for $ty {
            fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.collect_str(self)
            }
        }

        impl<'de> Deserialize<'de> for $ty {
            fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                struct Visit;
                impl serde::de::Visitor<'_> for Visit {
                    type Value = $ty;
                    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                        f.write_str($expecting)
                    }
                    fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<$ty, E> {
                        <$ty>::parse(v).map_err(|e| E::custom(format_args!("{v:?}: {e}")))
                    }
                }
                deserializer.deserialize_str(Visit)
            }
        }
    };
}

text_serde!(Date, "a date as YYYY-MM-DD");
text_serde!(Timestamp, "a UTC time as YYYY-MM-DDTHH:MM:SSZ");

#[cfg(feature = "schema")]
mod schema {
    use std::borrow::Cow;

    use schemars::{JsonSchema, Schema, SchemaGenerator, json_schema};

    impl JsonSchema for super::Date {
        fn schema_name() -> Cow<'static, str> {
            "Date".into()
        }
        fn json_schema(_: &mut SchemaGenerator) -> Schema {
            json_schema!({
                "description": "A calendar date, YYYY-MM-DD (years 1900 to 2999).",
                "type": "string",
                "format": "date",
                "pattern": "^(19|2[0-9])[0-9]{2}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])$"
            })
        }
    }

    impl JsonSchema for super::Timestamp {
        fn schema_name() -> Cow<'static, str> {
            "Timestamp".into()
        }
        fn json_schema(_: &mut SchemaGenerator) -> Schema {
            json_schema!({
                "description": "An instant in UTC with whole seconds, YYYY-MM-DDTHH:MM:SSZ.",
                "type": "string",
                "format": "date-time",
                "pattern": "^(19|2[0-9])[0-9]{2}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])T([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9]Z$"
            })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_round_trip_across_the_whole_range() {
        let first = Date::parse("1900-01-01").unwrap();
        let last = Date::parse("2999-12-31").unwrap();
        for days in first.days_since_epoch()..=last.days_since_epoch() {
            let date = Date(days as i32);
            assert_eq!(Date::parse(&date.to_string()), Ok(date));
        }
    }

    #[test]
    fn impossible_days_are_refused() {
        for text in [
            "2023-02-29",
            "2100-02-29",
            "2024-04-31",
            "2024-13-01",
            "2024-00-10",
            "1899-12-31",
            "3000-01-01",
        ] {
            assert_eq!(Date::parse(text), Err(TimeParseError::NoSuchDay), "{text}");
        }
        assert!(Date::parse("2024-02-29").is_ok());
        assert!(Date::parse("2000-02-29").is_ok());
        for text in [
            "2024-1-01",
            "2024/01/01",
            "20240101",
            "2024-01-01 ",
            "+024-01-01",
            "٢٠٢٤-01-01",
        ] {
            assert_eq!(Date::parse(text), Err(TimeParseError::DateFormat), "{text}");
        }
        // A time where a date goes, and a date where a time goes, are named as such.
        assert_eq!(
            Date::parse("2026-12-05T00:00:00Z"),
            Err(TimeParseError::TimeForDate)
        );
        assert_eq!(
            Timestamp::parse("2026-12-05"),
            Err(TimeParseError::DateForTime)
        );
        assert!(
            TimeParseError::DateForTime
                .to_string()
                .contains("2026-12-05T00:00:00Z")
        );
        assert_eq!(
            Timestamp::parse_date_or_time("2026-1-05"),
            Err(TimeParseError::Format)
        );
    }

    #[test]
    fn timestamps_parse_and_print_exactly() {
        let t = Timestamp::parse("2026-11-23T01:51:18Z").unwrap();
        assert_eq!(t.to_string(), "2026-11-23T01:51:18Z");
        assert_eq!(t.unix(), 1_795_398_678);
        assert_eq!(
            Timestamp::parse("2026-11-23T24:00:00Z"),
            Err(TimeParseError::NoSuchTime)
        );
        assert_eq!(
            Timestamp::parse("2026-11-23T01:51:18+00:00"),
            Err(TimeParseError::TimeFormat)
        );
        assert_eq!(
            Timestamp::parse("2026-11-23t01:51:18z"),
            Err(TimeParseError::TimeFormat)
        );
        assert_eq!(t.plus_days(90).unwrap().to_string(), "2027-02-21T01:51:18Z");
        assert_eq!(
            Timestamp::parse_date_or_time("2026-11-23")
                .unwrap()
                .to_string(),
            "2026-11-23T00:00:00Z"
        );
    }

    #[test]
    fn plus_years_keeps_the_day_or_falls_back_from_the_29th() {
        let d = Date::parse("2008-02-29").unwrap();
        assert_eq!(d.plus_years(16).unwrap().to_string(), "2024-02-29");
        assert_eq!(d.plus_years(17).unwrap().to_string(), "2025-02-28");
    }
}
