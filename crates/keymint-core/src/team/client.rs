//! The Vault HTTP API (OpenBao and HashiCorp Vault speak the same one) over
//! [`crate::http::exchange`]: the token in `X-Vault-Token` (a sensitive header), the namespace
//! in `X-Vault-Namespace`, the same timeouts, size cap, redirect rule and extra CA as
//! provider requests. Answers are read field by field; the token's own id, which
//! `lookup-self` returns, is never kept.

use std::collections::BTreeMap;
use std::sync::Mutex;

use reqwest::Method;
use secrecy::{ExposeSecret, SecretString};
use serde_json::{json, Value};
use url::Url;

use crate::error::{Error, Result};
use crate::http::{self, Auth, Limits, Trust};
use crate::providers::{server_text, RequestSpec};

/// The longest `X-Vault-Index` kept (it is opaque replication state, a few hundred bytes).
const MAX_INDEX: usize = 4096;

/// Names asked for per page when listing.
pub const LIST_PAGE: usize = 1000;
/// A listing stops past this many names (the 1 MiB answer cap bounds each page anyway).
const MAX_LISTED: usize = 1_000_000;

/// Where a team store is and how to reach it.
pub struct Client<'a> {
    /// Name used in messages.
    name: &'a str,
    base: Url,
    namespace: Option<&'a str>,
    ca_cert_pem: Option<&'a str>,
    token: &'a SecretString,
    limits: Limits,
    /// The storage index of this member's latest write, for read-after-write consistency.
    index: Option<&'a Mutex<Option<String>>>,
}

/// What `sys/health` says.
#[derive(Debug, Clone)]
pub struct Health {
    /// Whether the server is initialized.
    pub initialized: bool,
    /// Whether it is sealed (it serves no secret until unsealed).
    pub sealed: bool,
    /// Whether this node is a standby.
    pub standby: bool,
    /// The server's version, if it said.
    pub version: Option<String>,
}

/// What `auth/token/lookup-self` says about the token (never the token itself).
#[derive(Debug, Clone)]
pub struct TokenInfo {
    /// Seconds left; 0 for a token that never expires.
    pub ttl_secs: i64,
    /// Whether the token can be renewed.
    pub renewable: bool,
    /// Its policies.
    pub policies: Vec<String>,
}

impl<'a> Client<'a> {
    /// A client for the store at `address` (already checked with [`http::check_url`]).
    pub fn new(
        name: &'a str,
        address: &str,
        namespace: Option<&'a str>,
        ca_cert_pem: Option<&'a str>,
        token: &'a SecretString,
        limits: Limits,
    ) -> Result<Self> {
        let base = http::check_url(address, "address", "address")?;
        Ok(Self {
            name,
            base,
            namespace,
            ca_cert_pem,
            token,
            limits: Limits {
                reuse_connections: true,
                ..limits
            },
            index: None,
        })
    }

    /// Keeps read-after-write consistency on a cluster whose standbys answer reads from their
    /// own copy (OpenBao, Vault Enterprise): each write's `X-Vault-Index` is kept in `index`,
    /// and reads send it with `X-Vault-Inconsistent: forward-active-node`, so a standby that
    /// has not caught up with this member's writes hands the read to the leader. Servers
    /// without these headers ignore them.
    pub fn with_index(mut self, index: &'a Mutex<Option<String>>) -> Self {
        self.index = Some(index);
        self
    }

    /// The store's health: reachable, initialized, sealed. Any status is an answer here:
    /// Vault reports a sealed (503) or standby (429) node through the status code.
    pub async fn health(&self) -> Result<Health> {
        let (_, body) = self.call(Method::GET, "sys/health", Value::Null).await?;
        let flag = |k: &str| body.get(k).and_then(Value::as_bool);
        match (flag("initialized"), flag("sealed")) {
            (Some(initialized), Some(sealed)) => Ok(Health {
                initialized,
                sealed,
                standby: flag("standby").unwrap_or(false),
                version: body
                    .get("version")
                    .and_then(Value::as_str)
                    .map(|v| server_text(v, 40)),
            }),
            _ => Err(Error::Network(format!(
                "{} does not answer like an OpenBao or Vault server (no health status at /v1/sys/health); check the store's address",
                self.base.origin().ascii_serialization()
            ))),
        }
    }

    /// Looks the token up: its TTL, whether it is renewable, its policies.
    pub async fn lookup_self(&self) -> Result<TokenInfo> {
        let body = self
            .ok(
                Method::GET,
                "auth/token/lookup-self",
                Value::Null,
                "accept the token",
            )
            .await?;
        let data = body.get("data").unwrap_or(&Value::Null);
        Ok(TokenInfo {
            ttl_secs: data.get("ttl").and_then(Value::as_i64).unwrap_or(0),
            renewable: data
                .get("renewable")
                .and_then(Value::as_bool)
                .unwrap_or(false),
            policies: strings(data.get("policies")),
        })
    }

