//! The one axum handler behind every fake: record the request, check it against the
//! provider's contract, then answer as the current [`Mode`] says.

use std::convert::Infallible;
use std::sync::Arc;

use axum::body::{Body, Bytes};
use axum::extract::{Request, State};
use axum::http::{header, StatusCode};
use axum::response::Response;
use axum::{Extension, Router};
use futures_util::{stream, StreamExt};
use serde_json::Value;

use super::contract::{Call, Contract, Params, Refusal};
use super::server::Shared;
use super::{hsrcpay, Mode, RecordedRequest};

/// Largest request body the fakes read; a create-key body is a few hundred bytes.
const MAX_REQUEST_BODY: usize = 1 << 20;
/// Size of the [`Mode::HugeBody`] answer.
pub(crate) const HUGE_BODY_LEN: usize = 10 * 1024 * 1024;

/// Which listener a request arrived on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Role {
    Main,
    RedirectTarget,
}

/// What the TLS layer learned about the connection.
#[derive(Clone, Debug, Default)]
pub(crate) struct ConnInfo {
    pub client_cert_subject: Option<String>,
}

#[derive(Clone)]
struct Endpoint {
    shared: Arc<Shared>,
    role: Role,
}

/// A router that sends every path and method to [`handle`], so that wrong paths and
/// methods are recorded and answered in the provider's error shape too.
pub(crate) fn router(shared: Arc<Shared>, role: Role) -> Router {
    Router::new()
        .fallback(handle)
        .with_state(Endpoint { shared, role })
}

async fn handle(
    State(endpoint): State<Endpoint>,
    Extension(conn): Extension<ConnInfo>,
    request: Request,
) -> Response {
    let (parts, body) = request.into_parts();
    let body = axum::body::to_bytes(body, MAX_REQUEST_BODY).await;
    let too_big = body.is_err();
    let call = Call {
        method: parts.method,
        path: parts.uri.path().to_string(),
        query: parts.uri.query().map(str::to_string),
        headers: parts.headers,
        body: body.map(|b| b.to_vec()).unwrap_or_default(),
    };
    let shared = &endpoint.shared;
    let contract = shared.provider.contract();
    let routed = (contract.route)(&call);
    let params = routed.clone().unwrap_or_default();
    let verdict = match routed {
        _ if too_big => Err(Refusal::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            format!("request body larger than {MAX_REQUEST_BODY} bytes"),
        )),
        Ok(params) => (contract.check)(&call, &params, &shared.credential),
        Err(refusal) => Err(refusal),
    };
    shared.record(endpoint.role, record(&call, &conn, &params, &verdict));

    let mode = match endpoint.role {
        Role::Main => shared.mode(),
        Role::RedirectTarget => Mode::Normal,
    };
    match mode {
        Mode::Normal => normal(shared, contract, &call, &params, verdict),
        Mode::SlowHeaders => {
            tokio::time::sleep(shared.slow).await;
            normal(shared, contract, &call, &params, verdict)
        }
        Mode::DocumentedError => {
            let status = contract.documented_status;
            json(
                status,
                &(contract.error_body)(status, contract.documented_message),
            )
        }
        Mode::SlowBody => slow_body(shared.slow),
        Mode::HugeBody => huge_body(),
        Mode::EndlessBody => endless_body(),
        Mode::RedirectOtherPort => redirect(&shared.redirect_origin, &call),
        Mode::RedirectLoop => redirect("", &call),
        Mode::RedirectToHttp => {
            let authority = shared
                .redirect_origin
                .split_once("://")
                .map_or(shared.redirect_origin.as_str(), |(_, rest)| rest);
            redirect(&format!("http://{authority}"), &call)
        }
        Mode::NoSecret => {
            let (status, mut body) = (contract.success)(&call, &params, "");
            remove_pointer(&mut body, contract.secret_pointer);
            json(status, &body)
        }
        Mode::HtmlError => html_error(),
        Mode::SuccessFalse200 => {
            let body = hsrcpay::error_body(StatusCode::BAD_REQUEST, contract.documented_message);
            json(StatusCode::OK, &body)
        }
        Mode::EchoCredential => {
            let status = contract.documented_status;
            let message = format!("invalid credential '{}'", received_credential(&call));
            json(status, &(contract.error_body)(status, &message))
        }
        Mode::HostileText => {
            let secret = (contract.new_secret)(&shared.credential);
            shared.issued(secret.clone());
            let (status, mut body) = (contract.success)(&call, &params, &secret);
            poison_texts(&mut body, contract.secret_pointer, "", &secret);
            json(status, &body)
        }
        Mode::Contrary => {
            let secret = (contract.new_secret)(&shared.credential);
            shared.issued(secret.clone());
            let (status, mut body) = (contract.success)(&call, &params, &secret);
            contradict(&mut body);
            json(status, &body)
        }
        Mode::HostileError => {
            let status = contract.documented_status;
            // Words, as a server's message has them (one long word would look like a token).
            let message = format!(
                "refused: {} {}",
                HOSTILE_TEXT.replace('\u{202e}', " \u{202e}"),
                "padding ".repeat(512)
            );
            json(status, &(contract.error_body)(status, &message))
        }
    }
}

