//! Points in time, in UTC with one-second precision, written as RFC 3339 (`2026-11-28T10:00:00Z`).

use std::fmt;
use time::{OffsetDateTime, format_description::well_known::Rfc3339};

/// A UTC time, whole seconds.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Timestamp(i64);

impl Timestamp {
    /// The current time.
    pub fn now() -> Self {
        Self(OffsetDateTime::now_utc().unix_timestamp())
    }

    /// From seconds since the Unix epoch. `None` outside years 0..=9999.
    pub fn from_unix(secs: i64) -> Option<Self> {
        let t = OffsetDateTime::from_unix_timestamp(secs).ok()?;
        (0..=9999).contains(&t.year()).then_some(Self(secs))
    }

    /// Seconds since the Unix epoch.
    pub fn unix(self) -> i64 {
        self.0
    }

    /// Parses RFC 3339 text (any offset; stored as UTC, sub-seconds dropped).
    pub fn parse(s: &str) -> Option<Self> {
        if let Some(t) = Self::parse_canonical(s) {
            return Some(t);
        }
        let t = OffsetDateTime::parse(s, &Rfc3339).ok()?;
        Self::from_unix(t.unix_timestamp())
    }

    /// The canonical form Coffer writes, `YYYY-MM-DDTHH:MM:SSZ`, read without the general
    /// parser (every stored record and export has two): `None` for anything else, including
    /// leap seconds and impossible dates, which the general parser then judges.
    fn parse_canonical(s: &str) -> Option<Self> {
        let b: &[u8; 20] = s.as_bytes().try_into().ok()?;
        let num = |range: std::ops::Range<usize>| -> Option<i64> {
            b[range].iter().try_fold(0i64, |n, &c| {
                c.is_ascii_digit().then(|| n * 10 + i64::from(c - b'0'))
            })
        };
        if [b[4], b[7], b[10], b[13], b[16], b[19]] != *b"--T::Z" {
            return None;
        }
        let (year, month, day) = (num(0..4)?, num(5..7)?, num(8..10)?);
        let (hour, minute, second) = (num(11..13)?, num(14..16)?, num(17..19)?);
        if !(1..=12).contains(&month)
            || day < 1
            || day > days_in_month(year, month)
            || hour > 23
            || minute > 59
            || second > 59
        {
            return None;
        }
        let days = days_from_civil(year, month, day);
        Some(Self(days * 86_400 + hour * 3600 + minute * 60 + second))
    }
}

fn is_leap(year: i64) -> bool {
    year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)
}

fn days_in_month(year: i64, month: i64) -> i64 {
    match month {
        2 if is_leap(year) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's `days_from_civil`).
fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (month + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The date of a day since 1970-01-01 (H. Hinnant's `civil_from_days`).
fn civil_from_days(days: i64) -> (i64, i64, i64) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

impl fmt::Display for Timestamp {
    /// The canonical form, `YYYY-MM-DDTHH:MM:SSZ`, written without allocating.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (days, secs) = (self.0.div_euclid(86_400), self.0.rem_euclid(86_400));
        let (year, month, day) = civil_from_days(days);
        write!(
            f,
            "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}Z",
            secs / 3600,
            secs / 60 % 60,
            secs % 60
        )
    }
}

impl serde::Serialize for Timestamp {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> serde::Deserialize<'de> for Timestamp {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        // Read from the input where it is (a borrowed or transient string): no copy per time.
        struct Visitor;
        impl serde::de::Visitor<'_> for Visitor {
            type Value = Timestamp;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an RFC 3339 time")
            }
            fn visit_str<E: serde::de::Error>(self, s: &str) -> Result<Timestamp, E> {
                Timestamp::parse(s).ok_or_else(|| E::custom("expected an RFC 3339 time"))
            }
        }
        d.deserialize_str(Visitor)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc3339_roundtrip() {
        let t = Timestamp::from_unix(1_795_000_000).unwrap();
        assert_eq!(t.to_string(), "2026-11-18T11:06:40Z");
        assert_eq!(Timestamp::parse(&t.to_string()), Some(t));
        assert_eq!(
            Timestamp::parse("2026-11-18T12:06:40.5+01:00"),
            Some(t),
            "offsets normalised, sub-seconds dropped"
        );
        assert_eq!(Timestamp::parse("yesterday"), None);
    }

    /// The general parser and formatter (the `time` crate), for comparison.
    fn slow_parse(s: &str) -> Option<Timestamp> {
        let t = OffsetDateTime::parse(s, &Rfc3339).ok()?;
        Timestamp::from_unix(t.unix_timestamp())
    }

    fn slow_format(t: Timestamp) -> String {
        OffsetDateTime::from_unix_timestamp(t.0)
            .unwrap()
            .format(&Rfc3339)
            .unwrap()
    }

    #[test]
    fn canonical_edges_agree_with_the_general_parser() {
        for s in [
            "0000-01-01T00:00:00Z",
            "9999-12-31T23:59:59Z",
            "1970-01-01T00:00:00Z",
            "1969-12-31T23:59:59Z",
            "2000-02-29T12:00:00Z",
            "2024-02-29T00:00:00Z",
            "1900-02-29T00:00:00Z",
            "2023-02-29T00:00:00Z",
            "2026-04-31T00:00:00Z",
            "2026-13-01T00:00:00Z",
            "2026-00-10T00:00:00Z",
            "2026-01-00T00:00:00Z",
            "2026-01-01T24:00:00Z",
            "2026-01-01T23:60:00Z",
            "2026-12-31T23:59:60Z",
            "2026-01-01t00:00:00z",
            "2026-01-01 00:00:00Z",
            "+026-01-01T00:00:00Z",
            "2026-01-01T00:00:0aZ",
        ] {
            assert_eq!(Timestamp::parse(s), slow_parse(s), "{s}");
            if let Some(t) = Timestamp::parse(s) {
                assert_eq!(t.to_string(), slow_format(t), "{s}");
            }
        }
    }

    proptest::proptest! {
        #[test]
        fn fast_paths_agree_with_the_general_ones(secs in -62_167_219_200i64..=253_402_300_799) {
            let t = Timestamp::from_unix(secs).unwrap();
            let text = t.to_string();
            proptest::prop_assert_eq!(&text, &slow_format(t));
            proptest::prop_assert_eq!(Timestamp::parse(&text), Some(t));
            proptest::prop_assert_eq!(Timestamp::parse_canonical(&text), slow_parse(&text));
        }
    }
}
