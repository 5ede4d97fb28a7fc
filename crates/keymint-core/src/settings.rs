//! User settings: typed, validated, stored in the inventory (`settings` table) so the app and
//! `keymint settings` share them. A setting that was never set has its default; a stored value
//! that no longer validates (written by hand, or by a future version) falls back to the default
//! with a warning instead of keeping the app from starting.

use std::ops::RangeInclusive;

use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::error::{Error, Result};
use crate::expiry::{parse_span, Unit};
use crate::service::Keymint;

/// How the app looks.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "lowercase")]
pub enum Theme {
    /// Follow the desktop's light/dark preference.
    #[default]
    System,
    /// Always light.
    Light,
    /// Always dark.
    Dark,
}

impl Theme {
    fn parse(s: &str) -> Option<Self> {
        match s {
            "system" => Some(Self::System),
            "light" => Some(Self::Light),
            "dark" => Some(Self::Dark),
            _ => None,
        }
    }

    fn as_str(self) -> &'static str {
        match self {
            Self::System => "system",
            Self::Light => "light",
            Self::Dark => "dark",
        }
    }
}

/// Every setting, with its value.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct Settings {
    /// Seconds a copied secret stays on the clipboard (cleared only if still unchanged).
    pub clipboard_clear_secs: u32,
    /// Seconds a revealed secret stays visible.
    pub reveal_timeout_secs: u32,
    /// Whether the app raises expiry reminders.
    pub reminders: bool,
    /// Days before expiry when a reminder is raised, largest first (one more at expiry).
    pub reminder_days: Vec<u32>,
    /// Light, dark, or the desktop's choice.
    pub theme: Theme,
    /// Whether coding-agent sessions are detected (SPEC §7): in one, commands that would
    /// print a secret need a reason.
    pub agent_detection: bool,
    /// Whether `keymint mcp` may create keys for an agent (the answer is a reference).
    pub agents_may_create: bool,
    /// Whether closing the app's window keeps it running in the background (with a tray
    /// icon where the desktop has one), so the quick access shortcut still works.
    pub keep_running: bool,
    /// The global shortcut that opens the quick access palette, as [`parse_shortcut`]
    /// writes it (`Ctrl+Shift+K`), or `off`.
    pub quick_access_shortcut: String,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            clipboard_clear_secs: 30,
            reveal_timeout_secs: 20,
            reminders: true,
            reminder_days: vec![14],
            theme: Theme::System,
            agent_detection: true,
            agents_may_create: false,
            keep_running: false,
            quick_access_shortcut: DEFAULT_QUICK_ACCESS_SHORTCUT.to_owned(),
        }
    }
}

/// The quick access shortcut of a new inventory.
pub const DEFAULT_QUICK_ACCESS_SHORTCUT: &str = "Ctrl+Shift+K";
/// The `quick_access_shortcut` value that turns the shortcut off.
pub const SHORTCUT_OFF: &str = "off";

/// A setting's name, what it means and what it accepts (for `keymint settings` and docs).
#[derive(Clone, Copy, Debug, Serialize, TS)]
pub struct SettingInfo {
    /// Name as stored and as typed on the command line.
    pub name: &'static str,
    /// What it does.
    pub help: &'static str,
    /// What values it takes.
    pub accepts: &'static str,
}

/// Seconds a copied secret may stay on the clipboard: the `clipboard_clear_secs` setting's
/// range, and the one every way of copying (the CLI's `--clear-after` too) keeps to.
pub const CLIPBOARD_CLEAR_SECS: RangeInclusive<u32> = 5..=600;
/// Seconds a revealed secret may stay visible.
pub const REVEAL_TIMEOUT_SECS: RangeInclusive<u32> = 5..=300;
const REMINDER_DAY: RangeInclusive<u32> = 1..=365;
const MAX_REMINDER_DAYS: usize = 4;