/// What the request authenticated with: the `Authorization` value without its scheme, or
/// the `x-api-key` header.
fn received_credential(call: &Call) -> String {
    call.header("authorization")
        .map(|v| v.strip_prefix("Bearer ").unwrap_or(v))
        .or_else(|| call.header("x-api-key"))
        .unwrap_or("")
        .to_owned()
}

/// Escape sequences a hostile server would like a terminal to run: an OSC 52 clipboard
/// write, a CSI clear screen, a bidi override.
pub const HOSTILE_TEXT: &str = "\u{1b}]52;c;aGFja2Vk\u{7}\u{1b}[2J\u{202e}evil";

/// Appends [`HOSTILE_TEXT`] and padding to every string except the secret's; a `prefix`
/// member becomes the whole secret.
fn poison_texts(value: &mut Value, secret_pointer: &str, at: &str, secret: &str) {
    match value {
        Value::Object(map) => {
            for (k, v) in map.iter_mut() {
                let here = format!("{at}/{k}");
                if k == "prefix" {
                    *v = Value::String(secret.to_owned());
                } else {
                    poison_texts(v, secret_pointer, &here, secret);
                }
            }
        }
        Value::Array(items) => {
            for (i, v) in items.iter_mut().enumerate() {
                poison_texts(v, secret_pointer, &format!("{at}/{i}"), secret);
            }
        }
        Value::String(s) if at != secret_pointer => {
            s.push_str(HOSTILE_TEXT);
            s.push_str(&"x".repeat(4096));
        }
        _ => {}
    }
}

fn record(
    call: &Call,
    conn: &ConnInfo,
    params: &Params,
    verdict: &Result<(), Refusal>,
) -> RecordedRequest {
    let headers = call
        .headers
        .iter()
        .map(|(name, value)| {
            let value = String::from_utf8_lossy(value.as_bytes()).into_owned();
            (name.as_str().to_ascii_lowercase(), value)
        })
        .collect();
    RecordedRequest {
        method: call.method.to_string(),
        path: call.path.clone(),
        query: call.query.clone(),
        headers,
        body: call.body.clone(),
        client_cert_subject: conn.client_cert_subject.clone(),
        params: params.clone(),
        violation: verdict.as_ref().err().map(|r| r.reason.clone()),
    }
}

fn normal(
    shared: &Shared,
    contract: &Contract,
    call: &Call,
    params: &Params,
    verdict: Result<(), Refusal>,
) -> Response {
    match verdict {
        Ok(()) => {
            let secret = (contract.new_secret)(&shared.credential);
            shared.issued(secret.clone());
            let (status, body) = (contract.success)(call, params, &secret);
            json(status, &body)
        }
        Err(refusal) => json(
            refusal.status,
            &(contract.error_body)(refusal.status, &refusal.reason),
        ),
    }
}

