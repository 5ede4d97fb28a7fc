//! The one way Keymint talks to providers: rustls with the platform's trust store (plus an
//! account's extra CA), optional client certificate, connect and total timeouts, a response
//! size cap, and no redirect to another origin.

use std::hash::{BuildHasher, RandomState};
use std::sync::{Mutex, OnceLock};
use std::time::Duration;

use reqwest::header::{HeaderMap, HeaderName, HeaderValue, AUTHORIZATION, CONTENT_TYPE};
use secrecy::{ExposeSecret, SecretString};
use url::Url;
use zeroize::Zeroizing;

use crate::error::{Error, Result};
use crate::providers::RequestSpec;

/// Largest response body read: 1 MiB.
pub const MAX_BODY: usize = 1024 * 1024;

/// Limits for one request.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Time to establish the connection (TCP + TLS).
    pub connect: Duration,
    /// Time for the whole exchange, body included.
    pub total: Duration,
    /// Largest body accepted.
    pub max_body: usize,
    /// Keep idle connections for later requests. Off for provider requests (a create goes on
    /// a connection of its own, so a failure says whether the request could have been
    /// processed); on for a team store, whose sync reads thousands of entries.
    pub reuse_connections: bool,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            connect: Duration::from_secs(10),
            total: Duration::from_secs(30),
            max_body: MAX_BODY,
            reuse_connections: false,
        }
    }
}

impl Limits {
    /// Defaults, with the total timeout from `config` (`KEYMINT_TIMEOUT_SECS`); connecting
    /// never gets longer than the whole exchange.
    pub fn from_config(config: &crate::config::Config) -> Self {
        let defaults = Self::default();
        Self {
            total: config.request_timeout,
            connect: defaults.connect.min(config.request_timeout),
            ..defaults
        }
    }
}

/// How the credential travels.
pub enum Auth {
    /// In the named header.
    Header(&'static str, SecretString),
    /// As `Authorization: Bearer …`.
    Bearer(SecretString),
    /// As a TLS client certificate: PEM certificate chain and PEM private key.
    ClientCertificate {
        /// Certificate chain, PEM.
        cert_pem: String,
        /// Private key, PEM.
        key_pem: SecretString,
    },
}

/// TLS trust for one account.
#[derive(Default)]
pub struct Trust<'a> {
    /// Extra CA certificates (PEM) trusted on top of the platform's roots.
    pub extra_ca_pem: Option<&'a str>,
}

/// Makes sure rustls has its crypto provider; safe to call many times.
pub fn init_crypto() {
    let _ = rustls::crypto::ring::default_provider().install_default();
}

/// Checks a base URL: absolute, http(s), no credentials, no query or fragment, and https
/// unless the host is loopback (tests and local gateways).
pub fn check_base_url(raw: &str) -> Result<Url> {
    check_url(raw, "base_url", "base URL")
}

/// [`check_base_url`] for another form field: `field` names it, `what` is how a message
/// calls it ("address" for a team store).
pub fn check_url(raw: &str, field: &str, what: &str) -> Result<Url> {
    let bad = |why: &str| {
        Error::field(
            field,
            format!("{what} `{}` {why}", crate::values::shorten(raw)),
        )
    };
    let url = Url::parse(raw.trim()).map_err(|_| bad("is not a valid URL"))?;
    if !url.username().is_empty() || url.password().is_some() {
        return Err(bad("must not contain a user name or password"));
    }
    if url.query().is_some() || url.fragment().is_some() {
        return Err(bad("must not have a query or fragment"));
    }
    match url.scheme() {
        "https" => Ok(url),
        "http" if is_loopback(&url) => Ok(url),
        "http" => Err(bad(
            "uses plain http; use https (http is allowed only for 127.0.0.1, ::1 or localhost)",
        )),
        _ => Err(bad("must start with https://")),
    }
}

fn is_loopback(url: &Url) -> bool {
    match url.host() {
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        Some(url::Host::Domain(d)) => d.eq_ignore_ascii_case("localhost"),
        None => false,
    }
}

/// Builds the full URL of a request.
pub fn request_url(base: &Url, spec: &RequestSpec) -> Result<Url> {
    let joined = format!("{}{}", base.as_str().trim_end_matches('/'), spec.path);
    let mut url = Url::parse(&joined)
        .map_err(|_| Error::invalid("the request URL could not be built; check the base URL"))?;
    if !spec.query.is_empty() {
        let mut q = url.query_pairs_mut();
        for (k, v) in &spec.query {
            q.append_pair(k, v);
        }
    }
    Ok(url)
}

fn header_value(name: &str, value: &str, sensitive: bool) -> Result<HeaderValue> {
    let mut v = HeaderValue::from_str(value).map_err(|_| {
        Error::field(
            name,
            format!("{name} contains characters that cannot be sent in an HTTP header"),
        )
    })?;
    v.set_sensitive(sensitive);
    Ok(v)
}