/// One setting, whole: what is shown about it, how its text is read into [`Settings`] and
/// how it is written back. Adding a setting is a field in [`Settings`] and an entry in
/// [`DEFINITIONS`]; listing, getting, setting, validating and loading all follow the table.
struct Definition {
    info: SettingInfo,
    /// Reads `value` (trimmed) into the settings, or says what the setting accepts.
    set: fn(&mut Settings, &str) -> Result<()>,
    /// The text form, as stored and shown; `set` reads it back unchanged.
    get: fn(&Settings) -> String,
}

/// Every setting, in display order.
const DEFINITIONS: [Definition; 9] = [
    Definition {
        info: SettingInfo {
            name: "clipboard_clear_secs",
            help: "Seconds a copied secret stays on the clipboard; cleared only if unchanged",
            accepts: "5 to 600",
        },
        set: |s, v| {
            s.clipboard_clear_secs = seconds("clipboard_clear_secs", v, CLIPBOARD_CLEAR_SECS)?;
            Ok(())
        },
        get: |s| s.clipboard_clear_secs.to_string(),
    },
    Definition {
        info: SettingInfo {
            name: "reveal_timeout_secs",
            help: "Seconds a revealed secret stays visible",
            accepts: "5 to 300",
        },
        set: |s, v| {
            s.reveal_timeout_secs = seconds("reveal_timeout_secs", v, REVEAL_TIMEOUT_SECS)?;
            Ok(())
        },
        get: |s| s.reveal_timeout_secs.to_string(),
    },
    Definition {
        info: SettingInfo {
            name: "reminders",
            help: "Desktop notifications before keys expire and when they do",
            accepts: "on or off",
        },
        set: |s, v| {
            s.reminders = switch("reminders", v)?;
            Ok(())
        },
        get: |s| on_off(s.reminders),
    },
    Definition {
        info: SettingInfo {
            name: "reminder_days",
            help: "Days before expiry when a reminder is shown (another comes at expiry)",
            accepts: "1 to 4 distinct numbers from 1 to 365, comma-separated, e.g. 14,3",
        },
        set: |s, v| {
            s.reminder_days = reminder_days(v)?;
            Ok(())
        },
        get: |s| {
            s.reminder_days
                .iter()
                .map(u32::to_string)
                .collect::<Vec<_>>()
                .join(",")
        },
    },
    Definition {
        info: SettingInfo {
            name: "theme",
            help: "The app's colours",
            accepts: "system, light or dark",
        },
        set: |s, v| {
            s.theme = Theme::parse(&v.to_ascii_lowercase())
                .ok_or_else(|| Error::field("theme", "give system, light or dark"))?;
            Ok(())
        },
        get: |s| s.theme.as_str().to_owned(),
    },
    Definition {
        info: SettingInfo {
            name: "agent_detection",
            help: "In a coding agent's session, commands that print a secret need --reason",
            accepts: "on or off",
        },
        set: |s, v| {
            s.agent_detection = switch("agent_detection", v)?;
            Ok(())
        },
        get: |s| on_off(s.agent_detection),
    },
    Definition {
        info: SettingInfo {
            name: "agents_may_create",
            help: "Coding agents may create keys through keymint mcp (they get the reference)",
            accepts: "on or off",
        },
        set: |s, v| {
            s.agents_may_create = switch("agents_may_create", v)?;
            Ok(())
        },
        get: |s| on_off(s.agents_may_create),
    },
    Definition {
        info: SettingInfo {
            name: "keep_running",
            help: "Closing the window keeps Keymint running in the background (tray icon where the desktop has one)",
            accepts: "on or off",
        },
        set: |s, v| {
            s.keep_running = switch("keep_running", v)?;
            Ok(())
        },
        get: |s| on_off(s.keep_running),
    },
    Definition {
        info: SettingInfo {
            name: "quick_access_shortcut",
            help: "Global shortcut that opens the quick access palette over any window",
            accepts: "modifiers and a key, e.g. Ctrl+Shift+K, or off",
        },
        set: |s, v| {
            s.quick_access_shortcut = parse_shortcut(v)?;
            Ok(())
        },
        get: |s| s.quick_access_shortcut.clone(),
    },
];