fn json(status: StatusCode, body: &Value) -> Response {
    let bytes = serde_json::to_vec(body).expect("a serde_json::Value always serializes");
    response(status, "application/json", Body::from(bytes))
}

fn response(status: StatusCode, content_type: &'static str, body: Body) -> Response {
    let mut response = Response::new(body);
    *response.status_mut() = status;
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        header::HeaderValue::from_static(content_type),
    );
    response
}

fn slow_body(stall: std::time::Duration) -> Response {
    let chunks = stream::unfold(0u8, move |step| async move {
        let chunk: &'static [u8] = match step {
            0 => b"{\"status\":\"",
            1 => {
                tokio::time::sleep(stall).await;
                b"ok\"}"
            }
            _ => return None,
        };
        Some((Ok::<_, Infallible>(Bytes::from_static(chunk)), step + 1))
    });
    response(
        StatusCode::OK,
        "application/json",
        Body::from_stream(chunks),
    )
}

fn huge_body() -> Response {
    let open = b"{\"padding\":\"";
    let close = b"\"}";
    let mut body = Vec::with_capacity(HUGE_BODY_LEN);
    body.extend_from_slice(open);
    body.resize(HUGE_BODY_LEN - close.len(), b'x');
    body.extend_from_slice(close);
    response(StatusCode::OK, "application/json", Body::from(body))
}

/// `{"padding":"xxxx…` in 64 KiB chunks, without end and without a length.
fn endless_body() -> Response {
    static CHUNK: [u8; 64 * 1024] = [b'x'; 64 * 1024];
    let open = stream::once(async { Ok::<_, Infallible>(Bytes::from_static(b"{\"padding\":\"")) });
    let rest = stream::repeat_with(|| Ok::<_, Infallible>(Bytes::from_static(&CHUNK)));
    response(
        StatusCode::OK,
        "application/json",
        Body::from_stream(open.chain(rest)),
    )
}

/// A 307 to `origin` (empty: a relative `Location`, the same origin) plus the request's path
/// and query.
fn redirect(origin: &str, call: &Call) -> Response {
    let query = call
        .query
        .as_ref()
        .map(|q| format!("?{q}"))
        .unwrap_or_default();
    let location = format!("{origin}{}{query}", call.path);
    let mut response = response(StatusCode::TEMPORARY_REDIRECT, "text/plain", Body::empty());
    let value = header::HeaderValue::from_str(&location).expect("origin and path are header-safe");
    response.headers_mut().insert(header::LOCATION, value);
    response
}

fn html_error() -> Response {
    let page = "<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n\
                <center><h1>502 Bad Gateway</h1></center>\r\n<hr><center>nginx</center>\r\n\
                </body>\r\n</html>\r\n";
    response(StatusCode::BAD_GATEWAY, "text/html", Body::from(page))
}

/// Remove the member a JSON pointer names (`/data/key`).
/// Sets every `expires_at` to a date in 2023 and every list of scopes, roles or permissions
/// to another one ([`Mode::Contrary`]).
fn contradict(value: &mut Value) {
    match value {
        Value::Object(map) => {
            for (name, v) in map.iter_mut() {
                match (name.as_str(), &*v) {
                    ("expires_at", _) => *v = Value::from("2023-01-01T00:00:00Z"),
                    ("scopes" | "roles", Value::Array(_)) => {
                        *v = serde_json::json!(["admin:types:read"]);
                    }
                    ("permissions", Value::Object(_)) => {
                        *v = serde_json::json!({ "refunds": ["read"] });
                    }
                    _ => contradict(v),
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(contradict),
        _ => {}
    }
}

fn remove_pointer(value: &mut Value, pointer: &str) {
    let Some((parent, last)) = pointer.rsplit_once('/') else {
        return;
    };
    if let Some(Value::Object(map)) = value.pointer_mut(parent) {
        map.remove(last);
    }
}