    /// Renews the token; returns its new TTL in seconds.
    pub async fn renew_self(&self) -> Result<i64> {
        let body = self
            .ok(
                Method::POST,
                "auth/token/renew-self",
                json!({}),
                "renew the token",
            )
            .await?;
        Ok(body
            .pointer("/auth/lease_duration")
            .and_then(Value::as_i64)
            .unwrap_or(0))
    }

    /// The token's capabilities on each of `paths` (`create`, `read`, `update`, `delete`,
    /// `list`, `sudo`, `root` or `deny`).
    pub async fn capabilities(&self, paths: &[String]) -> Result<BTreeMap<String, Vec<String>>> {
        let body = self
            .ok(
                Method::POST,
                "sys/capabilities-self",
                json!({ "paths": paths }),
                "tell what the token may do",
            )
            .await?;
        Ok(paths
            .iter()
            .map(|p| {
                // Vault answers under `data` and, for older servers, at the top level.
                let caps = body
                    .pointer("/data")
                    .and_then(|d| d.get(p))
                    .or_else(|| body.get(p));
                (p.clone(), strings(caps))
            })
            .collect())
    }

    /// Reads the KV version 2 secret at `path` (`<mount>/data/<path>`): its `data` object, or
    /// `None` when there is none (or its latest version is deleted).
    pub async fn kv_read(&self, mount: &str, path: &str) -> Result<Option<Value>> {
        let full = format!("{mount}/data/{path}");
        let (status, body) = self.call(Method::GET, &full, Value::Null).await?;
        if status == 404 {
            return Ok(None);
        }
        let body = self.answer(status, body, &full, "let the token read")?;
        Ok(body
            .pointer("/data/data")
            .filter(|d| d.is_object())
            .cloned())
    }

    /// Writes `data` at `path` (`<mount>/data/<path>`) only if nothing is there yet
    /// (check-and-set 0): an existing secret is never overwritten, and finding one is
    /// [`Error::Conflict`].
    pub async fn kv_create(&self, mount: &str, path: &str, data: Value) -> Result<()> {
        let full = format!("{mount}/data/{path}");
        let body = json!({ "options": { "cas": 0 }, "data": data });
        let (status, answer) = self.call(Method::POST, &full, body).await?;
        if status == 400 && errors_of(&answer).contains("check-and-set") {
            return Err(Error::Conflict(format!(
                "Team store {} already holds a secret at {full}; Keymint never overwrites one",
                self.name
            )));
        }
        self.answer(status, answer, &full, "let the token write")?;
        Ok(())
    }

    /// The names under `path` (`<mount>/metadata/<path>/`), folders ending with `/`, in
    /// pages of [`LIST_PAGE`] (OpenBao's `after`/`limit`; a server without paginated lists
    /// answers everything at once, which ends the walk). Nothing there is an empty list.
    pub async fn kv_list(&self, mount: &str, path: &str) -> Result<Vec<String>> {
        let full = format!("{mount}/metadata/{path}");
        let mut all: Vec<String> = Vec::new();
        let mut after: Option<String> = None;
        loop {
            let mut query = vec![
                ("list", "true".to_owned()),
                ("limit", LIST_PAGE.to_string()),
            ];
            if let Some(a) = &after {
                query.push(("after", a.clone()));
            }
            let (status, body) = self
                .call_with(Method::GET, &full, query, Value::Null)
                .await?;
            if status == 404 {
                return Ok(all);
            }
            let body = self.answer(status, body, &full, "let the token list")?;
            let page: Vec<String> = body
                .pointer("/data/keys")
                .and_then(Value::as_array)
                .map(|a| {
                    a.iter()
                        .filter_map(Value::as_str)
                        .map(str::to_owned)
                        .collect()
                })
                .unwrap_or_default();
            let full_page = page.len() == LIST_PAGE;
            // A server that ignores `after` would answer the same page again: stop there.
            let repeated = after.is_some() && page.first().is_some_and(|f| all.contains(f));
            after = page.last().cloned();
            if repeated {
                break;
            }
            all.extend(page);
            if !full_page || all.len() > MAX_LISTED {
                break;
            }
        }
        Ok(all)
    }

    /// Deletes the secret at `path` with all its versions (`<mount>/metadata/<path>`).
    pub async fn kv_destroy(&self, mount: &str, path: &str) -> Result<()> {
        let full = format!("{mount}/metadata/{path}");
        let (status, body) = self.call(Method::DELETE, &full, Value::Null).await?;
        if status == 404 {
            return Ok(());
        }
        self.answer(status, body, &full, "let the token delete")?;
        Ok(())
    }

    /// A call that must succeed (2xx): a refusal is [`Error::StoreDenied`] naming `what`.
    async fn ok(&self, method: Method, path: &str, body: Value, what: &str) -> Result<Value> {
        let (status, body) = self.call(method, path, body).await?;
        self.answer(status, body, path, what)
    }

