//! The core's configuration from the environment, read in one place, once per process: where
//! the inventory lives, the keychain service and its timeout, the providers' request timeout
//! and when an unfinished create counts as abandoned. Every value is checked here; one that
//! is not a number, not finite, not positive or out of range never reaches `Duration`
//! arithmetic: it is replaced by its default or clamped to its bound, with a warning.
//!
//! Not here: `KEYMINT_FAULT` (test-only fault injection, [`crate::fault`]), `KEYMINT_LOG` (the
//! front ends' log filter) and the desktop session's own variables, which are probed, not
//! configured.

use std::ffi::OsString;
use std::path::PathBuf;
use std::sync::OnceLock;
use std::time::Duration;

use crate::vault::DEFAULT_SERVICE;

/// Data directory, instead of the platform's.
pub const DATA_DIR: &str = "KEYMINT_DATA_DIR";
/// Keychain service name the items are stored under.
pub const KEYCHAIN_SERVICE: &str = "KEYMINT_KEYCHAIN_SERVICE";
/// Seconds a keychain call may take.
pub const KEYCHAIN_TIMEOUT_SECS: &str = "KEYMINT_KEYCHAIN_TIMEOUT_SECS";
/// Seconds a whole provider request may take.
pub const TIMEOUT_SECS: &str = "KEYMINT_TIMEOUT_SECS";
/// Seconds before an unfinished create's pending row counts as abandoned.
pub const STALE_PENDING_SECS: &str = "KEYMINT_STALE_PENDING_SECS";

/// A duration setting's default and bounds, in seconds.
struct Bounds {
    default: f64,
    min: f64,
    max: f64,
}

const KEYCHAIN_TIMEOUT: Bounds = Bounds {
    default: 10.0,
    min: 1.0,
    max: 600.0,
};
const REQUEST_TIMEOUT: Bounds = Bounds {
    default: 30.0,
    min: 0.1,
    max: 600.0,
};
/// Zero is allowed (tests: every pending row is abandoned at once); the cap keeps
/// "now minus the limit" a valid time, so an absurd value cannot turn into zero.
const STALE_PENDING: Bounds = Bounds {
    default: crate::service::DEFAULT_STALE_AFTER.as_secs() as f64,
    min: 0.0,
    max: 7.0 * 86_400.0,
};

/// The core's configuration. [`Config::default`] is the built-in one (unit tests);
/// [`Config::from_env`] is the process's.
#[derive(Clone, Debug, PartialEq)]
pub struct Config {
    /// `KEYMINT_DATA_DIR`: the data directory when none is given explicitly.
    pub data_dir: Option<PathBuf>,
    /// `KEYMINT_KEYCHAIN_SERVICE`: the keychain service name (default `keymint`).
    pub keychain_service: String,
    /// `KEYMINT_KEYCHAIN_TIMEOUT_SECS`: how long a keychain call may take (default 10 s,
    /// 1 s to 10 min).
    pub keychain_timeout: Duration,
    /// `KEYMINT_TIMEOUT_SECS`: how long a whole provider request may take (default 30 s,
    /// 0.1 s to 10 min).
    pub request_timeout: Duration,
    /// `KEYMINT_STALE_PENDING_SECS`: how long a create may be in flight before its pending
    /// row counts as abandoned (default 5 min, 0 to 7 days).
    pub stale_pending: Duration,
    /// What was wrong with the environment, one sentence each (already logged by
    /// [`Config::from_env`]); empty when every value was used as given.
    pub warnings: Vec<String>,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            data_dir: None,
            keychain_service: DEFAULT_SERVICE.to_owned(),
            keychain_timeout: Duration::from_secs_f64(KEYCHAIN_TIMEOUT.default),
            request_timeout: Duration::from_secs_f64(REQUEST_TIMEOUT.default),
            stale_pending: Duration::from_secs_f64(STALE_PENDING.default),
            warnings: Vec::new(),
        }
    }
}

impl Config {
    /// The process's configuration: the environment is read, and its warnings logged, the
    /// first time only; later calls return the same values.
    pub fn from_env() -> Self {
        static CONFIG: OnceLock<Config> = OnceLock::new();
        CONFIG
            .get_or_init(|| {
                let config = Self::from_lookup(|name| std::env::var_os(name));
                for warning in &config.warnings {
                    tracing::warn!("{warning}");
                }
                config
            })
            .clone()
    }