/// Clients built so far, one per trust configuration and limits. Building one reads and
/// parses the platform's root certificates (~5 ms, hundreds of files here), which every
/// request used to pay. Idle connections are not kept (as with a client per request): only
/// the set-up is shared.
static CLIENTS: Mutex<Vec<(ClientKey, reqwest::Client)>> = Mutex::new(Vec::new());

/// Trust configurations kept; the oldest goes first.
const MAX_CLIENTS: usize = 8;

/// What a client is built from.
#[derive(PartialEq, Eq)]
struct ClientKey {
    /// Loopback destinations never go through a proxy.
    loopback: bool,
    connect: Duration,
    total: Duration,
    extra_ca_pem: Option<String>,
    client_cert_pem: Option<String>,
    /// The client private key, hashed with a per-process random key: the cache does not keep
    /// a second copy of it.
    client_key: Option<u64>,
    reuse_connections: bool,
}

impl ClientKey {
    fn new(url: &Url, auth: &Auth, trust: &Trust<'_>, limits: Limits) -> Self {
        static HASHER: OnceLock<RandomState> = OnceLock::new();
        let (client_cert_pem, client_key) = match auth {
            Auth::ClientCertificate { cert_pem, key_pem } => (
                Some(cert_pem.clone()),
                Some(
                    HASHER
                        .get_or_init(RandomState::new)
                        .hash_one(key_pem.expose_secret()),
                ),
            ),
            Auth::Header(..) | Auth::Bearer(_) => (None, None),
        };
        Self {
            loopback: is_loopback(url),
            connect: limits.connect,
            total: limits.total,
            extra_ca_pem: trust.extra_ca_pem.map(str::to_owned),
            client_cert_pem,
            client_key,
            reuse_connections: limits.reuse_connections,
        }
    }
}

/// The client for this trust configuration, built on first use.
fn client_for(
    url: &Url,
    auth: &Auth,
    trust: &Trust<'_>,
    limits: Limits,
) -> Result<reqwest::Client> {
    let key = ClientKey::new(url, auth, trust, limits);
    let mut cache = CLIENTS.lock().unwrap_or_else(|p| p.into_inner());
    if let Some((_, client)) = cache.iter().find(|(k, _)| *k == key) {
        return Ok(client.clone());
    }
    let client = build_client(key.loopback, auth, trust, limits)?;
    if cache.len() >= MAX_CLIENTS {
        cache.remove(0);
    }
    cache.push((key, client.clone()));
    Ok(client)
}

fn build_client(
    loopback: bool,
    auth: &Auth,
    trust: &Trust<'_>,
    limits: Limits,
) -> Result<reqwest::Client> {
    init_crypto();
    let mut builder = reqwest::Client::builder();
    if loopback {
        // A proxy from HTTP_PROXY / ALL_PROXY would receive a plain-http request to
        // 127.0.0.1 in clear, credential included. Elsewhere (https only) reqwest reaches a
        // proxy with CONNECT: the proxy sees the host name, not the request.
        builder = builder.no_proxy();
    }
    let mut builder = builder
        .connect_timeout(limits.connect)
        .timeout(limits.total)
        .pool_max_idle_per_host(if limits.reuse_connections { 16 } else { 0 })
        .user_agent(concat!("keymint/", env!("CARGO_PKG_VERSION")))
        .redirect(reqwest::redirect::Policy::custom(|attempt| {
            // The chain starts with the request's own URL: follow only within its origin.
            let same_origin = attempt
                .previous()
                .first()
                .is_some_and(|first| first.origin() == attempt.url().origin());
            if attempt.previous().len() >= 5 {
                attempt.error("too many redirects")
            } else if same_origin {
                attempt.follow()
            } else {
                attempt.stop()
            }
        }));
    if let Some(pem) = trust.extra_ca_pem {
        let certs = reqwest::Certificate::from_pem_bundle(pem.as_bytes()).map_err(|_| {
            Error::field("ca_cert_pem", "the extra CA certificate is not valid PEM")
        })?;
        builder = builder.tls_certs_merge(certs);
    }
    if let Auth::ClientCertificate { cert_pem, key_pem } = auth {
        let mut pem = Zeroizing::new(Vec::with_capacity(cert_pem.len() + 4096));
        pem.extend_from_slice(key_pem.expose_secret().as_bytes());
        pem.push(b'\n');
        pem.extend_from_slice(cert_pem.as_bytes());
        let identity = reqwest::Identity::from_pem(&pem).map_err(|_| {
            Error::field(
                "client_cert_pem",
                "the client certificate or private key is not valid PEM, or they do not belong together",
            )
        })?;
        builder = builder.identity(identity);
    }
    builder
        .build()
        .map_err(|e| Error::Network(format!("could not set up HTTPS: {}", root_cause(&e))))
}

