//! What every provider module states, and the checks they share.

use axum::http::{HeaderMap, Method, StatusCode};
use chrono::{DateTime, SecondsFormat, Utc};
use serde_json::{Map, Value};

/// Decoded path and query parameters.
pub(crate) type Params = Vec<(String, String)>;

/// One provider's create-key contract.
pub(crate) struct Contract {
    pub base_path: &'static str,
    /// JSON pointer of the secret in the success body.
    pub secret_pointer: &'static str,
    /// Match the path (and query); decode the parameters in it.
    pub route: fn(&Call) -> Result<Params, Refusal>,
    /// Method, credential, content type, body.
    pub check: fn(&Call, &Params, &str) -> Result<(), Refusal>,
    /// Status and body of a success carrying `secret`. Lenient: the request may be invalid
    /// (misbehaving modes answer whatever came in).
    pub success: fn(&Call, &Params, &str) -> (StatusCode, Value),
    /// The provider's error body for a status and message.
    pub error_body: fn(StatusCode, &str) -> Value,
    pub documented_status: StatusCode,
    pub documented_message: &'static str,
    pub new_secret: fn(&str) -> String,
}

/// A request as the contract checks see it.
pub(crate) struct Call {
    pub method: Method,
    pub path: String,
    pub query: Option<String>,
    pub headers: HeaderMap,
    pub body: Vec<u8>,
}

impl Call {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// The body as a JSON object, or an empty one when it is not.
    pub fn lenient_object(&self) -> Map<String, Value> {
        match serde_json::from_slice(&self.body) {
            Ok(Value::Object(map)) => map,
            _ => Map::new(),
        }
    }
}

/// Why a request breaks the contract, and the status to answer with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Refusal {
    pub status: StatusCode,
    pub reason: String,
}

impl Refusal {
    pub fn new(status: StatusCode, reason: impl Into<String>) -> Refusal {
        Refusal {
            status,
            reason: reason.into(),
        }
    }
    pub fn bad(reason: impl Into<String>) -> Refusal {
        Refusal::new(StatusCode::BAD_REQUEST, reason)
    }
    pub fn unauthorized(reason: impl Into<String>) -> Refusal {
        Refusal::new(StatusCode::UNAUTHORIZED, reason)
    }
}

pub(crate) fn not_found(call: &Call, expected: &str) -> Refusal {
    Refusal::new(
        StatusCode::NOT_FOUND,
        format!("no route for {}; expected {expected}", call.path),
    )
}

/// Split `path` into segments and match it against `pattern` (`{name}` segments are
/// percent-decoded and returned).
pub(crate) fn match_path(call: &Call, pattern: &str) -> Result<Params, Refusal> {
    let got: Vec<&str> = call.path.split('/').collect();
    let want: Vec<&str> = pattern.split('/').collect();
    if got.len() != want.len() {
        return Err(not_found(call, pattern));
    }
    let mut params = Params::new();
    for (g, w) in got.iter().zip(&want) {
        if let Some(name) = w.strip_prefix('{').and_then(|w| w.strip_suffix('}')) {
            let value = percent_encoding::percent_decode_str(g)
                .decode_utf8()
                .map_err(|_| Refusal::bad(format!("{name} in the path is not UTF-8")))?;
            if value.is_empty() {
                return Err(Refusal::bad(format!("{name} in the path is empty")));
            }
            params.push((name.to_string(), value.into_owned()));
        } else if g != w {
            return Err(not_found(call, pattern));
        }
    }
    Ok(params)
}

/// Decode a form-style query string into pairs.
pub(crate) fn query_pairs(query: &str) -> Result<Params, Refusal> {
    let mut out = Params::new();
    for part in query.split('&').filter(|p| !p.is_empty()) {
        let (k, v) = part.split_once('=').unwrap_or((part, ""));
        let decode = |s: &str| {
            percent_encoding::percent_decode_str(&s.replace('+', " "))
                .decode_utf8()
                .map(|c| c.into_owned())
                .map_err(|_| Refusal::bad(format!("query parameter {k} is not UTF-8")))
        };
        out.push((decode(k)?, decode(v)?));
    }
    Ok(out)
}

pub(crate) fn expect_post(call: &Call) -> Result<(), Refusal> {
    if call.method == Method::POST {
        Ok(())
    } else {
        Err(Refusal::new(
            StatusCode::METHOD_NOT_ALLOWED,
            format!("method {} not allowed; create-key is POST", call.method),
        ))
    }
}

