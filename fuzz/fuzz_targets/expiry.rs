//! `parse_expiry` and `parse_window` on arbitrary UTF-8.
//!
//! Invariants:
//! - an accepted expiry is strictly after `now` and at most `MAX_AHEAD_DAYS` away;
//! - an accepted window is not negative;
//! - the two agree: a window `d` with `0 < d <= MAX_AHEAD_DAYS` is accepted as the expiry
//!   `now + d`, and a duration accepted as an expiry is accepted as the same window;
//! - every refusal is a validation error (the expiry one names the `expires` field) whose
//!   message has no control character (user input is quoted in it).
#![no_main]

use chrono::{DateTime, Duration, Utc};
use keymint_core::expiry::{parse_expiry, parse_window, MAX_AHEAD_DAYS};
use keymint_core::ErrorCode;
use libfuzzer_sys::fuzz_target;

/// The instant the unit tests use, plus one so late that long durations overflow chrono's
/// range (exercising the `checked_add_signed` refusal).
fn nows() -> [DateTime<Utc>; 2] {
    let fixed = DateTime::parse_from_rfc3339("2026-01-01T00:00:00Z")
        .expect("fixed time")
        .with_timezone(&Utc);
    [fixed, DateTime::<Utc>::MAX_UTC - Duration::days(1000)]
}

fn check_message(input: &str, e: &keymint_core::Error) {
    assert_eq!(e.code(), ErrorCode::Validation, "{input:?}: {e}");
    let msg = e.to_string();
    assert!(
        !msg.chars().any(char::is_control),
        "{input:?}: control character in message {msg:?}"
    );
}

fuzz_target!(|data: &[u8]| {
    let Ok(input) = std::str::from_utf8(data) else {
        return;
    };
    let window = parse_window(input);
    match &window {
        Ok(d) => assert!(*d >= Duration::zero(), "{input:?}: negative window {d}"),
        Err(e) => check_message(input, e),
    }
    for now in nows() {
        match parse_expiry(input, now) {
            Ok(at) => {
                assert!(at > now, "{input:?}: expiry {at} is not after {now}");
                assert!(
                    at - now <= Duration::days(MAX_AHEAD_DAYS),
                    "{input:?}: expiry {at} is more than {MAX_AHEAD_DAYS} days after {now}"
                );
                if let Ok(d) = &window {
                    assert_eq!(at, now + *d, "{input:?}: expiry and window disagree");
                }
            }
            Err(e) => {
                check_message(input, &e);
                assert_eq!(e.field_name(), Some("expires"), "{input:?}: {e}");
                if let Ok(d) = &window {
                    // A well-formed duration may only be refused as zero, too far, or
                    // (for the late `now`) past the end of time.
                    let refusable = *d <= Duration::zero()
                        || *d > Duration::days(MAX_AHEAD_DAYS)
                        || now.checked_add_signed(*d).is_none();
                    assert!(
                        refusable,
                        "{input:?}: window {d} accepted but expiry refused: {e}"
                    );
                }
            }
        }
    }
});