    /// The configuration `lookup` gives (a variable's value by name, `None` when unset).
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<OsString>) -> Self {
        let mut warnings = Vec::new();
        let mut text = |name: &str| -> Option<String> {
            let raw = lookup(name)?;
            match raw.into_string() {
                Ok(s) if s.trim().is_empty() => None,
                Ok(s) => Some(s),
                Err(_) => {
                    warnings.push(format!("{name} is not valid UTF-8; it is ignored"));
                    None
                }
            }
        };
        let data_dir = lookup(DATA_DIR)
            .filter(|d| !d.is_empty())
            .map(PathBuf::from);
        let keychain_service = text(KEYCHAIN_SERVICE)
            .map(|s| s.trim().to_owned())
            .unwrap_or_else(|| DEFAULT_SERVICE.to_owned());
        let keychain_timeout = text(KEYCHAIN_TIMEOUT_SECS);
        let request_timeout = text(TIMEOUT_SECS);
        let stale_pending = text(STALE_PENDING_SECS);
        Self {
            data_dir,
            keychain_service,
            keychain_timeout: seconds(
                KEYCHAIN_TIMEOUT_SECS,
                keychain_timeout,
                &KEYCHAIN_TIMEOUT,
                &mut warnings,
            ),
            request_timeout: seconds(
                TIMEOUT_SECS,
                request_timeout,
                &REQUEST_TIMEOUT,
                &mut warnings,
            ),
            stale_pending: seconds(
                STALE_PENDING_SECS,
                stale_pending,
                &STALE_PENDING,
                &mut warnings,
            ),
            warnings,
        }
    }
}

