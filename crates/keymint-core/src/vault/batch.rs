//! Many secrets in a few D-Bus round trips (Secret Service only).
//!
//! Through `keyring-core` every secret costs its own search, item lookup and `GetSecret`
//! (about 1.3 ms each: 1.3 s for a 1,000-key `keymint scan`). Here one `SearchItems` finds
//! every item of the service, the items' attributes are read with the calls in flight
//! together, and one `GetSecrets` returns all wanted secrets.
//!
//! The transfer session is `plain`: the secrets cross the user's own session bus unencrypted,
//! as they do for any client that asks for `plain` (the Secret Service specification's
//! mandatory algorithm). Encrypting them would not narrow who can read them: a process of
//! the same user that can watch the bus can also ask the Secret Service for them.
//!
//! Anything unusual (a locked item, two items for one user, a D-Bus error) is answered
//! `None` for that item or for the whole batch, and the caller reads those the usual way,
//! with the unlock prompt and the error wording of [`super::KeyringVault`].

use std::collections::HashMap;

use futures_util::future::join_all;
use secrecy::SecretString;
use zbus::zvariant::{OwnedObjectPath, OwnedValue, Value};
use zeroize::Zeroizing;

use crate::vault::Item;

const DEST: &str = "org.freedesktop.secrets";
const PATH: &str = "/org/freedesktop/secrets";
const SERVICE: &str = "org.freedesktop.Secret.Service";

/// `(session, parameters, value, content type)`, the Secret Service's `Secret` struct.
type SecretStruct = (OwnedObjectPath, Vec<u8>, Vec<u8>, String);

/// What the batch found for each item: `Some(Some(secret))` read, `Some(None)` no such item,
/// `None` not decided here (read it the usual way).
pub(super) type Found = Vec<Option<Option<SecretString>>>;

/// Reads `items` of keychain service `service` over `conn`. `Err` means the batch as a
/// whole did not work; the caller then reads every item the usual way.
pub(super) fn get_many(
    conn: &zbus::Connection,
    service: &str,
    items: &[Item],
) -> zbus::Result<Found> {
    futures_lite::future::block_on(read(conn, service, items))
}

async fn read(conn: &zbus::Connection, service: &str, items: &[Item]) -> zbus::Result<Found> {
    let search = HashMap::from([("service", service)]);
    let reply = conn
        .call_method(Some(DEST), PATH, Some(SERVICE), "SearchItems", &(search,))
        .await?;
    let (unlocked, locked): (Vec<OwnedObjectPath>, Vec<OwnedObjectPath>) =
        reply.body().deserialize()?;

    // username -> the one unlocked item path holding it (None: more than one, ambiguous).
    let attributes = join_all(unlocked.iter().map(|path| async move {
        let reply = conn
            .call_method(
                Some(DEST),
                path.as_str(),
                Some("org.freedesktop.DBus.Properties"),
                "Get",
                &("org.freedesktop.Secret.Item", "Attributes"),
            )
            .await?;
        let value: OwnedValue = reply.body().deserialize()?;
        let attrs = HashMap::<String, String>::try_from(value)?;
        Ok::<_, zbus::Error>(attrs)
    }))
    .await;
    let mut by_user: HashMap<String, Option<&OwnedObjectPath>> = HashMap::new();
    for (path, attrs) in unlocked.iter().zip(attributes) {
        let attrs = attrs?;
        let Some(user) = attrs.get("username") else {
            continue;
        };
        by_user
            .entry(user.clone())
            .and_modify(|p| *p = None)
            .or_insert(Some(path));
    }
    // Users that also have a locked item are left to the usual path (it unlocks).
    let locked_users = !locked.is_empty();

    let wanted: Vec<&OwnedObjectPath> = items
        .iter()
        .filter_map(|i| by_user.get(&i.user).copied().flatten())
        .collect();
    let mut secrets: HashMap<OwnedObjectPath, Zeroizing<Vec<u8>>> = HashMap::new();
    if !wanted.is_empty() {
        let (_, session): (OwnedValue, OwnedObjectPath) = conn
            .call_method(
                Some(DEST),
                PATH,
                Some(SERVICE),
                "OpenSession",
                &("plain", Value::from("")),
            )
            .await?
            .body()
            .deserialize()?;
        let answer = conn
            .call_method(
                Some(DEST),
                PATH,
                Some(SERVICE),
                "GetSecrets",
                &(&wanted, &session),
            )
            .await;
        // The session is closed whatever GetSecrets answered.
        let _ = conn
            .call_method(
                Some(DEST),
                session.as_str(),
                Some("org.freedesktop.Secret.Session"),
                "Close",
                &(),
            )
            .await;
        let map: HashMap<OwnedObjectPath, SecretStruct> = answer?.body().deserialize()?;
        for (path, (_, _, value, _)) in map {
            secrets.insert(path, Zeroizing::new(value));
        }
    }

    Ok(items
        .iter()
        .map(|i| match by_user.get(&i.user) {
            Some(Some(path)) => secrets
                .get(*path)
                .and_then(|v| std::str::from_utf8(v).ok())
                .map(|s| Some(SecretString::from(s.to_owned()))),
            // Two items for one user: the usual path reports it.
            Some(None) => None,
            // Not among the unlocked items: missing, unless a locked one may hold it.
            None if locked_users => None,
            None => Some(None),
        })
        .collect())
}
