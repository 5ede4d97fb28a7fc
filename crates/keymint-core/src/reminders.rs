//! Expiry reminders: which keys crossed a reminder threshold (the last N days before expiry,
//! or expiry itself) and have not been reminded of it yet, and the notifications that say so.
//!
//! Each (key, threshold, expiry) is raised once: the front end shows the notices, then calls
//! [`Keymint::mark_reminded`]. A key seen for the first time already inside its last 3 days
//! gets the 3-day reminder only — the 14-day one is marked as covered, never raised late.

use chrono::{DateTime, Duration, Utc};

use crate::error::Result;
use crate::service::Keymint;
use crate::store::ExpiringKey;

/// Threshold that means "has expired".
pub const EXPIRED: u32 = 0;

/// More reminders than this at once become one summary notification.
pub const MAX_SEPARATE: usize = 3;

/// One reminder due for one key.
#[derive(Clone, Debug)]
pub struct Reminder {
    /// The key.
    pub key: ExpiringKey,
    /// The tightest threshold crossed: days before expiry, or [`EXPIRED`].
    pub threshold: u32,
    /// Every threshold this reminder covers (marked as raised with it).
    covers: Vec<u32>,
}

/// A desktop notification to show.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Notice {
    /// Title line.
    pub title: String,
    /// Body text.
    pub body: String,
}

/// The reminders due at `now` for `keys` with the thresholds `days` (any order), leaving out
/// those `sent` says were raised.
pub fn due(
    keys: Vec<ExpiringKey>,
    days: &[u32],
    now: DateTime<Utc>,
    mut sent: impl FnMut(&ExpiringKey, u32) -> Result<bool>,
) -> Result<Vec<Reminder>> {
    let mut out = Vec::new();
    for key in keys {
        let mut covers: Vec<u32> = days
            .iter()
            .copied()
            // Checked: a threshold before the earliest representable time has been crossed.
            .filter(|d| {
                key.expires_at
                    .checked_sub_signed(Duration::days(i64::from(*d)))
                    .is_none_or(|at| at <= now)
            })
            .collect();
        if key.expires_at <= now {
            covers.push(EXPIRED);
        }
        let Some(&threshold) = covers.iter().min() else {
            continue;
        };
        if sent(&key, threshold)? {
            continue;
        }
        out.push(Reminder {
            key,
            threshold,
            covers,
        });
    }
    Ok(out)
}

/// The notifications for `due`: one each, or one summary when there are many.
pub fn notices(due: &[Reminder], now: DateTime<Utc>) -> Vec<Notice> {
    if due.len() <= MAX_SEPARATE {
        return due.iter().map(|r| notice(r, now)).collect();
    }
    let expired = due.iter().filter(|r| r.threshold == EXPIRED).count();
    let soon = due.len() - expired;
    let mut parts = Vec::new();
    if expired > 0 {
        parts.push(format!("{expired} expired"));
    }
    if soon > 0 {
        parts.push(format!("{soon} expiring soon"));
    }
    let names: Vec<&str> = due.iter().take(5).map(|r| r.key.label.as_str()).collect();
    let more = if due.len() > names.len() { ", …" } else { "" };
    vec![Notice {
        title: format!("{} API keys need attention", due.len()),
        body: format!(
            "{}: {}{more}. Open Keymint to replace them.",
            parts.join(", "),
            names.join(", ")
        ),
    }]
}

fn notice(r: &Reminder, now: DateTime<Utc>) -> Notice {
    let k = &r.key;
    let provider = crate::providers::get(&k.provider)
        .map(|p| p.descriptor().name)
        .unwrap_or(k.provider.as_str());
    let date = k.expires_at.format("%Y-%m-%d %H:%M UTC");
    if r.threshold == EXPIRED {
        return Notice {
            title: format!("API key expired: {}", k.label),
            body: format!(
                "{} ({provider}, account {}) expired on {date}. Create a replacement in Keymint.",
                k.label, k.account
            ),
        };
    }
    let left = k.expires_at - now;
    // Whole days rounded up, as the app's expiry badges count them.
    let when = match left.num_hours() {
        0 => "within the hour".to_owned(),
        1 => "in 1 hour".to_owned(),
        h if h < 24 => format!("in {h} hours"),
        _ => match (left.num_seconds() + 86_399) / 86_400 {
            1 => "tomorrow".to_owned(),
            d => format!("in {d} days"),
        },
    };
    Notice {
        title: format!("API key expires {when}: {}", k.label),
        body: format!(
            "{} ({provider}, account {}) expires on {date}. Create a replacement before then.",
            k.label, k.account
        ),
    }
}