fn on_off(b: bool) -> String {
    (if b { "on" } else { "off" }).to_owned()
}

/// The settings, in display order.
pub const SETTINGS: &[SettingInfo] = &infos(&DEFINITIONS);

const fn infos<const N: usize>(definitions: &[Definition; N]) -> [SettingInfo; N] {
    let mut out = [SettingInfo {
        name: "",
        help: "",
        accepts: "",
    }; N];
    let mut i = 0;
    while i < N {
        out[i] = definitions[i].info;
        i += 1;
    }
    out
}

fn definition(name: &str) -> Result<&'static Definition> {
    DEFINITIONS
        .iter()
        .find(|d| d.info.name == name)
        .ok_or_else(|| unknown(name))
}

impl Settings {
    /// Sets one setting from its text form, validated.
    pub fn set(&mut self, name: &str, value: &str) -> Result<()> {
        (definition(name)?.set)(self, value.trim())
    }

    /// One setting's text form.
    pub fn get(&self, name: &str) -> Result<String> {
        Ok((definition(name)?.get)(self))
    }

    /// Checks every value (a whole settings object from the app).
    pub fn validate(&self) -> Result<()> {
        let mut copy = Self::default();
        for d in &DEFINITIONS {
            (d.set)(&mut copy, &(d.get)(self))?;
        }
        Ok(())
    }

