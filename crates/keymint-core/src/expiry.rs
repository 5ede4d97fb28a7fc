//! The uniform expiry: an absolute RFC 3339 time or a duration (`90d`, `12h`, `3600s`),
//! resolved against "now" and refused when in the past or absurdly far away.

use chrono::{DateTime, Duration, Utc};

use crate::error::{Error, Result};

/// Furthest expiry accepted: 100 years.
pub const MAX_AHEAD_DAYS: i64 = 36_500;

/// Parses `input` into an absolute expiry after `now`.
pub fn parse_expiry(input: &str, now: DateTime<Utc>) -> Result<DateTime<Utc>> {
    let s = input.trim();
    let bad = || {
        Error::field(
            "expires",
            format!(
                "expiry `{}` is not understood: give a time like 2027-01-31T00:00:00Z or a duration like 90d, 12h or 3600s",
                crate::values::shorten(s)
            ),
        )
    };
    let at = match parse_span(s, None) {
        Ok(d) => now.checked_add_signed(d).ok_or_else(too_far)?,
        Err(SpanError::Overflow) => return Err(too_far()),
        Err(SpanError::NotASpan) => DateTime::parse_from_rfc3339(s)
            .map_err(|_| bad())?
            .with_timezone(&Utc),
    };
    if at <= now {
        return Err(Error::field(
            "expires",
            format!(
                "expiry {} is in the past; give a future time or a duration like 90d",
                at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
            ),
        ));
    }
    if at.signed_duration_since(now) > Duration::days(MAX_AHEAD_DAYS) {
        return Err(too_far());
    }
    Ok(at)
}

fn too_far() -> Error {
    Error::field(
        "expires",
        "expiry is more than 100 years away; give a nearer time or leave it empty for no expiry",
    )
}

/// A unit of [`parse_span`]: the letter that follows the number.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Unit {
    /// `s`
    Second,
    /// `m`
    Minute,
    /// `h`
    Hour,
    /// `d`
    Day,
    /// `w`
    Week,
}

impl Unit {
    fn of(letter: char) -> Option<Self> {
        Some(match letter {
            's' => Self::Second,
            'm' => Self::Minute,
            'h' => Self::Hour,
            'd' => Self::Day,
            'w' => Self::Week,
            _ => return None,
        })
    }

    fn seconds(self) -> i64 {
        match self {
            Self::Second => 1,
            Self::Minute => 60,
            Self::Hour => 3600,
            Self::Day => 86_400,
            Self::Week => 7 * 86_400,
        }
    }
}

/// Why [`parse_span`] refused its input.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SpanError {
    /// Not a span: no digits, a sign, another unit, other characters.
    NotASpan,
    /// A well-formed span too long for any time arithmetic.
    Overflow,
}

/// The one duration grammar: ASCII digits and a unit (`s`, `m`, `h`, `d`, `w`), as in `90d`,
/// `12h`, `30m`, `3600s`, `2w`. With `bare`, digits alone count in that unit (a setting in
/// seconds takes `45` as well as `45s`). Surrounding spaces are ignored; signs, fractions,
/// exponents and non-ASCII digits are not spans.
pub fn parse_span(input: &str, bare: Option<Unit>) -> std::result::Result<Duration, SpanError> {
    let s = input.trim();
    let (digits, unit) = match s.chars().last().and_then(Unit::of) {
        Some(unit) => (&s[..s.len() - 1], unit),
        None => (s, bare.ok_or(SpanError::NotASpan)?),
    };
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return Err(SpanError::NotASpan);
    }
    // Every digit string too long for i64 is a span far beyond any bound.
    let n: i64 = digits.parse().map_err(|_| SpanError::Overflow)?;
    n.checked_mul(unit.seconds())
        .and_then(Duration::try_seconds)
        .ok_or(SpanError::Overflow)
}

/// Parses a duration such as `14d` into a [`Duration`] (for filters like `--expiring-within`),
/// at most 100 years ([`MAX_AHEAD_DAYS`]): no expiry is further away, and `now` plus the window
/// always stays a valid time.
pub fn parse_window(input: &str) -> Result<Duration> {
    match parse_span(input, None) {
        Ok(d) if d <= Duration::days(MAX_AHEAD_DAYS) => Ok(d),
        Ok(_) | Err(SpanError::Overflow) => Err(Error::invalid(format!(
            "`{}` is longer than 100 years; no key expires further away: use at most {MAX_AHEAD_DAYS}d",
            crate::values::shorten(input)
        ))),
        Err(SpanError::NotASpan) => Err(Error::invalid(format!(
            "`{}` is not a duration; use a number and a unit: 14d, 12h, 30m or 3600s",
            crate::values::shorten(input)
        ))),
    }
}