/// A failed exchange, and whether the request may have reached the server.
#[derive(Debug)]
pub struct SendError {
    /// What went wrong.
    pub error: Error,
    /// Whether the server may have acted on the request (and made a key): `false` when the
    /// request certainly never left (it could not be built, the TCP or TLS connection was
    /// never established) or the server only redirected it.
    pub maybe_processed: bool,
}

impl From<SendError> for Error {
    fn from(e: SendError) -> Self {
        e.error
    }
}

fn not_sent(error: Error) -> SendError {
    SendError {
        error,
        maybe_processed: false,
    }
}

/// Sends `spec` as a JSON `POST` and returns the status and body (at most `limits.max_body`).
pub async fn send(
    base: &Url,
    spec: &RequestSpec,
    auth: &Auth,
    trust: &Trust<'_>,
    limits: Limits,
) -> Result<(u16, Vec<u8>), SendError> {
    exchange(reqwest::Method::POST, base, spec, auth, trust, limits)
        .await
        .map(|(status, body, _)| (status, body))
}

/// Sends `spec` with `method` (`GET`, `POST`, `PUT`, or an extension method such as Vault's
/// `LIST`) under the same rules as [`send`]: timeouts, size cap, redirects kept to the origin.
/// A `null` body is not sent at all; a header named twice in `spec` is sent twice. Returns
/// the answer's status, body and headers.
pub async fn exchange(
    method: reqwest::Method,
    base: &Url,
    spec: &RequestSpec,
    auth: &Auth,
    trust: &Trust<'_>,
    limits: Limits,
) -> Result<(u16, Vec<u8>, HeaderMap), SendError> {
    let url = request_url(base, spec).map_err(not_sent)?;
    let mut headers = HeaderMap::new();
    headers.insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
    match auth {
        Auth::Header(name, key) => {
            let name = HeaderName::from_static(name);
            headers.insert(
                name,
                header_value("credential", key.expose_secret(), true).map_err(not_sent)?,
            );
        }
        Auth::Bearer(token) => {
            let value = Zeroizing::new(format!("Bearer {}", token.expose_secret()));
            headers.insert(
                AUTHORIZATION,
                header_value("credential", &value, true).map_err(not_sent)?,
            );
        }
        Auth::ClientCertificate { .. } => {}
    }
    for (name, value) in &spec.headers {
        let hn = HeaderName::from_bytes(name.as_bytes())
            .map_err(|_| not_sent(Error::invalid(format!("bad header name {name}"))))?;
        headers.append(hn, header_value(name, value, false).map_err(not_sent)?);
    }
    let client = client_for(&url, auth, trust, limits).map_err(not_sent)?;
    let body = if spec.body.is_null() {
        Vec::new()
    } else {
        serde_json::to_vec(&spec.body)
            .map_err(|e| not_sent(Error::invalid(format!("request body: {e}"))))?
    };
    // With its port when the URL names one: "nothing is listening at 127.0.0.1:4799".
    let host = match (url.host_str(), url.port()) {
        (Some(h), Some(port)) => format!("{h}:{port}"),
        (Some(h), None) => h.to_owned(),
        (None, _) => "the server".to_owned(),
    };
    let mtls = matches!(auth, Auth::ClientCertificate { .. });
    let mut resp = client
        .request(method, url)
        .headers(headers)
        .body(body)
        .send()
        .await
        .map_err(|e| SendError {
            maybe_processed: maybe_processed(&e, mtls),
            error: transport_error(&host, &e, limits, mtls),
        })?;
    let delivered = |error: Error| SendError {
        error,
        maybe_processed: true,
    };
    let status = resp.status().as_u16();
    if resp.status().is_redirection() {
        let to = resp
            .headers()
            .get(reqwest::header::LOCATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|l| resp.url().join(l).ok())
            .map(|u| u.origin().ascii_serialization())
            .unwrap_or_else(|| "an unknown place".to_owned());
        return Err(not_sent(Error::Network(format!(
            "{host} redirected (HTTP {status}) to {to}; Keymint does not send credentials to another origin. Check the account's base URL"
        ))));
    }
    if resp
        .content_length()
        .is_some_and(|n| n > limits.max_body as u64)
    {
        return Err(delivered(too_large(&host, limits)));
    }
    let answer_headers = resp.headers().clone();
    let mut buf = Vec::new();
    loop {
        match resp.chunk().await {
            Ok(Some(chunk)) => {
                if buf.len() + chunk.len() > limits.max_body {
                    return Err(delivered(too_large(&host, limits)));
                }
                buf.extend_from_slice(&chunk);
            }
            Ok(None) => break,
            Err(e) => return Err(delivered(transport_error(&host, &e, limits, mtls))),
        }
    }
    Ok((status, buf, answer_headers))
}