    /// Every setting's name and text form, in display order.
    fn texts(&self) -> impl Iterator<Item = (&'static str, String)> + '_ {
        DEFINITIONS.iter().map(|d| (d.info.name, (d.get)(self)))
    }

    /// Settings as stored: defaults, overridden by every row that still validates.
    fn from_rows(rows: &[(String, String)]) -> Self {
        let mut settings = Self::default();
        for (name, value) in rows {
            if let Err(e) = settings.set(name, value) {
                tracing::warn!(setting = %name, error = %e, "ignoring a stored setting");
            }
        }
        settings
    }
}

fn unknown(name: &str) -> Error {
    let names: Vec<_> = SETTINGS.iter().map(|s| s.name).collect();
    Error::field(
        "name",
        format!(
            "there is no setting {:?}; the settings are {}",
            crate::values::shorten(name),
            names.join(", ")
        ),
    )
}

/// A number of seconds in `range`: `45`, `45s`, or any other span such as `2m`.
fn seconds(name: &str, value: &str, range: RangeInclusive<u32>) -> Result<u32> {
    parse_span(value, Some(Unit::Second))
        .ok()
        .and_then(|d| u32::try_from(d.num_seconds()).ok())
        .filter(|n| range.contains(n))
        .ok_or_else(|| {
            Error::field(
                name,
                format!(
                    "give {} to {} (e.g. 30, 45s or 2m)",
                    crate::voice::span(i64::from(*range.start())),
                    crate::voice::span(i64::from(*range.end()))
                ),
            )
        })
}

fn switch(name: &str, value: &str) -> Result<bool> {
    match value.to_ascii_lowercase().as_str() {
        "on" | "true" | "yes" | "1" => Ok(true),
        "off" | "false" | "no" | "0" => Ok(false),
        _ => Err(Error::field(name, "give on or off")),
    }
}

/// Reads a global shortcut: modifiers and one key joined by `+` (`ctrl+shift+k`,
/// `Super + F2`), at least one of Ctrl, Alt and Super among the modifiers (Shift alone would
/// take a capital letter from every program), the key a letter, a digit, F1 to F24 or Space.
/// Returns it written the one way the app registers it (`Ctrl+Shift+K`), or `off`.
pub fn parse_shortcut(value: &str) -> Result<String> {
    let bad = |why: &str| {
        Error::field(
            "quick_access_shortcut",
            format!(
                "{why}: give Ctrl, Alt or Super (Shift may join them) and a key, e.g. {DEFAULT_QUICK_ACCESS_SHORTCUT}, or off"
            ),
        )
    };
    let value = value.trim();
    if value.is_empty() || ["off", "none", "no"].contains(&value.to_ascii_lowercase().as_str()) {
        return Ok(SHORTCUT_OFF.to_owned());
    }
    // In display order: the order the desktop's own settings write them in.
    const MODIFIERS: [(&str, &[&str]); 4] = [
        ("Ctrl", &["ctrl", "control"]),
        ("Alt", &["alt"]),
        ("Shift", &["shift"]),
        ("Super", &["super", "meta", "win"]),
    ];
    let mut held = [false; 4];
    let mut key: Option<String> = None;
    for part in value.split('+').map(str::trim) {
        if part.is_empty() {
            return Err(bad("a part is missing between the plus signs"));
        }
        let lower = part.to_ascii_lowercase();
        if let Some(i) = MODIFIERS
            .iter()
            .position(|(_, names)| names.contains(&lower.as_str()))
        {
            held[i] = true;
            continue;
        }
        if key.is_some() {
            return Err(bad("a shortcut has one key"));
        }
        key = Some(shortcut_key(&lower).ok_or_else(|| {
            bad(&format!(
                "`{}` is not a key a shortcut can use",
                crate::values::shorten(part)
            ))
        })?);
    }
    let key = key.ok_or_else(|| bad("the key is missing"))?;
    if !(held[0] || held[1] || held[3]) {
        return Err(bad("a shortcut needs a modifier"));
    }
    let mut out: Vec<&str> = MODIFIERS
        .iter()
        .zip(held)
        .filter(|(_, on)| *on)
        .map(|((name, _), _)| *name)
        .collect();
    out.push(&key);
    Ok(out.join("+"))
}

/// A key as a shortcut names it (`K`, `7`, `F2`, `Space`), from its lower-case text.
fn shortcut_key(lower: &str) -> Option<String> {
    let mut chars = lower.chars();
    if let (Some(c), None) = (chars.next(), chars.next()) {
        return c
            .is_ascii_alphanumeric()
            .then(|| c.to_ascii_uppercase().to_string());
    }
    if lower == "space" {
        return Some("Space".to_owned());
    }
    lower
        .strip_prefix('f')
        .filter(|n| !n.starts_with('0'))
        .and_then(|n| n.parse::<u8>().ok())
        .filter(|n| (1..=24).contains(n))
        .map(|n| format!("F{n}"))
}

fn reminder_days(value: &str) -> Result<Vec<u32>> {
    let bad = || {
        Error::field(
            "reminder_days",
            format!(
                "give 1 to {MAX_REMINDER_DAYS} different numbers of days from {} to {}, separated by commas (e.g. 14,3)",
                REMINDER_DAY.start(),
                REMINDER_DAY.end()
            ),
        )
    };
    let mut days = Vec::new();
    for part in value.split(',') {
        // `14`, `14d` or `2w`: whole days only.
        let n = parse_span(part, Some(Unit::Day))
            .ok()
            .filter(|d| *d == chrono::Duration::days(d.num_days()))
            .and_then(|d| u32::try_from(d.num_days()).ok())
            .filter(|n| REMINDER_DAY.contains(n))
            .ok_or_else(bad)?;
        if days.contains(&n) {
            return Err(bad());
        }
        days.push(n);
    }
    if days.is_empty() || days.len() > MAX_REMINDER_DAYS {
        return Err(bad());
    }
    days.sort_unstable_by(|a, b| b.cmp(a));
    Ok(days)
}

impl Keymint {
    /// The settings in effect.
    pub fn settings(&self) -> Result<Settings> {
        Ok(Settings::from_rows(&self.store().setting_rows()?))
    }

