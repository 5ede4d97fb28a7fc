//! The misbehaving modes, TLS without client auth, and shutting down.

use std::time::Duration;

use serde_json::{json, Value};

use super::test_support::{
    http_client, http_client_with_timeout, mtls_client, post_json, send, start_tls, start_with,
    TempDir,
};
use super::{FakeOptions, FakeServer, Mode, Provider, TestPki, DEFAULT_CREDENTIAL};

/// A request each provider accepts in [`Mode::Normal`]: url, headers, body.
fn good_request(fake: &FakeServer) -> (String, Vec<(&'static str, String)>, Value) {
    let base = fake.base_url();
    let bearer = format!("Bearer {DEFAULT_CREDENTIAL}");
    match fake.provider() {
        Provider::Fireworks => (
            format!("{base}/v1/accounts/a/users/u/apiKeys"),
            vec![("authorization", bearer)],
            json!({"apiKey": {"displayName": "ci"}}),
        ),
        Provider::Flexprice => (
            format!("{base}/secrets/api/keys"),
            vec![("x-api-key", DEFAULT_CREDENTIAL.into())],
            json!({"name": "ci", "type": "private_key"}),
        ),
        Provider::HellgateCloud => (
            format!("{base}/api/admin/api-keys"),
            vec![("x-api-key", DEFAULT_CREDENTIAL.into())],
            json!({"scopes": ["pci:tokens:read"]}),
        ),
        Provider::Hsrcpay => (
            format!("{base}/api-keys/?account_id=acct"),
            vec![("authorization", bearer)],
            json!({"name": "ci"}),
        ),
        Provider::HellgateCommerce => (
            format!("{base}/configuration/accounts/acct/keys"),
            vec![("x-account-id", "acct".into())],
            json!({}),
        ),
    }
}

fn post_good(fake: &FakeServer) -> (u16, Value) {
    let (url, headers, body) = good_request(fake);
    let headers: Vec<(&str, &str)> = headers.iter().map(|(n, v)| (*n, v.as_str())).collect();
    post_json(&url, &headers, body)
}

fn plain(provider: Provider, mode: Mode) -> FakeServer {
    start_with(
        provider,
        FakeOptions {
            mode,
            slow: Duration::from_secs(3),
            ..FakeOptions::default()
        },
    )
}

const PLAIN: [Provider; 4] = [
    Provider::Fireworks,
    Provider::Flexprice,
    Provider::HellgateCloud,
    Provider::Hsrcpay,
];

#[test]
fn documented_error_no_secret_html_and_success_false() {
    for provider in PLAIN {
        let fake = plain(provider, Mode::DocumentedError);
        let (status, body) = post_good(&fake);
        assert_eq!(status, provider.documented_error_status(), "{provider}");
        assert!(
            body.to_string()
                .contains(provider.documented_error_message()),
            "{provider}: {body}"
        );

        fake.set_mode(Mode::NoSecret);
        let (status, body) = post_good(&fake);
        assert!((200..300).contains(&status), "{provider}: {status}");
        assert!(
            body.pointer(provider.secret_pointer()).is_none(),
            "{provider}: {body}"
        );
        assert!(body.is_object() && body.as_object().is_some_and(|m| !m.is_empty()));

        fake.set_mode(Mode::HtmlError);
        let response = http_client()
            .post(good_request(&fake).0)
            .send()
            .expect("send");
        assert_eq!(response.status().as_u16(), 502);
        assert!(response.text().expect("text").contains("<html>"));

        fake.set_mode(Mode::SuccessFalse200);
        let (status, body) = post_good(&fake);
        assert_eq!(status, 200);
        assert_eq!(body["success"], json!(false), "{provider}");
        assert!(body["error"]["message"].is_string());

        assert!(fake.issued_secrets().is_empty(), "{provider}");
        let requests = fake.requests();
        assert_eq!(requests.len(), 4);
        assert!(
            requests[..2].iter().all(|r| r.violation.is_none()),
            "{provider}: {requests:?}"
        );
        // The HTML request had no JSON body: recorded as a violation, answered as the mode says.
        assert!(requests[2].violation.is_some());
    }
}

#[test]
fn slow_headers_and_slow_body_stall() {
    let fake = plain(Provider::Flexprice, Mode::SlowHeaders);
    let (url, headers, body) = good_request(&fake);
    let client = http_client_with_timeout(Duration::from_millis(800));
    let mut request = client.post(&url).json(&body);
    for (name, value) in &headers {
        request = request.header(*name, value);
    }
    let err = request
        .try_clone()
        .expect("clone")
        .send()
        .expect_err("headers must stall");
    assert!(err.is_timeout(), "{err}");
    assert_eq!(fake.request_count(), 1);

    fake.set_mode(Mode::SlowBody);
    let response = request.send().expect("headers arrive at once");
    assert_eq!(response.status().as_u16(), 200);
    assert!(response.text().is_err(), "the body must stall");
}

#[test]
fn huge_body_is_ten_megabytes() {
    let fake = plain(Provider::HellgateCloud, Mode::HugeBody);
    let (url, _, body) = good_request(&fake);
    let response = http_client().post(url).json(&body).send().expect("send");
    assert_eq!(response.status().as_u16(), 200);
    assert_eq!(
        response.bytes().expect("read").len(),
        super::respond::HUGE_BODY_LEN
    );
}

#[test]
fn redirect_goes_to_a_second_listener_that_records() {
    let fake = plain(Provider::Fireworks, Mode::RedirectOtherPort);
    let (status, _) = post_good(&fake);
    assert_eq!(status, 307);
    let (url, headers, body) = good_request(&fake);
    let response = http_client().post(&url).json(&body).send().expect("send");
    let location = response.headers()["location"]
        .to_str()
        .expect("ascii")
        .to_string();
    let expected_path = url.trim_start_matches(&fake.origin());
    assert_eq!(
        location,
        format!("{}{expected_path}", fake.redirect_target_origin())
    );
    assert_ne!(fake.redirect_target_origin(), fake.origin());
    assert!(fake.redirect_target_requests().is_empty());

    // A client that follows without credentials, then one that leaks them.
    assert_eq!(post_json(&location, &[], body.clone()).0, 401);
    assert!(!fake.redirect_target_saw_credentials());
    let headers: Vec<(&str, &str)> = headers.iter().map(|(n, v)| (*n, v.as_str())).collect();
    assert_eq!(post_json(&location, &headers, body).0, 200);
    assert!(fake.redirect_target_saw_credentials());
    assert_eq!(fake.redirect_target_requests().len(), 2);
    assert_eq!(fake.request_count(), 2);
    assert_eq!(fake.issued_secrets().len(), 1);
}

#[test]
fn endless_body_does_not_end() {
    let fake = plain(Provider::Fireworks, Mode::EndlessBody);
    let (url, _, body) = good_request(&fake);
    let mut response = http_client().post(url).json(&body).send().expect("send");
    assert_eq!(response.status().as_u16(), 200);
    assert_eq!(response.content_length(), None, "no length announced");
    // Read 4 MiB: more than any cap, and far from the end there is none.
    let mut read = 0usize;
    let mut buf = vec![0u8; 64 * 1024];
    while read < 4 * 1024 * 1024 {
        let n = std::io::Read::read(&mut response, &mut buf).expect("read");
        assert!(n > 0, "the body ended after {read} bytes");
        read += n;
    }
    assert_eq!(fake.request_count(), 1);
}

#[test]
fn redirect_loop_points_back_at_the_same_url() {
    let fake = plain(Provider::Hsrcpay, Mode::RedirectLoop);
    let (url, _, body) = good_request(&fake);
    for _ in 0..3 {
        let response = http_client().post(&url).json(&body).send().expect("send");
        assert_eq!(response.status().as_u16(), 307);
        let location = response.headers()["location"].to_str().expect("ascii");
        // Relative, so it resolves against the URL requested: the same origin, path and query.
        assert_eq!(
            format!("{}{location}", fake.origin()),
            url,
            "relative location {location}"
        );
    }
    assert_eq!(fake.request_count(), 3);
    assert!(fake.redirect_target_requests().is_empty());
    assert!(fake.issued_secrets().is_empty());
}

#[test]
fn redirect_to_http_downgrades_the_scheme() {
    let dir = TempDir::new("downgrade");
    let pki = TestPki::generate(dir.path());
    let fake = start_tls(Provider::Flexprice, &pki);
    fake.set_mode(Mode::RedirectToHttp);
    let (url, headers, body) = good_request(&fake);
    let mut request = mtls_client(&pki, None).post(&url).json(&body);
    for (name, value) in &headers {
        request = request.header(*name, value);
    }
    let response = request.send().expect("send");
    assert_eq!(response.status().as_u16(), 307);
    let location = response.headers()["location"].to_str().expect("ascii");
    let target = fake.redirect_target_origin();
    let authority = target.trim_start_matches("https://");
    let path = url.trim_start_matches(&fake.origin());
    assert_eq!(location, format!("http://{authority}{path}"));
    // The target speaks TLS: plain HTTP sent there fails its handshake, and is counted.
    assert_eq!(fake.tls_handshake_failures(), 0);
    let _ = http_client().post(location).json(&body).send();
    assert!(fake.redirect_target_requests().is_empty());
    let deadline = std::time::Instant::now() + Duration::from_secs(5);
    while fake.tls_handshake_failures() == 0 && std::time::Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(10));
    }
    assert_eq!(fake.tls_handshake_failures(), 1);
}

