//! Helpers for the fakes' own unit tests: a plain reqwest client (ring only), temporary
//! directories, and starting fakes.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use reqwest::blocking::Client;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use serde_json::Value;

use super::{FakeOptions, FakeServer, Provider, TestPki};

/// A directory under the system temp dir, removed on drop.
pub(crate) struct TempDir(PathBuf);

impl TempDir {
    pub fn new(name: &str) -> TempDir {
        static NEXT: AtomicUsize = AtomicUsize::new(0);
        let unique = format!(
            "keymint-tests-{name}-{}-{}",
            std::process::id(),
            NEXT.fetch_add(1, Ordering::SeqCst)
        );
        let dir = std::env::temp_dir().join(unique);
        std::fs::create_dir_all(&dir).expect("create a temp dir");
        TempDir(dir)
    }
    pub fn path(&self) -> &Path {
        &self.0
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

pub(crate) fn start(provider: Provider) -> FakeServer {
    start_with(provider, FakeOptions::default())
}

pub(crate) fn start_with(provider: Provider, options: FakeOptions) -> FakeServer {
    FakeServer::start(provider, options)
}

pub(crate) fn start_tls(provider: Provider, pki: &TestPki) -> FakeServer {
    let tls = if provider == Provider::HellgateCommerce {
        pki.server_mtls()
    } else {
        pki.server_tls()
    };
    start_with(
        provider,
        FakeOptions {
            tls: Some(tls),
            ..FakeOptions::default()
        },
    )
}

fn builder() -> reqwest::blocking::ClientBuilder {
    // reqwest is built without a crypto provider of its own: install ring's.
    let _ = rustls::crypto::ring::default_provider().install_default();
    Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .timeout(Duration::from_secs(30))
}

/// A plain HTTP client that does not follow redirects.
pub(crate) fn http_client() -> Client {
    builder().build().expect("build an HTTP client")
}

/// [`http_client`] that gives up after `timeout`.
pub(crate) fn http_client_with_timeout(timeout: Duration) -> Client {
    builder()
        .timeout(timeout)
        .build()
        .expect("build an HTTP client")
}

/// An HTTPS client trusting `pki`'s CA, presenting `identity` (cert, key) when given.
pub(crate) fn mtls_client(pki: &TestPki, identity: Option<(&PathBuf, &PathBuf)>) -> Client {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut roots = rustls::RootCertStore::empty();
    let ca = CertificateDer::from_pem_file(&pki.ca_pem).expect("read the test CA");
    roots.add(ca).expect("add the test CA");
    let config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .expect("ring supports the default TLS versions")
        .with_root_certificates(roots);
    let config = match identity {
        None => config.with_no_client_auth(),
        Some((cert, key)) => {
            let cert = CertificateDer::from_pem_file(cert).expect("read the client cert");
            let key = PrivateKeyDer::from_pem_file(key).expect("read the client key");
            config
                .with_client_auth_cert(vec![cert], key)
                .expect("client cert and key match")
        }
    };
    builder()
        .tls_backend_preconfigured(config)
        .build()
        .expect("build an HTTPS client")
}

/// POST `body` as JSON with `headers`; answer status and body (JSON, or a JSON string
/// holding the text when the body is not JSON).
pub(crate) fn send(
    client: &Client,
    url: &str,
    headers: &[(&str, &str)],
    body: Value,
) -> (u16, Value) {
    let mut request = client.post(url).json(&body);
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    let response = request.send().unwrap_or_else(|e| panic!("POST {url}: {e}"));
    let status = response.status().as_u16();
    let text = response
        .text()
        .unwrap_or_else(|e| panic!("read the answer of {url}: {e}"));
    let json = serde_json::from_str(&text).unwrap_or(Value::String(text));
    (status, json)
}

pub(crate) fn post_json(url: &str, headers: &[(&str, &str)], body: Value) -> (u16, Value) {
    send(&http_client(), url, headers, body)
}
