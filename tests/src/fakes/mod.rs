//! Fake provider servers for integration tests.
//!
//! Each [`FakeServer`] is a real HTTP(S) server on 127.0.0.1 that speaks one provider's
//! create-key contract (SPEC §1 and the provider pages), records every request it receives,
//! and can be switched into misbehaving [`Mode`]s. It runs on its own tokio runtime in a
//! background thread, so synchronous tests can use it; dropping it shuts it down.

mod contract;
mod fireworks;
mod flexprice;
mod hellgate_cloud;
mod hellgate_commerce;
mod hsrcpay;
#[cfg(test)]
mod mode_tests;
mod pki;
mod respond;
mod server;
#[cfg(test)]
mod test_support;
mod x509;

use std::fmt;
use std::path::PathBuf;
use std::str::FromStr;
use std::time::Duration;

pub use hellgate_cloud::SCOPES as HELLGATE_CLOUD_SCOPES;
pub use pki::TestPki;
pub use respond::HOSTILE_TEXT;
pub use server::FakeServer;

/// The five providers of SPEC §1.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Provider {
    HellgateCommerce,
    Flexprice,
    Fireworks,
    HellgateCloud,
    Hsrcpay,
}

impl Provider {
    /// Every provider, in SPEC order.
    pub const ALL: [Provider; 5] = [
        Provider::HellgateCommerce,
        Provider::Flexprice,
        Provider::Fireworks,
        Provider::HellgateCloud,
        Provider::Hsrcpay,
    ];

    /// The SPEC id (`hellgate-commerce`, `flexprice`, …).
    pub fn id(&self) -> &'static str {
        match self {
            Provider::HellgateCommerce => "hellgate-commerce",
            Provider::Flexprice => "flexprice",
            Provider::Fireworks => "fireworks",
            Provider::HellgateCloud => "hellgate-cloud",
            Provider::Hsrcpay => "hsrcpay",
        }
    }

    /// The provider with this SPEC id.
    pub fn from_id(id: &str) -> Option<Provider> {
        Provider::ALL.into_iter().find(|p| p.id() == id)
    }

    /// The path the provider's documented base URL ends in (`/v1` for flexprice and
    /// hsrcpay, empty for the others); [`FakeServer::base_url`] includes it.
    pub fn base_path(&self) -> &'static str {
        self.contract().base_path
    }

    /// The message the fake puts in the body it sends in [`Mode::DocumentedError`]: what a
    /// client should quote to the user as "the provider's own words".
    pub fn documented_error_message(&self) -> &'static str {
        self.contract().documented_message
    }

    /// The status the fake answers in [`Mode::DocumentedError`].
    pub fn documented_error_status(&self) -> u16 {
        self.contract().documented_status.as_u16()
    }

    /// JSON pointer of the secret in a success body (`/key`, `/data/key`, …).
    pub fn secret_pointer(&self) -> &'static str {
        self.contract().secret_pointer
    }

    /// A fresh, unique, random secret in this provider's format, as the fake issues them
    /// (hsrcpay: `sk_test_…` when `credential` contains `_test_`, else `sk_live_…`).
    pub fn new_secret(&self, credential: &str) -> String {
        (self.contract().new_secret)(credential)
    }

    fn contract(&self) -> &'static contract::Contract {
        match self {
            Provider::HellgateCommerce => &hellgate_commerce::CONTRACT,
            Provider::Flexprice => &flexprice::CONTRACT,
            Provider::Fireworks => &fireworks::CONTRACT,
            Provider::HellgateCloud => &hellgate_cloud::CONTRACT,
            Provider::Hsrcpay => &hsrcpay::CONTRACT,
        }
    }
}

impl fmt::Display for Provider {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.id())
    }
}

impl FromStr for Provider {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Provider::from_id(s).ok_or_else(|| {
            let ids: Vec<_> = Provider::ALL.iter().map(|p| p.id()).collect();
            format!("unknown provider {s:?}; expected one of {}", ids.join(", "))
        })
    }
}