#[test]
fn https_without_client_auth_and_shutdown_on_drop() {
    let dir = TempDir::new("https");
    let pki = TestPki::generate(dir.path());
    let fake = start_tls(Provider::Hsrcpay, &pki);
    assert!(fake.base_url().starts_with("https://127.0.0.1:"));
    let (url, headers, body) = good_request(&fake);
    let headers: Vec<(&str, &str)> = headers.iter().map(|(n, v)| (*n, v.as_str())).collect();
    let (status, answer) = send(&mtls_client(&pki, None), &url, &headers, body);
    assert_eq!(status, 201, "{answer}");
    assert_eq!(fake.requests()[0].client_cert_subject, None);

    let port = fake.port();
    drop(fake);
    assert!(std::net::TcpStream::connect(("127.0.0.1", port)).is_err());
}

#[test]
fn commerce_will_not_start_without_mutual_tls() {
    let err = FakeServer::try_start(Provider::HellgateCommerce, FakeOptions::default())
        .expect_err("commerce needs TLS");
    assert!(err.to_string().contains("mutual TLS"), "{err}");
}

#[test]
fn wrong_path_and_method_are_recorded_in_the_provider_shape() {
    let fake = plain(Provider::Flexprice, Mode::Normal);
    let (status, body) = post_json(
        &format!("{}/secrets/api/key", fake.base_url()),
        &[],
        json!({}),
    );
    assert_eq!(status, 404);
    assert_eq!(body["code"], json!("not_found"));
    let (url, _, _) = good_request(&fake);
    let response = http_client().get(&url).send().expect("send");
    assert_eq!(response.status().as_u16(), 405);
    let requests = fake.requests();
    assert_eq!(requests.len(), 2);
    assert_eq!(requests[1].method, "GET");
    assert!(requests.iter().all(|r| r.violation.is_some()));
}

#[tokio::test]
async fn usable_from_async_tests() {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let fake = plain(Provider::HellgateCloud, Mode::Normal);
    let (url, headers, body) = good_request(&fake);
    let mut request = reqwest::Client::new().post(&url).json(&body);
    for (name, value) in &headers {
        request = request.header(*name, value);
    }
    let response = request.send().await.expect("send");
    assert_eq!(response.status().as_u16(), 201);
    assert_eq!(fake.issued_secrets().len(), 1);
    drop(fake);
}