    /// Replaces every setting (the app's settings page), after validating all of them.
    pub fn save_settings(&self, settings: &Settings) -> Result<Settings> {
        settings.validate()?;
        let values: Vec<(&str, Option<String>)> = settings
            .texts()
            .map(|(name, text)| (name, Some(text)))
            .collect();
        self.store().put_settings(&values)?;
        self.settings()
    }

    /// Sets one setting (`keymint settings set`); returns the settings now in effect.
    pub fn set_setting(&self, name: &str, value: &str) -> Result<Settings> {
        let mut settings = self.settings()?;
        settings.set(name, value)?;
        let text = settings.get(name)?;
        self.store().put_settings(&[(name, Some(text))])?;
        Ok(settings)
    }

    /// Puts one setting back to its default.
    pub fn reset_setting(&self, name: &str) -> Result<Settings> {
        let name = definition(name)?.info.name;
        self.store().put_settings(&[(name, None)])?;
        self.settings()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_refuses() {
        let mut s = Settings::default();
        s.set("clipboard_clear_secs", "45s").expect("45 s");
        assert_eq!(s.clipboard_clear_secs, 45);
        s.set("reveal_timeout_secs", "2m").expect("2 min");
        assert_eq!(s.reveal_timeout_secs, 120);
        s.set("reminder_days", " 3, 14d ,30").expect("days");
        assert_eq!(s.reminder_days, vec![30, 14, 3]);
        s.set("reminder_days", "1w,1").expect("a week");
        assert_eq!(s.reminder_days, vec![7, 1]);
        s.set("theme", "Dark").expect("theme");
        assert_eq!(s.get("theme").expect("get"), "dark");
        s.set("reminders", "off").expect("off");
        assert!(!s.reminders);
        for (name, value) in [
            ("clipboard_clear_secs", "4"),
            ("clipboard_clear_secs", "601"),
            ("clipboard_clear_secs", "-1"),
            ("reveal_timeout_secs", "x"),
            ("reveal_timeout_secs", "1h"),
            ("reveal_timeout_secs", "99999999999999999999"),
            ("reminder_days", "14,14"),
            ("reminder_days", "36h"),
            ("reminder_days", "14,2w"),
            ("reminder_days", "0"),
            ("reminder_days", "1,2,3,4,5"),
            ("reminder_days", ""),
            ("theme", "blue"),
            ("reminders", "maybe"),
        ] {
            let err = s.clone().set(name, value).expect_err(value);
            assert_eq!(err.field_name(), Some(name), "{name}={value}: {err}");
        }
        let err = s.set("colour", "x").expect_err("unknown");
        assert!(err.to_string().contains("clipboard_clear_secs"), "{err}");
    }

    #[test]
    fn the_table_is_consistent() {
        let names: Vec<_> = SETTINGS.iter().map(|i| i.name).collect();
        let mut unique = names.clone();
        unique.sort_unstable();
        unique.dedup();
        assert_eq!(unique.len(), names.len(), "names are unique: {names:?}");
        // What `keymint settings` and the app show, in this order (later ones follow).
        assert!(
            names.starts_with(&[
                "clipboard_clear_secs",
                "reveal_timeout_secs",
                "reminders",
                "reminder_days",
                "theme"
            ]),
            "{names:?}"
        );
        let defaults = Settings::default();
        for info in SETTINGS {
            let mut copy = Settings {
                reminders: false,
                theme: Theme::Dark,
                ..Settings::default()
            };
            copy.set(info.name, &defaults.get(info.name).expect("get"))
                .expect(info.name);
            assert_eq!(
                copy.get(info.name).expect("get"),
                defaults.get(info.name).expect("get"),
                "{} reads back what it writes",
                info.name
            );
        }
        assert!(Settings::default().validate().is_ok());
        // The shown ranges are the enforced ones.
        for (info, range) in SETTINGS
            .iter()
            .zip([CLIPBOARD_CLEAR_SECS, REVEAL_TIMEOUT_SECS])
        {
            let shown = format!("{} to {}", range.start(), range.end());
            assert_eq!(info.accepts, shown, "{}", info.name);
        }
    }

    #[test]
    fn shortcuts_are_read_and_written_one_way() {
        for (typed, stored) in [
            ("Ctrl+Shift+K", "Ctrl+Shift+K"),
            ("ctrl+shift+k", "Ctrl+Shift+K"),
            (" Shift + Control + k ", "Ctrl+Shift+K"),
            ("super+space", "Super+Space"),
            ("Meta+F2", "Super+F2"),
            ("alt+shift+f24", "Alt+Shift+F24"),
            ("Ctrl+Alt+7", "Ctrl+Alt+7"),
            ("off", "off"),
            ("OFF", "off"),
            ("", "off"),
        ] {
            assert_eq!(parse_shortcut(typed).expect(typed), stored, "{typed:?}");
            assert_eq!(
                parse_shortcut(stored).expect(stored),
                stored,
                "{stored} reads back"
            );
        }
        for bad in [
            "K",
            "Shift+K",
            "Ctrl+Shift",
            "Ctrl",
            "Ctrl+K+L",
            "Ctrl++K",
            "Ctrl+Shift+",
            "Ctrl+F25",
            "Ctrl+F0",
            "Ctrl+F01",
            "Ctrl+Enter",
            "Hyper+K",
            "Ctrl+é",
        ] {
            let err = parse_shortcut(bad).expect_err(bad);
            assert_eq!(err.field_name(), Some("quick_access_shortcut"), "{bad}");
            let text = err.to_string();
            assert!(text.contains("e.g. Ctrl+Shift+K"), "{bad}: {text}");
        }
        let err = parse_shortcut("Shift+K").expect_err("no modifier");
        assert!(
            err.to_string().starts_with("A shortcut needs a modifier"),
            "{err}"
        );
    }

    #[test]
    fn quick_access_defaults() {
        let s = Settings::default();
        assert!(!s.keep_running, "off by default: closing the window quits");
        assert_eq!(s.quick_access_shortcut, "Ctrl+Shift+K");
        let mut s = s;
        s.set("keep_running", "on").expect("on");
        assert!(s.keep_running);
        s.set("quick_access_shortcut", "alt+space")
            .expect("alt+space");
        assert_eq!(s.get("quick_access_shortcut").expect("get"), "Alt+Space");
        s.quick_access_shortcut = "Shift+K".to_owned();
        assert!(
            s.validate().is_err(),
            "a page with a bad shortcut is refused"
        );
    }

    #[test]
    fn invalid_rows_fall_back_to_defaults() {
        let rows = vec![
            ("clipboard_clear_secs".to_owned(), "9999".to_owned()),
            ("reveal_timeout_secs".to_owned(), "60".to_owned()),
            ("future_setting".to_owned(), "x".to_owned()),
        ];
        let s = Settings::from_rows(&rows);
        assert_eq!(s.clipboard_clear_secs, 30);
        assert_eq!(s.reveal_timeout_secs, 60);
    }

    #[test]
    fn round_trip_through_the_store() {
        let core = Keymint::with_store(
            crate::store::Store::open_in_memory().expect("store"),
            std::sync::Arc::new(crate::vault::MemoryVault::default()),
        );
        assert_eq!(core.settings().expect("defaults"), Settings::default());
        let s = core.set_setting("reminder_days", "7,30").expect("set");
        assert_eq!(s.reminder_days, vec![30, 7]);
        let mut all = core.settings().expect("read");
        assert_eq!(all.reminder_days, vec![30, 7]);
        all.theme = Theme::Light;
        all.clipboard_clear_secs = 1;
        assert!(core.save_settings(&all).is_err(), "1 s is refused");
        all.clipboard_clear_secs = 10;
        let saved = core.save_settings(&all).expect("save");
        assert_eq!(saved, all);
        let reset = core.reset_setting("theme").expect("reset");
        assert_eq!(reset.theme, Theme::System);
        assert_eq!(reset.clipboard_clear_secs, 10);
    }
}