impl Keymint {
    /// Reminders due now under the current settings (none when reminders are off).
    pub fn due_reminders(&self, now: DateTime<Utc>) -> Result<Vec<Reminder>> {
        let settings = self.settings()?;
        if !settings.reminders {
            return Ok(Vec::new());
        }
        let widest = settings.reminder_days.iter().copied().max().unwrap_or(0);
        let store = self.store();
        // Checked: settings are validated (at most 365 days), but a `now` near the end of
        // time must not panic either.
        let before = now
            .checked_add_signed(Duration::days(i64::from(widest)))
            .map_or_else(crate::expiry::latest, |t| t.min(crate::expiry::latest()));
        let keys = store.keys_expiring_before(before)?;
        due(keys, &settings.reminder_days, now, |k, t| {
            store.reminder_sent(&k.id, t, k.expires_at)
        })
    }

    /// Records `reminders` (and every threshold each covers) as raised.
    pub fn mark_reminded(&self, reminders: &[Reminder]) -> Result<()> {
        let rows: Vec<_> = reminders
            .iter()
            .flat_map(|r| {
                r.covers
                    .iter()
                    .map(|t| (r.key.id.clone(), *t, r.key.expires_at))
            })
            .collect();
        self.store().mark_reminders_sent(&rows)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(id: &str, expires_in_hours: i64, now: DateTime<Utc>) -> ExpiringKey {
        ExpiringKey {
            id: id.into(),
            label: format!("label-{id}"),
            account: "acme".into(),
            provider: "fireworks".into(),
            expires_at: now + Duration::hours(expires_in_hours),
        }
    }

    #[test]
    fn tightest_threshold_once() {
        let now = Utc::now();
        let keys = vec![
            key("far", 24 * 20, now),
            key("ten", 24 * 10, now),
            key("two", 24 * 2 + 1, now),
            key("gone", -5, now),
        ];
        let due = due(keys, &[14, 3], now, |_, _| Ok(false)).expect("due");
        let got: Vec<_> = due
            .iter()
            .map(|r| (r.key.id.as_str(), r.threshold, r.covers.len()))
            .collect();
        assert_eq!(got, vec![("ten", 14, 1), ("two", 3, 2), ("gone", 0, 3)]);
        let n = notices(&due, now);
        assert_eq!(n.len(), 3);
        assert!(n[0].title.contains("in 10 days"), "{:?}", n[0]);
        assert!(n[1].title.contains("in 3 days"), "{:?}", n[1]);
        assert!(n[2].title.starts_with("API key expired"), "{:?}", n[2]);
        assert!(n[2].body.contains("Fireworks AI") || n[2].body.contains("Fireworks"));
    }

    #[test]
    fn many_become_one_summary() {
        let now = Utc::now();
        let keys = (0..7)
            .map(|i| key(&i.to_string(), i * 24 - 30, now))
            .collect();
        let due = due(keys, &[14], now, |_, _| Ok(false)).expect("due");
        let n = notices(&due, now);
        assert_eq!(n.len(), 1);
        assert_eq!(n[0].title, "7 API keys need attention");
        assert!(
            n[0].body.starts_with("2 expired, 5 expiring soon"),
            "{:?}",
            n[0]
        );
    }

    #[test]
    fn raised_once_through_the_store() {
        use crate::service::{AccountInput, Credential, ImportInput};
        let core = Keymint::with_store(
            crate::store::Store::open_in_memory().expect("store"),
            std::sync::Arc::new(crate::vault::MemoryVault::default()),
        );
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("runtime");
        let now = Utc::now();
        rt.block_on(async {
            let account: AccountInput = serde_json::from_value(serde_json::json!({
                "name": "acme", "provider": "fireworks",
                "fields": {"account_id": "a", "user_id": "u"}
            }))
            .expect("account input");
            core.add_account(account, Credential::Secret("fw_credential".into()))
                .await
                .expect("account");
            for (label, days) in [("soon", 5), ("later", 40)] {
                let input: ImportInput = serde_json::from_value(serde_json::json!({
                    "account": "acme", "label": label,
                    "expires": crate::expiry::rfc3339(now + Duration::days(days)),
                }))
                .expect("import input");
                core.import_key(input, "sk-imported-secret".into())
                    .await
                    .expect("import");
            }
        });
        let first = core.due_reminders(now).expect("due");
        assert_eq!(first.len(), 1);
        assert_eq!(first[0].key.label, "soon");
        core.mark_reminded(&first).expect("mark");
        assert!(core.due_reminders(now).expect("again").is_empty());
        // Expiry day: the "expired" reminder is new.
        let later = now + Duration::days(6);
        let expired = core.due_reminders(later).expect("expired");
        assert_eq!(expired.len(), 1);
        assert_eq!(expired[0].threshold, EXPIRED);
        core.set_setting("reminders", "off").expect("off");
        assert!(core.due_reminders(later).expect("off").is_empty());
    }
}
