//! An iCalendar (RFC 5545) export of key expiries: one event per key that expires, with an
//! alarm at each reminder threshold of the settings (14 days before by default). Metadata
//! only, never a secret nor any part of one: the calendar is meant to leave the machine (a
//! cloud calendar), so not even the hint is in it.

use std::io::Write;
use std::path::Path;

use chrono::{DateTime, Utc};

use crate::error::{Error, Result};
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

/// Writes a calendar to `path` without following symlinks: into a new `0600` file beside it
/// (created exclusively, `O_NOFOLLOW`), then renamed over `path`. A symlink already at `path`
/// is replaced, never written through; a half-written file never has `path`'s name.
pub fn write_calendar_file(path: &Path, ics: &str) -> Result<()> {
    let failed = |e: std::io::Error| Error::Io(format!("cannot write {}: {e}", path.display()));
    let dir = path
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "calendar.ics".to_owned());
    let temp = dir.join(format!(".{name}.{}.tmp", crate::store::new_id()));
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        opts.mode(0o600).custom_flags(crate::paths::nofollow());
    }
    let mut file = opts.open(&temp).map_err(failed)?;
    let written = file
        .write_all(ics.as_bytes())
        .and_then(|()| file.sync_all())
        .and_then(|()| std::fs::rename(&temp, path));
    if let Err(e) = written {
        let _ = std::fs::remove_file(&temp);
        return Err(failed(e));
    }
    Ok(())
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

    #[cfg(unix)]
    #[test]
    fn the_file_replaces_a_symlink_instead_of_writing_through_it() {
        use std::os::unix::fs::PermissionsExt;
        let dir = std::env::temp_dir().join(format!("keymint-ics-{}", crate::store::new_id()));
        std::fs::create_dir_all(&dir).expect("dir");
        let victim = dir.join("victim");
        std::fs::write(&victim, "untouched").expect("victim");
        let path = dir.join("keymint-expiries.ics");
        std::os::unix::fs::symlink(&victim, &path).expect("symlink");
        write_calendar_file(&path, "BEGIN:VCALENDAR\r\n").expect("written");
        assert_eq!(
            std::fs::read_to_string(&victim).expect("victim"),
            "untouched"
        );
        let meta = std::fs::symlink_metadata(&path).expect("file");
        assert!(meta.file_type().is_file());
        assert_eq!(meta.permissions().mode() & 0o777, 0o600);
        assert_eq!(
            std::fs::read_dir(&dir).expect("list").count(),
            2,
            "no temp file left"
        );
        let _ = std::fs::remove_dir_all(dir);
    }
}