/// The last time RFC 3339 text can hold (and that still sorts right as stored text):
/// 9999-12-31T23:59:59Z. Checked arithmetic that runs past it clamps here.
pub fn latest() -> DateTime<Utc> {
    chrono::NaiveDate::from_ymd_opt(9999, 12, 31)
        .and_then(|d| d.and_hms_opt(23, 59, 59))
        .map_or(DateTime::<Utc>::MAX_UTC, |t| t.and_utc())
}

/// RFC 3339 with second precision and `Z`, the form every boundary uses.
pub fn rfc3339(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn now() -> DateTime<Utc> {
        DateTime::parse_from_rfc3339("2026-01-01T00:00:00Z")
            .expect("fixed time")
            .with_timezone(&Utc)
    }

    #[test]
    fn durations_and_times() {
        assert_eq!(
            parse_expiry("90d", now()).ok(),
            Some(now() + Duration::days(90))
        );
        assert_eq!(
            parse_expiry("12h", now()).ok(),
            Some(now() + Duration::hours(12))
        );
        assert_eq!(
            parse_expiry("3600s", now()).ok(),
            Some(now() + Duration::seconds(3600))
        );
        assert_eq!(
            parse_expiry("2026-02-01T01:00:00+01:00", now())
                .map(rfc3339)
                .ok(),
            Some("2026-02-01T00:00:00Z".to_owned())
        );
    }

    #[test]
    fn refusals() {
        for bad in [
            "",
            "d",
            "0s",
            "-5d",
            "90",
            "90y",
            "2025-01-01T00:00:00Z",
            "tomorrow",
            "99999999999d",
            "999999999999w",
            "2026-01-01T00:00:00Z",
            "1e3s",
            "٣d",
        ] {
            let e = parse_expiry(bad, now()).expect_err(bad);
            assert_eq!(e.field_name(), Some("expires"), "{bad}");
        }
        assert!(parse_expiry("36501d", now()).is_err());
    }

    #[test]
    fn spans_in_every_unit() {
        for (text, secs) in [
            ("45s", 45),
            ("2m", 120),
            ("12h", 12 * 3600),
            ("90d", 90 * 86_400),
            ("2w", 14 * 86_400),
            (" 0s ", 0),
            ("007m", 420),
        ] {
            assert_eq!(
                parse_span(text, None),
                Ok(Duration::seconds(secs)),
                "{text}"
            );
        }
        // Digits alone only where the caller names their unit.
        assert_eq!(parse_span("45", None), Err(SpanError::NotASpan));
        assert_eq!(
            parse_span("45", Some(Unit::Second)),
            Ok(Duration::seconds(45))
        );
        assert_eq!(parse_span("14", Some(Unit::Day)), Ok(Duration::days(14)));
        assert_eq!(
            parse_span("3h", Some(Unit::Day)),
            Ok(Duration::hours(3)),
            "a unit given wins over the bare one"
        );
        for bad in [
            "", " ", "s", "d", "-5d", "+5d", "1.5h", "1e3s", "90y", "٣d", "5 d", "d5", "5ss",
        ] {
            assert_eq!(
                parse_span(bad, Some(Unit::Second)),
                Err(SpanError::NotASpan),
                "{bad:?}"
            );
        }
        for huge in [
            "9223372036854775807s",
            "99999999999999999999999999d",
            "999999999999999w",
            "9223372036854775807",
        ] {
            assert_eq!(
                parse_span(huge, Some(Unit::Week)),
                Err(SpanError::Overflow),
                "{huge}"
            );
        }
    }

    #[test]
    fn windows_are_bounded() {
        assert_eq!(parse_window("14d").ok(), Some(Duration::days(14)));
        assert_eq!(
            parse_window("36500d").ok(),
            Some(Duration::days(MAX_AHEAD_DAYS))
        );
        // Each of these overflowed `now + window` (a panic) before the bound.
        for huge in ["36501d", "99999999999d", "999999999999w", "999999999999s"] {
            let e = parse_window(huge).expect_err(huge);
            assert!(e.to_string().contains("100 years"), "{huge}: {e}");
        }
        for bad in ["", "14", "d", "-1d", "1y"] {
            assert!(parse_window(bad).is_err(), "{bad}");
        }
    }
}