pub(crate) fn expect_bearer(call: &Call, credential: &str) -> Result<(), Refusal> {
    match call.header("authorization") {
        None => Err(Refusal::unauthorized("missing Authorization header")),
        Some(v) => match v.strip_prefix("Bearer ") {
            None => Err(Refusal::unauthorized(
                "Authorization header is not \"Bearer <token>\"",
            )),
            Some(token) if token == credential => Ok(()),
            Some(_) => Err(Refusal::unauthorized("invalid bearer token")),
        },
    }
}

pub(crate) fn expect_header(call: &Call, name: &str, expected: &str) -> Result<(), Refusal> {
    match call.header(name) {
        None => Err(Refusal::unauthorized(format!("missing {name} header"))),
        Some(v) if v == expected => Ok(()),
        Some(_) => Err(Refusal::unauthorized(format!("invalid {name}"))),
    }
}

/// Content type JSON, body a JSON object with only `allowed` fields and no `null` outside
/// the fields in `free_form` (whose content is the caller's own).
pub(crate) fn json_object(
    call: &Call,
    allowed: &[&str],
    free_form: &[&str],
) -> Result<Map<String, Value>, Refusal> {
    let content_type = call.header("content-type").unwrap_or("");
    let essence = content_type.split(';').next().unwrap_or("").trim();
    if !essence.eq_ignore_ascii_case("application/json") {
        return Err(Refusal::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            format!("content-type must be application/json, got {content_type:?}"),
        ));
    }
    let value: Value = serde_json::from_slice(&call.body)
        .map_err(|e| Refusal::bad(format!("body is not valid JSON: {e}")))?;
    let Value::Object(map) = value else {
        return Err(Refusal::bad("body must be a JSON object"));
    };
    for (key, value) in &map {
        if !allowed.contains(&key.as_str()) {
            return Err(Refusal::bad(format!(
                "unknown field {key:?}; allowed: {}",
                allowed.join(", ")
            )));
        }
        if !free_form.contains(&key.as_str()) {
            reject_nulls(value, key)?;
        }
    }
    Ok(map)
}

fn reject_nulls(value: &Value, at: &str) -> Result<(), Refusal> {
    match value {
        Value::Null => Err(Refusal::bad(format!(
            "{at} is null; omit empty optional fields instead"
        ))),
        Value::Array(items) => items
            .iter()
            .enumerate()
            .try_for_each(|(i, v)| reject_nulls(v, &format!("{at}[{i}]"))),
        Value::Object(map) => map
            .iter()
            .try_for_each(|(k, v)| reject_nulls(v, &format!("{at}.{k}"))),
        _ => Ok(()),
    }
}

/// A required or optional string field; `Some("")` is refused (omit it instead).
pub(crate) fn string_field<'a>(
    map: &'a Map<String, Value>,
    field: &str,
    required: bool,
) -> Result<Option<&'a str>, Refusal> {
    match map.get(field) {
        None if required => Err(Refusal::bad(format!("{field} is required"))),
        None => Ok(None),
        Some(Value::String(s)) if s.trim().is_empty() => {
            Err(Refusal::bad(format!("{field} must not be empty")))
        }
        Some(Value::String(s)) => Ok(Some(s)),
        Some(_) => Err(Refusal::bad(format!("{field} must be a string"))),
    }
}

/// An optional RFC 3339 timestamp that must lie in the future (SPEC: a past expiry is
/// refused before any request is sent, so one arriving here is a client bug).
pub(crate) fn future_time(
    map: &Map<String, Value>,
    field: &str,
) -> Result<Option<DateTime<Utc>>, Refusal> {
    let Some(text) = string_field(map, field, false)? else {
        return Ok(None);
    };
    let at = DateTime::parse_from_rfc3339(text)
        .map_err(|e| Refusal::bad(format!("{field} is not an RFC 3339 date-time: {e}")))?
        .with_timezone(&Utc);
    if at <= Utc::now() {
        return Err(Refusal::bad(format!("{field} must be in the future")));
    }
    Ok(Some(at))
}

pub(crate) fn rfc3339(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(SecondsFormat::Secs, true)
}

pub(crate) fn now() -> String {
    rfc3339(Utc::now())
}

pub(crate) fn param<'a>(params: &'a Params, name: &str, default: &'a str) -> &'a str {
    params
        .iter()
        .find(|(n, _)| n == name)
        .map_or(default, |(_, v)| v.as_str())
}