/// A number of seconds (fractions allowed) within `bounds`: unset gives the default, a value
/// that is not a finite number gives the default with a warning, one out of range is clamped
/// to the nearest bound with a warning. Never a value `Duration::from_secs_f64` panics on.
fn seconds(
    name: &str,
    raw: Option<String>,
    bounds: &Bounds,
    warnings: &mut Vec<String>,
) -> Duration {
    let Some(raw) = raw else {
        return Duration::from_secs_f64(bounds.default);
    };
    let shown = crate::values::shorten(raw.trim());
    let range = format!("{} to {} seconds", bounds.min, bounds.max);
    let secs = match raw.trim().parse::<f64>() {
        Ok(n) if n.is_finite() && n >= bounds.min && n <= bounds.max => n,
        Ok(n) if n.is_finite() && n > bounds.max => {
            warnings.push(format!(
                "{name}={shown} is above the limit; using {} seconds ({range})",
                bounds.max
            ));
            bounds.max
        }
        Ok(n) if n.is_finite() && n > 0.0 => {
            warnings.push(format!(
                "{name}={shown} is below the limit; using {} seconds ({range})",
                bounds.min
            ));
            bounds.min
        }
        _ => {
            warnings.push(format!(
                "{name}={shown} is not a number of seconds from {range}; using the default, {} seconds",
                bounds.default
            ));
            bounds.default
        }
    };
    // `secs` is finite and not below zero by now (`abs` turns -0 into 0); `try_` still
    // guards the conversion.
    Duration::try_from_secs_f64(secs.abs()).unwrap_or(Duration::from_secs_f64(bounds.default))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(vars: &[(&str, &str)]) -> Config {
        let map: std::collections::HashMap<String, OsString> = vars
            .iter()
            .map(|(k, v)| ((*k).to_owned(), OsString::from(v)))
            .collect();
        Config::from_lookup(|name| map.get(name).cloned())
    }

    #[test]
    fn nothing_set_is_the_default() {
        let c = parse(&[]);
        assert_eq!(c, Config::default());
        assert_eq!(c.keychain_service, "keymint");
        assert_eq!(c.keychain_timeout, Duration::from_secs(10));
        assert_eq!(c.request_timeout, Duration::from_secs(30));
        assert_eq!(c.stale_pending, Duration::from_secs(300));
        assert_eq!(c.data_dir, None);
        // Empty counts as unset, as a shell's `VAR=` means.
        let c = parse(&[(DATA_DIR, ""), (KEYCHAIN_SERVICE, "  "), (TIMEOUT_SECS, "")]);
        assert_eq!(c, Config::default());
    }

    #[test]
    fn values_in_range_are_used() {
        let c = parse(&[
            (DATA_DIR, "/tmp/km"),
            (KEYCHAIN_SERVICE, " keymint-test "),
            (KEYCHAIN_TIMEOUT_SECS, "3"),
            (TIMEOUT_SECS, "1.5"),
            (STALE_PENDING_SECS, "0"),
        ]);
        assert!(c.warnings.is_empty(), "{:?}", c.warnings);
        assert_eq!(c.data_dir, Some(PathBuf::from("/tmp/km")));
        assert_eq!(c.keychain_service, "keymint-test");
        assert_eq!(c.keychain_timeout, Duration::from_secs(3));
        assert_eq!(c.request_timeout, Duration::from_millis(1500));
        assert_eq!(c.stale_pending, Duration::ZERO);
    }

    #[test]
    fn hostile_values_fall_back_or_clamp_without_panicking() {
        for bad in [
            "NaN", "nan", "inf", "-inf", "abc", "-1", "0", "1e400", "-0", "30s",
        ] {
            let c = parse(&[(TIMEOUT_SECS, bad), (KEYCHAIN_TIMEOUT_SECS, bad)]);
            assert_eq!(c.request_timeout, Duration::from_secs(30), "{bad}");
            assert_eq!(c.keychain_timeout, Duration::from_secs(10), "{bad}");
            assert_eq!(c.warnings.len(), 2, "{bad}: {:?}", c.warnings);
            assert!(c.warnings[1].starts_with(TIMEOUT_SECS), "{:?}", c.warnings);
        }
        for huge in ["1e300", "18446744073709551616", "1.7976931348623157e308"] {
            let c = parse(&[
                (TIMEOUT_SECS, huge),
                (KEYCHAIN_TIMEOUT_SECS, huge),
                (STALE_PENDING_SECS, huge),
            ]);
            assert_eq!(c.request_timeout, Duration::from_secs(600), "{huge}");
            assert_eq!(c.keychain_timeout, Duration::from_secs(600), "{huge}");
            assert_eq!(c.stale_pending, Duration::from_secs(7 * 86_400), "{huge}");
            assert!(
                c.warnings.iter().all(|w| w.contains("above the limit")),
                "{:?}",
                c.warnings
            );
        }
        let c = parse(&[(TIMEOUT_SECS, "601"), (STALE_PENDING_SECS, "601")]);
        assert_eq!(c.request_timeout, Duration::from_secs(600));
        assert_eq!(c.stale_pending, Duration::from_secs(601));
        assert_eq!(c.warnings.len(), 1, "{:?}", c.warnings);
        let c = parse(&[(TIMEOUT_SECS, "1e-300"), (KEYCHAIN_TIMEOUT_SECS, "0.2")]);
        assert_eq!(c.request_timeout, Duration::from_millis(100));
        assert_eq!(c.keychain_timeout, Duration::from_secs(1));
        assert_eq!(c.warnings.len(), 2, "{:?}", c.warnings);
        // A stale limit of zero is meaningful; a negative one is not.
        let c = parse(&[(STALE_PENDING_SECS, "-5")]);
        assert_eq!(c.stale_pending, Duration::from_secs(300));
        assert_eq!(c.warnings.len(), 1);
        let c = parse(&[(STALE_PENDING_SECS, "-0")]);
        assert_eq!(c.stale_pending, Duration::ZERO);
    }

    #[test]
    fn a_warning_quotes_a_long_value_shortened() {
        let long = "9".repeat(10_000);
        let c = parse(&[(TIMEOUT_SECS, &format!("x{long}"))]);
        assert_eq!(c.warnings.len(), 1);
        assert!(c.warnings[0].len() < 300, "{}", c.warnings[0]);
    }

    #[cfg(unix)]
    #[test]
    fn non_utf8_values_are_ignored_with_a_warning() {
        use std::os::unix::ffi::OsStringExt;
        let bad = OsString::from_vec(vec![0x66, 0xff]);
        let c = Config::from_lookup(|name| (name == KEYCHAIN_SERVICE).then(|| bad.clone()));
        assert_eq!(c.keychain_service, "keymint");
        assert_eq!(c.warnings.len(), 1);
        // A data directory is a path: any bytes will do.
        let c = Config::from_lookup(|name| (name == DATA_DIR).then(|| bad.clone()));
        assert_eq!(c.data_dir, Some(PathBuf::from(bad.clone())));
        assert!(c.warnings.is_empty());
    }
}