/// How the fake answers. Every mode records the request first.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum Mode {
    /// Check the contract; answer success, or the provider's error shape for a violation.
    #[default]
    Normal,
    /// The provider's documented error body and status, whatever the request.
    DocumentedError,
    /// Accept the request, wait [`FakeOptions::slow`] before sending headers, then answer
    /// as [`Mode::Normal`].
    SlowHeaders,
    /// Send 200 headers and a few bytes of body, then stall for [`FakeOptions::slow`].
    SlowBody,
    /// 200 with a 10 MB body (its length announced).
    HugeBody,
    /// 200 with a chunked body of unannounced length that never ends.
    EndlessBody,
    /// 307 to the same path and query on a second listener on another port.
    RedirectOtherPort,
    /// 307 to the very URL requested (a relative `Location`), forever: a same-origin
    /// redirect loop.
    RedirectLoop,
    /// 307 to the same path and query over plain `http://` on the second listener: a
    /// downgrade when the fake serves HTTPS. That listener still speaks TLS, so a client
    /// that followed would show up in [`FakeServer::tls_handshake_failures`].
    RedirectToHttp,
    /// A 2xx success body with the secret field missing.
    NoSecret,
    /// 502 with an HTML page.
    HtmlError,
    /// 200 with hsrcpay's `success: false` envelope (for any provider).
    SuccessFalse200,
    /// The provider's documented error status with a message that quotes the credential it
    /// received (as a careless server's "invalid key …" does).
    EchoCredential,
    /// A success whose every text besides the secret carries terminal escape sequences
    /// (OSC 52 clipboard write, CSI clear screen), a bidi override and 4 KiB of padding, and
    /// whose `prefix` (where the provider has one) is the whole secret.
    HostileText,
    /// The provider's documented error status and body shape, with a message (in words) that
    /// carries the escape sequences and bidi override of [`Mode::HostileText`] and 4 KiB of
    /// padding.
    HostileError,
    /// A success that does not give what was asked: every `expires_at` is in 2023 and every
    /// `scopes`, `roles` or `permissions` member is another one.
    Contrary,
}

impl Mode {
    /// Every mode.
    pub const ALL: [Mode; 16] = [
        Mode::Normal,
        Mode::DocumentedError,
        Mode::SlowHeaders,
        Mode::SlowBody,
        Mode::HugeBody,
        Mode::EndlessBody,
        Mode::RedirectOtherPort,
        Mode::RedirectLoop,
        Mode::RedirectToHttp,
        Mode::NoSecret,
        Mode::HtmlError,
        Mode::SuccessFalse200,
        Mode::EchoCredential,
        Mode::HostileText,
        Mode::HostileError,
        Mode::Contrary,
    ];

    /// Kebab-case name, as `keymint-fake --mode` takes it.
    pub fn id(&self) -> &'static str {
        match self {
            Mode::Normal => "normal",
            Mode::DocumentedError => "documented-error",
            Mode::SlowHeaders => "slow-headers",
            Mode::SlowBody => "slow-body",
            Mode::HugeBody => "huge-body",
            Mode::EndlessBody => "endless-body",
            Mode::RedirectOtherPort => "redirect-other-port",
            Mode::RedirectLoop => "redirect-loop",
            Mode::RedirectToHttp => "redirect-to-http",
            Mode::NoSecret => "no-secret",
            Mode::HtmlError => "html-error",
            Mode::SuccessFalse200 => "success-false-200",
            Mode::EchoCredential => "echo-credential",
            Mode::HostileText => "hostile-text",
            Mode::HostileError => "hostile-error",
            Mode::Contrary => "contrary",
        }
    }
}

impl fmt::Display for Mode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.id())
    }
}

impl FromStr for Mode {
    type Err = String;
    /// Accepts `slow-headers`, `slow_headers` and `SlowHeaders` alike.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let squash = |t: &str| t.replace(['-', '_'], "").to_ascii_lowercase();
        let wanted = squash(s);
        Mode::ALL
            .into_iter()
            .find(|m| squash(m.id()) == wanted)
            .ok_or_else(|| {
                let ids: Vec<_> = Mode::ALL.iter().map(|m| m.id()).collect();
                format!("unknown mode {s:?}; expected one of {}", ids.join(", "))
            })
    }
}

/// The credential [`FakeOptions::default`] expects: valid for every provider (for hsrcpay a
/// sandbox secret key, `sk_` within its first 32 characters and `_test_` in it).
pub const DEFAULT_CREDENTIAL: &str = "sk_test_keymint_fake_credential_0001";

/// The server certificate and key a fake serves HTTPS with.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TlsFiles {
    /// Server certificate chain, PEM.
    pub cert_pem: PathBuf,
    /// Server private key, PEM.
    pub key_pem: PathBuf,
    /// When set, a client certificate signed by this CA is required (mutual TLS);
    /// hellgate-commerce refuses to start without it.
    pub client_ca_pem: Option<PathBuf>,
}