/// Whether a server may have acted on a request that failed with `e` before any answer.
/// Not when the connection was never made, when only redirects came back, or when the
/// server ended the TLS session around the handshake: an alert, or — with a client
/// certificate under TLS 1.3, where the server checks it after the client's first flight —
/// a connection closed without a byte of answer.
fn maybe_processed(e: &reqwest::Error, mtls: bool) -> bool {
    let cause = root_cause(e).to_ascii_lowercase();
    let tls_refusal = cause.contains("alert") || (mtls && cause.contains("connection closed"));
    !e.is_connect() && !e.is_redirect() && !tls_refusal
}

fn too_large(host: &str, limits: Limits) -> Error {
    Error::Network(format!(
        "{host} sent a response larger than {} KiB; Keymint stopped reading it",
        limits.max_body / 1024
    ))
}

fn transport_error(host: &str, e: &reqwest::Error, limits: Limits, mtls: bool) -> Error {
    let cause = root_cause(e);
    let lower = cause.to_ascii_lowercase();
    if e.is_timeout() {
        Error::Network(format!(
            "{host} did not answer within {} s (timeout); try again, or check the base URL and your network",
            limits.total.as_secs_f64()
        ))
    } else if e.is_redirect() {
        // Only Keymint's redirect policy fails a redirect: too many in a row on one origin.
        Error::Network(format!(
            "{host} kept redirecting (5 redirects in a row: a redirect loop); Keymint stopped following. Check the account's base URL"
        ))
    } else if lower.contains("alert") {
        Error::Network(format!(
            "TLS with {host} failed: the server refused the handshake ({cause}); check the account's client certificate and key"
        ))
    } else if lower.contains("certificate") || lower.contains("tls") {
        Error::Network(format!(
            "TLS with {host} failed: {cause}; check the base URL and the account's CA certificate"
        ))
    } else if mtls && !e.is_connect() {
        // With TLS 1.3 a server that rejects the client certificate says so after the
        // handshake, so the client often sees only a closed connection.
        Error::Network(format!(
            "TLS with {host} failed: the server closed the connection ({cause}); it may not accept the account's client certificate — check the certificate and key"
        ))
    } else if e.is_connect() && lower.contains("refused") {
        Error::Network(format!(
            "nothing is listening at {host} (the connection was refused); check the base URL, or start the server"
        ))
    } else if e.is_connect() {
        Error::Network(format!(
            "could not connect to {host}: {}; check the base URL and your network",
            without_os_error(&cause)
        ))
    } else {
        Error::Network(format!("the request to {host} failed: {cause}"))
    }
}

/// `cause` without the operating system's error number: "Connection refused (os error
/// 111)" → "Connection refused".
fn without_os_error(cause: &str) -> &str {
    match cause.find(" (os error ") {
        Some(i) if cause.ends_with(')') => &cause[..i],
        _ => cause,
    }
}

/// The innermost cause of an error: the part that says what went wrong. reqwest's outer
/// layers only repeat the URL.
fn root_cause(e: &dyn std::error::Error) -> String {
    let mut last = e.to_string();
    let mut src = e.source();
    while let Some(s) = src {
        last = s.to_string();
        src = s.source();
    }
    last
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base_urls() {
        for ok in [
            "https://api.fireworks.ai",
            "http://127.0.0.1:8080",
            "http://localhost:1/v1",
            "http://[::1]:9",
            "https://x.on-hellgate.cloud/",
        ] {
            assert!(check_base_url(ok).is_ok(), "{ok}");
        }
        for bad in [
            "http://api.fireworks.ai",
            "ftp://x",
            "https://u:p@x.io",
            "https://x.io/?a=1",
            "https://x.io/#f",
            "not a url",
            "http://10.0.0.1",
        ] {
            assert_eq!(
                check_base_url(bad)
                    .err()
                    .and_then(|e| e.field_name().map(str::to_owned))
                    .as_deref(),
                Some("base_url"),
                "{bad}"
            );
        }
    }

    #[test]
    fn urls_keep_base_path_and_encode_query() {
        let base = check_base_url("http://127.0.0.1:1/v1").expect("base");
        let spec = RequestSpec {
            path: "/api-keys/".into(),
            query: vec![("account_id", "a&b=c d".into())],
            headers: vec![],
            body: serde_json::json!({}),
        };
        assert_eq!(
            request_url(&base, &spec).expect("url").as_str(),
            "http://127.0.0.1:1/v1/api-keys/?account_id=a%26b%3Dc+d"
        );
    }
}
