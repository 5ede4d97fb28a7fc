//! An iCalendar (RFC 5545) export of key expiries: one event per key that expires, with an
//! alarm at each reminder threshold of the settings (14 days before by default). Metadata
//! only, never a secret.

use chrono::{DateTime, Utc};

use crate::error::Result;
use crate::model::KeyRecord;
use crate::service::Keymint;
use crate::store::{KeyQuery, KeySort};

impl Keymint {
    /// The calendar of every key that expires, soonest first, with alarms at the reminder
    /// days of the settings.
    pub fn expiries_calendar(&self, now: DateTime<Utc>) -> Result<String> {
        let alarms = self.settings()?.reminder_days;
        let (_, keys) = self.list_keys(&KeyQuery {
            sort: KeySort::Expiry,
            ..KeyQuery::default()
        })?;
        Ok(expiries_ics(&keys, &alarms, now))
    }
}

/// The calendar of `keys`' expiries (keys without one are skipped), with an alarm `alarms`
/// days before each.
pub fn expiries_ics(keys: &[KeyRecord], alarms: &[u32], now: DateTime<Utc>) -> String {
    let mut out = String::new();
    let mut line = |s: String| fold(&mut out, &s);
    line("BEGIN:VCALENDAR".into());
    line("VERSION:2.0".into());
    line("PRODID:-//Keymint//Key expiries//EN".into());
    line("CALSCALE:GREGORIAN".into());
    line("X-WR-CALNAME:Keymint key expiries".into());
    for k in keys {
        let Some(at) = k.expires_at else { continue };
        let summary = format!(
            "API key expires: {} ({} / {})",
            k.label, k.provider, k.account
        );
        let mut description = format!(
            "Keymint key {} of account {} at {}.",
            k.id, k.account, k.provider
        );
        if let Some(r) = &k.remote_id {
            description.push_str(&format!(" Provider id: {r}."));
        }
        if let Some(h) = &k.hint {
            description.push_str(&format!(" Hint: {h}."));
        }
        description.push_str(" Create a replacement before it expires.");
        line("BEGIN:VEVENT".into());
        line(format!("UID:{}@keymint", k.id));
        line(format!("DTSTAMP:{}", stamp(now)));
        line(format!("DTSTART:{}", stamp(at)));
        line("DURATION:PT30M".into());
        line(format!("SUMMARY:{}", escape(&summary)));
        line(format!("DESCRIPTION:{}", escape(&description)));
        for days in alarms {
            line("BEGIN:VALARM".into());
            line("ACTION:DISPLAY".into());
            line(format!("TRIGGER:-P{days}D"));
            line(format!("DESCRIPTION:{}", escape(&summary)));
            line("END:VALARM".into());
        }
        line("END:VEVENT".into());
    }
    line("END:VCALENDAR".into());
    out
}

fn stamp(t: DateTime<Utc>) -> String {
    t.format("%Y%m%dT%H%M%SZ").to_string()
}

/// Escapes TEXT values (RFC 5545 §3.3.11).
fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            ';' => out.push_str("\\;"),
            ',' => out.push_str("\\,"),
            '\n' => out.push_str("\\n"),
            c if c.is_control() => {}
            c => out.push(c),
        }
    }
    out
}

/// Appends a content line folded at 75 octets, without splitting a character (§3.1).
fn fold(out: &mut String, line: &str) {
    let mut width = 0;
    for c in line.chars() {
        if width + c.len_utf8() > 75 {
            out.push_str("\r\n ");
            width = 1;
        }
        out.push(c);
        width += c.len_utf8();
    }
    out.push_str("\r\n");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folds_and_escapes() {
        let mut out = String::new();
        fold(&mut out, &"é".repeat(60));
        assert!(out.split("\r\n").all(|l| l.len() <= 75));
        assert_eq!(escape("a,b;c\\d\ne"), "a\\,b\\;c\\\\d\\ne");
    }
}