/// How to start a [`FakeServer`].
#[derive(Clone, Debug)]
pub struct FakeOptions {
    /// Initial mode; change it later with [`FakeServer::set_mode`].
    pub mode: Mode,
    /// The API key or token the fake expects; ignored for hellgate-commerce (mutual TLS).
    pub credential: String,
    /// Serve HTTPS with this certificate; hellgate-commerce always needs it, with a
    /// client CA (see [`TestPki::server_mtls`]).
    pub tls: Option<TlsFiles>,
    /// How long the slow modes stall.
    pub slow: Duration,
    /// Port for the main listener; 0 picks a free one.
    pub port: u16,
}

impl Default for FakeOptions {
    fn default() -> Self {
        FakeOptions {
            mode: Mode::Normal,
            credential: DEFAULT_CREDENTIAL.to_string(),
            tls: None,
            slow: Duration::from_secs(60),
            port: 0,
        }
    }
}

/// One request as the fake received it, valid or not.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RecordedRequest {
    pub method: String,
    /// The path as received (still percent-encoded).
    pub path: String,
    /// The raw query string, without `?`.
    pub query: Option<String>,
    /// Header names in lowercase, in the order received.
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
    /// Subject of the client certificate presented over TLS, e.g. `CN=keymint-test-client`.
    pub client_cert_subject: Option<String>,
    /// Path and query parameters the fake decoded (`account_id`, `user_id`), when the
    /// path matched the provider's route.
    pub params: Vec<(String, String)>,
    /// Why the request breaks the provider's contract, or `None` when it keeps it. Checked
    /// in every mode, so a test can assert a request was well-formed even when the fake
    /// was told to misbehave.
    pub violation: Option<String>,
}

impl RecordedRequest {
    /// First value of a header (name matched case-insensitively).
    pub fn header(&self, name: &str) -> Option<&str> {
        let name = name.to_ascii_lowercase();
        self.headers
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, v)| v.as_str())
    }

    /// A decoded path or query parameter, e.g. `account_id`.
    pub fn param(&self, name: &str) -> Option<&str> {
        self.params
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    /// The body parsed as JSON, if it is JSON.
    pub fn json(&self) -> Option<serde_json::Value> {
        serde_json::from_slice(&self.body).ok()
    }

    /// Whether the request carried anything that authenticates: an `Authorization` or
    /// `x-api-key` header, or a client certificate.
    pub fn has_credentials(&self) -> bool {
        self.header("authorization").is_some()
            || self.header("x-api-key").is_some()
            || self.client_cert_subject.is_some()
    }
}

/// `prefix` followed by `len` random ASCII letters and digits (uniform, from the system's
/// secure random source): unique enough that two fakes never issue the same secret.
pub fn fake_secret(prefix: &str, len: usize) -> String {
    use ring::rand::{SecureRandom, SystemRandom};
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    let rng = SystemRandom::new();
    let mut out = String::with_capacity(prefix.len() + len);
    out.push_str(prefix);
    let mut buf = [0u8; 64];
    while out.len() < prefix.len() + len {
        rng.fill(&mut buf).expect("system random source failed");
        // 248 = 4 * 62: rejecting bytes above it keeps every character equally likely.
        for b in buf.iter().filter(|b| **b < 248) {
            if out.len() == prefix.len() + len {
                break;
            }
            out.push(ALPHABET[usize::from(*b) % ALPHABET.len()] as char);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_round_trip() {
        for p in Provider::ALL {
            assert_eq!(p.id().parse::<Provider>(), Ok(p));
        }
        for m in Mode::ALL {
            assert_eq!(m.id().parse::<Mode>(), Ok(m));
        }
        assert_eq!("SlowHeaders".parse::<Mode>(), Ok(Mode::SlowHeaders));
        assert_eq!(
            "success_false_200".parse::<Mode>(),
            Ok(Mode::SuccessFalse200)
        );
        assert!("nope".parse::<Provider>().is_err());
    }

    #[test]
    fn secrets_are_random_and_well_formed() {
        let a = fake_secret("fw_", 40);
        let b = fake_secret("fw_", 40);
        assert_ne!(a, b);
        assert_eq!(a.len(), 43);
        assert!(a[3..].chars().all(|c| c.is_ascii_alphanumeric()));
        for p in Provider::ALL {
            assert!(p.new_secret(DEFAULT_CREDENTIAL).len() >= 24, "{p}");
        }
        assert!(Provider::Hsrcpay
            .new_secret("sk_test_x")
            .starts_with("sk_test_"));
        assert!(Provider::Hsrcpay
            .new_secret("sk_live_x")
            .starts_with("sk_live_"));
    }
}
