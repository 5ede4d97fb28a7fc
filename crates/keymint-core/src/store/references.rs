//! Resolving a reference (`keymint://ACCOUNT/LABEL`) to a key row.

use crate::error::{Error, Result};
use crate::model::{KeyRecord, KeyStatus};
use crate::reference::Reference;

use super::keys::{from_row, SELECT};
use super::Store;

impl Store {
    /// The newest key labelled `r.label` in account `r.account` whose secret is stored and that
    /// no rotation has replaced. When
    /// keys with that label exist but none is stored, the error says what became of the newest.
    pub fn resolve_reference(&self, r: &Reference) -> Result<KeyRecord> {
        let mut stmt = self.conn.prepare_cached(&format!(
            "{SELECT} WHERE a.name = ?1 AND k.label = ?2 ORDER BY k.created_at DESC, k.rowid DESC LIMIT 50"
        ))?;
        let keys = stmt
            .query_map([&r.account, &r.label], from_row)?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        if let Some(k) = keys
            .iter()
            .find(|k| k.status == KeyStatus::Stored && k.superseded_by.is_none())
        {
            return Ok(k.clone());
        }
        match keys.first() {
            Some(newest) => Err(Error::SecretMissing(format!(
                "{r} names a key whose secret is not in the keychain (its status is {}); create or import a new one with that label",
                newest.status.as_str().replace('_', " ")
            ))),
            None if self.account_named(&r.account)? => Err(Error::NotFound(format!(
                "{r}: account `{}` has no key labelled `{}`",
                crate::values::shorten(&r.account),
                crate::values::shorten(&r.label)
            ))),
            None => Err(Error::NotFound(format!(
                "{r}: there is no account named `{}`",
                crate::values::shorten(&r.account)
            ))),
        }
    }

    fn account_named(&self, name: &str) -> Result<bool> {
        Ok(self
            .conn
            .prepare_cached("SELECT 1 FROM accounts WHERE name = ?1")?
            .exists([name])?)
    }
}