    /// The body of a 2xx answer; any other status as an error naming `what` and `path`.
    fn answer(&self, status: u16, body: Value, path: &str, what: &str) -> Result<Value> {
        if (200..300).contains(&status) {
            return Ok(body);
        }
        let said = errors_of(&body);
        let said = if said.is_empty() {
            String::new()
        } else {
            format!(": {said}")
        };
        Err(match status {
            401 | 403 => Error::StoreDenied(format!(
                "Team store {} did not {what} (HTTP {status}{said}); check the token: it may be wrong, expired or revoked, or its policy may not allow /v1/{path}",
                self.name
            )),
            503 => Error::Network(format!(
                "Team store {} is sealed or unavailable (HTTP 503{said}); ask its operator to unseal it",
                self.name
            )),
            _ => Error::Network(format!(
                "Team store {} answered HTTP {status} to /v1/{path}{said}",
                self.name
            )),
        })
    }

    /// One request; the body of the answer as JSON (`null` when empty or not JSON).
    async fn call(&self, method: Method, path: &str, body: Value) -> Result<(u16, Value)> {
        self.call_with(method, path, vec![], body).await
    }

    /// One request with query parameters.
    async fn call_with(
        &self,
        method: Method,
        path: &str,
        query: Vec<(&'static str, String)>,
        body: Value,
    ) -> Result<(u16, Value)> {
        let mut headers: Vec<(&'static str, String)> = self
            .namespace
            .map(|ns| vec![("x-vault-namespace", ns.to_owned())])
            .unwrap_or_default();
        let read = method == Method::GET;
        if let (true, Some(index)) = (read, self.index) {
            if let Some(known) = index.lock().ok().and_then(|i| i.clone()) {
                headers.push(("x-vault-index", known));
                headers.push(("x-vault-inconsistent", "forward-active-node".to_owned()));
            }
        }
        let spec = RequestSpec {
            path: format!("/v1/{path}"),
            query,
            headers,
            body,
        };
        let auth = Auth::Header("x-vault-token", self.token.clone());
        let trust = Trust {
            extra_ca_pem: self.ca_cert_pem,
        };
        let (status, bytes, answer) =
            http::exchange(method, &self.base, &spec, &auth, &trust, self.limits)
                .await
                .map_err(|e| {
                    in_store_words(self.name, Error::from(e)).redact(&[self.token.expose_secret()])
                })?;
        if let (false, Some(index), Some(new)) = (
            read,
            self.index,
            answer
                .get("x-vault-index")
                .and_then(|v| v.to_str().ok())
                .filter(|v| v.len() <= MAX_INDEX),
        ) {
            if let Ok(mut kept) = index.lock() {
                *kept = Some(new.to_owned());
            }
        }
        Ok((
            status,
            serde_json::from_slice(&bytes).unwrap_or(Value::Null),
        ))
    }
}

/// A transport error in a team store's words: its advice names the store's address and CA,
/// not an account's base URL.
fn in_store_words(store: &str, e: Error) -> Error {
    match e {
        Error::Network(m) => {
            let m = m
                .replace("the account's base URL", "the store's address")
                .replace("the base URL", "the store's address")
                .replace("the account's CA certificate", "the store's CA certificate")
                .replace("send credentials", "send the token");
            // A standby that cannot hand a request to the active node redirects to it.
            let standby = if m.contains("redirected (HTTP 307)") {
                " (a standby node sends clients to the active node when it cannot forward: try again once the cluster has a leader, or give the store the cluster's load-balanced address)"
            } else {
                ""
            };
            Error::Network(format!("Team store {store}: {m}{standby}"))
        }
        other => other,
    }
}

/// The strings of a JSON array (anything else: none).
fn strings(v: Option<&Value>) -> Vec<String> {
    v.and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(Value::as_str)
                .map(|s| server_text(s, 64))
                .collect()
        })
        .unwrap_or_default()
}

/// Vault's `{"errors": [...]}`, cleaned and joined.
fn errors_of(body: &Value) -> String {
    let all = strings(body.get("errors")).join("; ");
    server_text(&all, 200)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn transport_errors_name_the_store_not_an_account() {
        let e = in_store_words("team", Error::Network(
            "nothing is listening at 127.0.0.1:9 (the connection was refused); check the base URL, or start the server".into(),
        ));
        assert!(e.to_string().contains("check the store's address"), "{e}");
        assert!(e.to_string().starts_with("Team store team: "), "{e}");
        assert!(!e.to_string().contains("base URL"), "{e}");
    }

    #[test]
    fn errors_are_read_from_the_vault_shape() {
        let body = json!({"errors": ["permission denied", "\u{1b}[31mred"]});
        let text = errors_of(&body);
        assert!(text.starts_with("permission denied; "), "{text}");
        assert!(!text.contains('\u{1b}'), "{text}");
        assert_eq!(errors_of(&json!({"data": {}})), "");
    }
}
