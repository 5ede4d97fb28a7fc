//! Rotation (SPEC §6): a successor with the same account, label and form values; the old key
//! is marked superseded (still listed and readable) and references follow the new one. The
//! successor is created exactly as any key is, so the never-lose promise holds for it too.

use crate::error::{Error, Result};
use crate::model::KeyRecord;
use crate::service::{CreateInput, Created, Keymint};
use crate::values::Value;

/// A rotation's outcome.
#[derive(Debug)]
pub struct Rotated {
    /// The key that was replaced (now superseded, unless recording that failed).
    pub old: KeyRecord,
    /// The successor, as a create returns it.
    pub created: Created,
}

/// Added to every rotation's result: Keymint cannot revoke a key at the provider.
pub const REVOKE_REMINDER: &str =
    "the old key still works at the provider until you revoke it in the provider's console";

impl Keymint {
    /// Creates the successor of `reference` and marks the old key superseded. `expires` (RFC
    /// 3339 or a duration) overrides the old key's lifetime. Errors before the provider answered
    /// leave the old key untouched.
    pub async fn rotate_key(&self, reference: &str, expires: Option<String>) -> Result<Rotated> {
        let old = self.resolve_key(reference)?;
        if let Some(next) = &old.superseded_by {
            return Err(Error::Conflict(format!(
                "key `{}` was already rotated; its successor is {next}: rotate that one",
                old.label
            )));
        }
        let form = self.store().key_form(&old.id)?.ok_or_else(|| {
            Error::invalid(format!(
                "key `{}` was {} without a form Keymint remembers, so it cannot be rotated: create its successor with the same label instead",
                old.label,
                if old.origin == "imported" { "imported" } else { "created by an earlier version" }
            ))
        })?;
        let expires = expires
            .filter(|e| !e.trim().is_empty())
            .or_else(|| form.lifetime_secs.map(|s| format!("{}s", s.max(1))));
        let fields = form
            .fields
            .into_iter()
            .filter_map(|(name, v)| {
                let value = serde_json::from_value::<Value>(v).ok()?;
                Some((name, value))
            })
            .collect();
        let mut created = self
            .create_key(CreateInput {
                account: old.account.clone(),
                label: old.label.clone(),
                expires,
                fields,
            })
            .await?;
        // From here the successor exists: problems are warnings, never errors.
        match &created.key {
            Some(new) => {
                if let Err(e) = self.store().supersede(&old.id, &new.id, &old.account_id) {
                    created.warnings.push(format!(
                        "the old key could not be marked superseded ({}); both are listed",
                        e.code().as_str()
                    ));
                }
            }
            None => created.warnings.push(
                "the new key could not be recorded, so the old one is not marked superseded"
                    .to_owned(),
            ),
        }
        created.warnings.push(REVOKE_REMINDER.to_owned());
        let old = self.store().key_by_id(&old.id)?.unwrap_or(old);
        Ok(Rotated { old, created })
    }
}
