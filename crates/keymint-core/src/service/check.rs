//! `check` (SPEC §6): every reference resolves, its secret is in the keychain, and it does not
//! expire within a window. Read-only: nothing is marked, no secret leaves the core.

use chrono::{DateTime, Duration, Utc};
use serde::Serialize;

use crate::error::{Error, Result};
use crate::model::KeyRecord;
use crate::reference::Reference;
use crate::service::keys::item_of;
use crate::service::Keymint;
use crate::store::KeyQuery;

/// What is wrong with one reference.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ProblemKind {
    /// No stored key answers to it.
    Unresolved,
    /// The key's keychain item is gone.
    NotInKeychain,
    /// It expires within the window.
    Expiring,
    /// It has expired.
    Expired,
}

/// One line of `check`'s report.
#[derive(Debug, Clone, Serialize)]
pub struct Problem {
    /// The reference checked.
    pub reference: String,
    /// Where it was found (`FILE: VAR`), when it came from a file.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
    /// What is wrong.
    pub kind: ProblemKind,
    /// The same in words, with what to do.
    pub message: String,
}

impl Keymint {
    /// Checks `references` (each with where it was found), or, when `None`, the reference of
    /// every key label in the inventory.
    pub async fn check(
        &self,
        references: Option<Vec<(Reference, Option<String>)>>,
        within: Duration,
    ) -> Result<Vec<Problem>> {
        let references = match references {
            Some(r) => r,
            None => self.every_reference()?,
        };
        let now = Utc::now();
        let mut problems = Vec::new();
        let mut resolved: Vec<(KeyRecord, String, Option<String>)> = Vec::new();
        for (r, source) in references {
            let text = r.to_string();
            match self.store().resolve_reference(&r) {
                Ok(key) => resolved.push((key, text, source)),
                Err(e @ (Error::NotFound(_) | Error::SecretMissing(_))) => problems.push(Problem {
                    reference: text,
                    source,
                    kind: ProblemKind::Unresolved,
                    message: e.to_string(),
                }),
                Err(e) => return Err(e),
            }
        }
        let items: Vec<_> = resolved.iter().map(|(k, _, _)| item_of(k)).collect();
        let found = self.blocking(move |k| Ok(k.vault.get_many(&items))).await?;
        for ((key, reference, source), secret) in resolved.into_iter().zip(found) {
            match secret {
                Ok(_) => {}
                Err(Error::SecretMissing(_)) => problems.push(Problem {
                    reference: reference.clone(),
                    source: source.clone(),
                    kind: ProblemKind::NotInKeychain,
                    message: format!(
                        "{reference}: the keychain no longer holds this key's secret; import it again or create a new key"
                    ),
                }),
                Err(e) => return Err(e),
            }
            if let Some(p) = expiry_problem(&key, &reference, source, now, within) {
                problems.push(p);
            }
        }
        Ok(problems)
    }

    /// One reference per account and label in the inventory.
    fn every_reference(&self) -> Result<Vec<(Reference, Option<String>)>> {
        let (_, keys) = self.store().list_keys(&KeyQuery::default())?;
        let mut seen = std::collections::BTreeSet::new();
        Ok(keys
            .into_iter()
            .filter(|k| seen.insert((k.account.clone(), k.label.clone())))
            .map(|k| (Reference::new(&k.account, &k.label), None))
            .collect())
    }
}

fn expiry_problem(
    key: &KeyRecord,
    reference: &str,
    source: Option<String>,
    now: DateTime<Utc>,
    within: Duration,
) -> Option<Problem> {
    let expires = key.expires_at?;
    let at = crate::expiry::rfc3339(expires);
    if expires <= now {
        return Some(Problem {
            reference: reference.to_owned(),
            source,
            kind: ProblemKind::Expired,
            message: format!("{reference}: expired at {at}; rotate it or create a new key"),
        });
    }
    let left = expires - now;
    (left <= within).then(|| Problem {
        reference: reference.to_owned(),
        source,
        kind: ProblemKind::Expiring,
        message: format!(
            "{reference}: expires at {at}, in {}; rotate it or create a new key",
            human_span(left)
        ),
    })
}

/// `3 days`, `5 hours`, `12 minutes`.
fn human_span(d: Duration) -> String {
    let (n, unit) = if d.num_days() >= 1 {
        (d.num_days(), "day")
    } else if d.num_hours() >= 1 {
        (d.num_hours(), "hour")
    } else {
        (d.num_minutes().max(1), "minute")
    };
    format!("{n} {unit}{}", if n == 1 { "" } else { "s" })
}
