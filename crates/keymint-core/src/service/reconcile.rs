//! Bringing the inventory and the keychain back in step after a crash or an outside change:
//! a create that died after asking the provider leaves a `pending` row; a keychain item can
//! vanish under a `stored` row.

use std::collections::HashSet;
use std::time::Duration;

use chrono::Utc;
use serde::Serialize;

use crate::error::{Error, Result};
use crate::hint::display_hint;
use crate::model::KeyStatus;
use crate::service::Keymint;
use crate::vault::Item;

/// How long a create may be in flight before its pending row is considered abandoned:
/// well past the longest request timeout.
pub const DEFAULT_STALE_AFTER: Duration = Duration::from_secs(300);

/// What [`Keymint::reconcile`] changed.
#[derive(Debug, Default, Serialize)]
pub struct Reconciled {
    /// Pending rows whose secret was in the keychain: now stored.
    pub recovered: usize,
    /// Pending rows without a secret: the process died between the provider's answer and
    /// the keychain write (or before the answer); now marked interrupted.
    pub interrupted: usize,
    /// Stored rows whose keychain item is gone: now marked missing.
    pub missing: usize,
    /// Keychain items under this service that no row refers to.
    pub orphans: Vec<String>,
}

/// The pending-row age limit of the process's configuration (`KEYMINT_STALE_PENDING_SECS`,
/// see [`crate::config::Config::stale_pending`]); a [`Keymint`] has its own in
/// [`Keymint::config`].
pub fn stale_after_from_env() -> Duration {
    crate::config::Config::from_env().stale_pending
}

impl Keymint {
    /// Resolves abandoned pending rows; with `full`, also compares every stored row with the
    /// keychain's items. Leaves everything as it is when the keychain is unavailable.
    pub fn reconcile(&self, stale_after: Duration, full: bool) -> Result<Reconciled> {
        let mut out = Reconciled::default();
        // A limit too long for time arithmetic makes nothing stale (not everything).
        let cutoff = chrono::Duration::from_std(stale_after)
            .ok()
            .and_then(|d| Utc::now().checked_sub_signed(d))
            .unwrap_or(chrono::DateTime::<Utc>::MIN_UTC);
        let stale = self.store().stale_pending(cutoff)?;
        for key in stale {
            let item = Item::key(&key.id, &key.provider, &key.account, &key.label);
            match self.vault.get(&item) {
                Ok(secret) => {
                    let store = self.store();
                    store.set_key_hint(&key.id, display_hint(&secret, None).as_deref())?;
                    store.set_key_status(&key.id, KeyStatus::Stored)?;
                    store.add_event(
                        "recovered",
                        Some(&key.id),
                        Some(&key.account_id),
                        Some("secret found in the keychain after an interrupted create"),
                    )?;
                    out.recovered += 1;
                }
                Err(Error::SecretMissing(_)) => {
                    let store = self.store();
                    store.set_key_status(&key.id, KeyStatus::Interrupted)?;
                    store.add_event("interrupted", Some(&key.id), Some(&key.account_id), Some("create interrupted; the provider may hold a key with this label — revoke it there if unknown"))?;
                    out.interrupted += 1;
                }
                Err(e) => return Err(e),
            }
        }
        if full {
            // Rows first, then items: a create writes its item before it marks the row
            // stored, so every row stored at this read has its item in the listing below —
            // unless the item is really gone. (Items first would race a create running in
            // another process: its row, stored after the listing, would look missing.)
            let stored = self.store().stored_key_ids()?;
            let users: HashSet<String> = self.vault.list_users()?.into_iter().collect();
            let ids: HashSet<String> = {
                let store = self.store();
                for id in &stored {
                    if !users.contains(&format!("key:{id}")) {
                        store.set_key_status(id, KeyStatus::Missing)?;
                        store.add_event(
                            "missing",
                            Some(id),
                            None,
                            Some("keychain item not found"),
                        )?;
                        out.missing += 1;
                    }
                }
                stored.into_iter().collect()
            };
            let (_, all) = self.store().list_keys(&Default::default())?;
            let known: HashSet<String> = all.into_iter().map(|k| k.id).chain(ids).collect();
            out.orphans = users
                .into_iter()
                .filter(|u| u.strip_prefix("key:").is_some_and(|id| !known.contains(id)))
                .collect();
        }
        Ok(out)
    }
}
