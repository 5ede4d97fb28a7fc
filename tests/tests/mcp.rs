//! `keymint mcp` (SPEC §7): the Model Context Protocol server, spoken to line by line over
//! its stdin/stdout, with valid and hostile arguments. Every byte it writes is scanned for
//! the inventory's secrets and the account credential: no answer may hold one. Then an
//! independent client, the official Python SDK (tests/mcp_client.py), talks to it too.

use std::io::{BufRead, BufReader, Read, Write};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc::{self, Receiver};
use std::time::Duration;

use keymint_tests::accounts::{offline_account, Setup};
use keymint_tests::fakes::{Mode, Provider, DEFAULT_CREDENTIAL};
use keymint_tests::harness::{contains_bytes, target_bin, Env};
use serde_json::{json, Value};

const API: &str = "sk-mcp-api-0123456789abcdef0123";
const SLASH: &str = "sk-mcp-slash-fedcba9876543210";
const SOON: &str = "sk-mcp-soon-5555555555555555";
const TOOLS: [&str; 5] = [
    "check_references",
    "create_key",
    "key_reference",
    "list_keys",
    "list_providers",
];
/// How long one answer may take.
const ANSWER_WITHIN: Duration = Duration::from_secs(30);

/// A Fireworks account against its fake (for create_key), and accounts `prod` and `a b`
/// with imported keys whose secrets are known.
fn inventory() -> Setup {
    let s = Setup::new(Provider::Fireworks, Mode::Normal);
    offline_account(&s.env, "prod");
    offline_account(&s.env, "a b");
    for (account, label, secret, expires) in [
        ("prod", "api", API, None),
        ("a b", "x/y", SLASH, None),
        ("prod", "soon", SOON, Some("3d")),
    ] {
        let mut args = vec!["key", "import", account, "--label", label];
        if let Some(e) = expires {
            args.extend(["--expires", e]);
        }
        s.env.run(&args, Some(secret)).ok();
    }
    s
}

/// A running `keymint mcp` and everything it wrote.
struct Session {
    child: Child,
    stdin: Option<ChildStdin>,
    lines: Receiver<String>,
    stdout: Vec<u8>,
    stderr: std::thread::JoinHandle<Vec<u8>>,
    next_id: u64,
}

impl Session {
    fn start(env: &Env, extra_env: &[(&str, &str)]) -> Self {
        let mut cmd = env.command(&["mcp"]);
        for (k, v) in extra_env {
            cmd.env(k, v);
        }
        let mut child = cmd
            .env_remove("KEYMINT_LOG")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start keymint mcp");
        let stdin = child.stdin.take();
        let stdout = child.stdout.take().expect("stdout");
        let mut stderr = child.stderr.take().expect("stderr");
        let (tx, lines) = mpsc::channel();
        std::thread::spawn(move || {
            let mut reader = BufReader::new(stdout);
            loop {
                let mut line = String::new();
                match reader.read_line(&mut line) {
                    Ok(0) | Err(_) => break,
                    Ok(_) => {
                        if tx.send(line).is_err() {
                            break;
                        }
                    }
                }
            }
        });
        let stderr = std::thread::spawn(move || {
            let mut all = Vec::new();
            let _ = stderr.read_to_end(&mut all);
            all
        });
        Self {
            child,
            stdin,
            lines,
            stdout: Vec::new(),
            stderr,
            next_id: 1,
        }
    }

    /// Writes one raw line.
    fn send_line(&mut self, line: &str) {
        let stdin = self.stdin.as_mut().expect("stdin open");
        stdin.write_all(line.as_bytes()).expect("write");
        stdin.write_all(b"\n").expect("write");
        stdin.flush().expect("flush");
    }

    /// The next message the server writes.
    fn receive(&mut self) -> Value {
        let line = self
            .lines
            .recv_timeout(ANSWER_WITHIN)
            .expect("the server answers in time");
        self.stdout.extend_from_slice(line.as_bytes());
        serde_json::from_str(&line)
            .unwrap_or_else(|e| panic!("stdout holds only JSON-RPC lines ({e}): {line:?}"))
    }

    /// Sends a request and waits for the response with its id.
    fn request(&mut self, method: &str, params: Value) -> Value {
        let id = self.next_id;
        self.next_id += 1;
        let msg = json!({ "jsonrpc": "2.0", "id": id, "method": method, "params": params });
        self.send_line(&msg.to_string());
        self.response(id)
    }

    fn response(&mut self, id: u64) -> Value {
        loop {
            let msg = self.receive();
            if msg["id"] == json!(id) {
                return msg;
            }
            // Notifications, and errors about lines that were no request (id null).
            assert!(
                msg.get("id").is_none_or(Value::is_null),
                "an answer to another request: {msg}"
            );
        }
    }

    fn notify(&mut self, method: &str) {
        self.send_line(&json!({ "jsonrpc": "2.0", "method": method }).to_string());
    }

    fn initialize(&mut self) -> Value {
        let init = self.request(
            "initialize",
            json!({
                "protocolVersion": "2025-06-18",
                "capabilities": {},
                "clientInfo": { "name": "keymint-tests", "version": "1" },
            }),
        );
        self.notify("notifications/initialized");
        init
    }

    /// `tools/call`: the result, which must be a tool result (not a protocol error).
    fn call(&mut self, tool: &str, arguments: Value) -> ToolAnswer {
        let msg = self.request(
            "tools/call",
            json!({ "name": tool, "arguments": arguments }),
        );
        let result = msg
            .get("result")
            .unwrap_or_else(|| panic!("{tool} {arguments}: no result: {msg}"));
        let text: String = result["content"]
            .as_array()
            .expect("content")
            .iter()
            .filter_map(|c| c["text"].as_str())
            .collect();
        ToolAnswer {
            is_error: result["isError"] == json!(true),
            text,
        }
    }

    /// A successful call's JSON.
    #[track_caller]
    fn ok(&mut self, tool: &str, arguments: Value) -> Value {
        let a = self.call(tool, arguments.clone());
        assert!(!a.is_error, "{tool} {arguments}: {}", a.text);
        serde_json::from_str(&a.text)
            .unwrap_or_else(|e| panic!("{tool}: not JSON ({e}): {}", a.text))
    }

    /// A call that fails, as a tool error or a JSON-RPC error: its message.
    #[track_caller]
    fn refused(&mut self, tool: &str, arguments: Value) -> String {
        let msg = self.request(
            "tools/call",
            json!({ "name": tool, "arguments": arguments }),
        );
        if let Some(e) = msg.get("error") {
            return e.to_string();
        }
        let result = &msg["result"];
        let text = result["content"].to_string();
        let shown: String = text.chars().take(300).collect();
        assert_eq!(result["isError"], json!(true), "{tool}: accepted: {shown}");
        text
    }

    /// Closes stdin; the server must end by itself. Returns (stdout, stderr).
    fn finish(mut self) -> (Vec<u8>, Vec<u8>) {
        drop(self.stdin.take());
        let deadline = std::time::Instant::now() + ANSWER_WITHIN;
        let status = loop {
            if let Some(s) = self.child.try_wait().expect("wait") {
                break s;
            }
            assert!(
                std::time::Instant::now() < deadline,
                "keymint mcp did not end when its stdin closed"
            );
            std::thread::sleep(Duration::from_millis(20));
        };
        while let Ok(line) = self.lines.recv_timeout(Duration::from_secs(1)) {
            self.stdout.extend_from_slice(line.as_bytes());
        }
        let stderr = self.stderr.join().expect("stderr");
        assert!(
            status.success(),
            "{status}: {}",
            String::from_utf8_lossy(&stderr)
        );
        (self.stdout, stderr)
    }
}

struct ToolAnswer {
    is_error: bool,
    text: String,
}

/// Asserts that none of `secrets` is anywhere in `bytes`.
#[track_caller]
fn assert_no_secret(what: &str, bytes: &[u8], secrets: &[String]) {
    assert!(!bytes.is_empty() || what == "stderr", "{what} is empty");
    for s in secrets {
        assert!(
            !contains_bytes(bytes, s.as_bytes()),
            "{what} holds the secret {s}"
        );
    }
}

fn known_secrets(s: &Setup) -> Vec<String> {
    let mut all: Vec<String> = [API, SLASH, SOON, DEFAULT_CREDENTIAL]
        .map(String::from)
        .to_vec();
    all.extend(s.fake.issued_secrets());
    all
}

#[test]
fn every_tool_answers_with_metadata_and_references_never_a_secret() {
    let s = inventory();
    let mut m = Session::start(&s.env, &[]);
    let init = m.initialize();
    let result = &init["result"];
    assert_eq!(result["serverInfo"]["name"], "keymint", "{init}");
    let instructions = result["instructions"].as_str().unwrap_or("");
    assert!(
        instructions.contains("never secret values") && instructions.contains("keymint run"),
        "{instructions}"
    );
    assert!(result["capabilities"]["tools"].is_object(), "{init}");

    // tools/list: the five tools, each with an object input schema.
    let list = m.request("tools/list", json!({}));
    let tools = list["result"]["tools"].as_array().expect("tools");
    let mut names: Vec<&str> = tools.iter().filter_map(|t| t["name"].as_str()).collect();
    names.sort_unstable();
    assert_eq!(names, TOOLS, "{list}");
    for t in tools {
        assert_eq!(t["inputSchema"]["type"], "object", "{t}");
        assert!(
            t["description"].as_str().is_some_and(|d| !d.is_empty()),
            "{t}"
        );
    }
    let schema = |name: &str| {
        tools
            .iter()
            .find(|t| t["name"] == name)
            .map(|t| t["inputSchema"].clone())
            .expect("tool")
    };
    assert_eq!(schema("key_reference")["required"], json!(["key"]));
    assert_eq!(
        schema("create_key")["required"],
        json!(["account", "label"])
    );
    assert!(schema("list_keys")["properties"]["limit"].is_object());
    assert!(schema("check_references")["properties"]["references"].is_object());

    // list_providers
    let providers = m.ok("list_providers", json!({}));
    let fireworks = providers["providers"]
        .as_array()
        .expect("providers")
        .iter()
        .find(|p| p["id"] == "fireworks")
        .unwrap_or_else(|| panic!("{providers}"))
        .clone();
    assert!(fireworks["name"].is_string() && fireworks["key_fields"].is_array());

    // list_keys: metadata only.
    let keys = m.ok("list_keys", json!({}));
    let listed = keys["keys"].as_array().expect("keys");
    assert_eq!(listed.len(), 3, "{keys}");
    for k in listed {
        let mut fields: Vec<&str> = k
            .as_object()
            .expect("key")
            .keys()
            .map(String::as_str)
            .collect();
        fields.sort_unstable();
        assert_eq!(
            fields,
            [
                "account",
                "created_at",
                "expires_at",
                "hint",
                "id",
                "label",
                "provider",
                "reference",
                "status",
                "superseded_by"
            ],
            "{k}"
        );
    }
    let refs: Vec<&str> = listed
        .iter()
        .filter_map(|k| k["reference"].as_str())
        .collect();
    assert!(refs.contains(&"keymint://a%20b/x%2Fy"), "{keys}");
    let one = m.ok("list_keys", json!({ "limit": 1 }));
    assert_eq!(one["keys"].as_array().map(Vec::len), Some(1), "{one}");
    assert_eq!(one["total"], 3, "{one}");
    let by_account = m.ok("list_keys", json!({ "account": "prod" }));
    assert_eq!(
        by_account["keys"].as_array().map(Vec::len),
        Some(2),
        "{by_account}"
    );
    let expiring = m.ok("list_keys", json!({ "status": "expiring" }));
    assert_eq!(expiring["keys"][0]["label"], "soon", "{expiring}");
    let searched = m.ok("list_keys", json!({ "search": "x/y" }));
    assert_eq!(searched["keys"][0]["account"], "a b", "{searched}");
    let none = m.ok(
        "list_keys",
        json!({ "provider": "nobody", "search": "'\"%_*" }),
    );
    assert_eq!(none["keys"], json!([]), "{none}");

    // key_reference
    let id = listed
        .iter()
        .find(|k| k["label"] == "api")
        .and_then(|k| k["id"].as_str())
        .expect("id")
        .to_owned();
    for key in ["api", id.as_str(), &id[..8]] {
        let r = m.ok("key_reference", json!({ "key": key }));
        assert_eq!(r["reference"], "keymint://prod/api", "{key}: {r}");
    }
    let r = m.ok("key_reference", json!({ "key": "x/y" }));
    assert_eq!(r["reference"], "keymint://a%20b/x%2Fy", "{r}");
    let missing = m.call("key_reference", json!({ "key": "no-such-key" }));
    assert!(missing.is_error, "{}", missing.text);
    assert!(missing.text.starts_with("not_found: "), "{}", missing.text);

    // check_references
    let fine = m.ok(
        "check_references",
        json!({ "references": ["keymint://prod/api", "keymint://a%20b/x%2Fy"] }),
    );
    assert_eq!(fine["problems"], json!([]), "{fine}");
    let problems = m.ok(
        "check_references",
        json!({ "references": ["keymint://prod/soon", "keymint://prod/none"], "within": "14d" }),
    );
    let kinds: Vec<&str> = problems["problems"]
        .as_array()
        .expect("problems")
        .iter()
        .filter_map(|p| p["kind"].as_str())
        .collect();
    assert!(
        kinds.contains(&"expiring") && kinds.contains(&"unresolved"),
        "{problems}"
    );
    let short = m.ok(
        "check_references",
        json!({ "references": ["keymint://prod/soon"], "within": "1d" }),
    );
    assert_eq!(short["problems"], json!([]), "{short}");
    let malformed = m.call(
        "check_references",
        json!({ "references": ["keymint://prod"] }),
    );
    assert!(malformed.is_error, "{}", malformed.text);
    assert!(
        malformed.text.starts_with("validation: "),
        "{}",
        malformed.text
    );

    // Hostile arguments: each is refused, and the server keeps serving.
    let huge = "k".repeat(1 << 20);
    let huge_ref = format!("keymint://prod/{huge}");
    let many: Vec<String> = (0..5000).map(|i| format!("keymint://prod/k{i}")).collect();
    for (tool, args) in [
        ("list_keys", json!({ "limit": 0 })),
        ("list_keys", json!({ "limit": 100_000 })),
        ("list_keys", json!({ "limit": -1 })),
        ("list_keys", json!({ "limit": "ten" })),
        ("list_keys", json!({ "status": "leaked" })),
        ("list_keys", json!({ "search": huge })),
        ("list_keys", json!({ "search": "a\u{0}b" })),
        ("list_keys", json!({ "secret": true })),
        ("list_keys", json!([1, 2])),
        ("key_reference", json!({})),
        ("key_reference", json!({ "key": 42 })),
        ("key_reference", json!({ "key": huge })),
        (
            "key_reference",
            json!({ "key": "\u{1b}]52;c;aGFja2Vk\u{7}" }),
        ),
        (
            "check_references",
            json!({ "references": "keymint://prod/api" }),
        ),
        ("check_references", json!({ "references": [] })),
        ("check_references", json!({ "references": [huge_ref] })),
        ("check_references", json!({ "references": many })),
        (
            "check_references",
            json!({ "references": ["not a reference"] }),
        ),
        (
            "check_references",
            json!({ "references": ["keymint://prod/api"], "within": "forever" }),
        ),
        ("create_key", json!({ "account": "prod" })),
        ("no_such_tool", json!({})),
    ] {
        let said = m.refused(tool, args);
        assert!(
            said.len() < 4096,
            "{tool}: an answer that long: {} bytes",
            said.len()
        );
    }
    // Not even JSON, an unknown method: JSON-RPC errors, and it goes on.
    m.send_line("{not json");
    m.send_line(&format!(
        "{{\"jsonrpc\":\"2.0\",\"id\":\"{}\"}}",
        "x".repeat(17 << 20)
    ));
    let unknown = m.request("keys/dump", json!({}));
    assert!(unknown.get("error").is_some(), "{unknown}");
    let again = m.ok("key_reference", json!({ "key": "api" }));
    assert_eq!(again["reference"], "keymint://prod/api");

    // create_key: refused while agents_may_create is off; the provider is not asked.
    let off = m.call(
        "create_key",
        json!({ "account": s.account, "label": "from-agent" }),
    );
    assert!(off.is_error, "{}", off.text);
    assert!(
        off.text
            .contains("keymint settings set agents_may_create on"),
        "{}",
        off.text
    );
    assert!(s.fake.requests().is_empty(), "the provider was asked");

    s.env
        .run(&["settings", "set", "agents_may_create", "on"], None)
        .ok();
    let created = m.ok(
        "create_key",
        json!({ "account": s.account, "label": "from-agent", "expires": "30d", "fields": {} }),
    );
    let reference = format!("keymint://{}/from-agent", s.account);
    assert_eq!(created["reference"], json!(reference), "{created}");
    assert_eq!(created["stored"], true, "{created}");
    assert_eq!(created["key"]["status"], "stored", "{created}");
    assert_eq!(s.fake.issued_secrets().len(), 1);
    for (args, says) in [
        (json!({ "account": "nobody", "label": "x" }), "not_found: "),
        (
            json!({ "account": s.account, "label": "bad", "fields": { "f": 5 } }),
            "validation: ",
        ),
        (
            json!({ "account": s.account, "label": "" , "expires": "yesterday" }),
            "validation: ",
        ),
        (
            json!({ "account": s.account, "label": huge }),
            "validation: ",
        ),
    ] {
        let a = m.call("create_key", args);
        assert!(a.is_error && a.text.starts_with(says), "{}", a.text);
    }
    assert_eq!(
        s.fake.issued_secrets().len(),
        1,
        "a refused create asked the provider"
    );
    // The new key is listed and checked like any other.
    let r = m.ok("key_reference", json!({ "key": "from-agent" }));
    assert_eq!(r["reference"], json!(reference));
    let fine = m.ok("check_references", json!({ "references": [reference] }));
    assert_eq!(fine["problems"], json!([]), "{fine}");

    let (stdout, stderr) = m.finish();
    let secrets = known_secrets(&s);
    assert_eq!(secrets.len(), 5);
    assert_no_secret("stdout", &stdout, &secrets);
    assert_no_secret("stderr", &stderr, &secrets);
    // The secret is kept where it belongs.
    let run = s
        .env
        .run(
            &["read", &format!("keymint://{}/from-agent", s.account)],
            None,
        )
        .ok();
    assert_eq!(run.stdout.trim_end(), s.fake.issued_secrets()[0]);
}

#[test]
fn a_create_whose_secret_cannot_be_stored_answers_without_the_secret() {
    let s = Setup::new(Provider::Fireworks, Mode::Normal);
    s.env
        .run(&["settings", "set", "agents_may_create", "on"], None)
        .ok();
    let mut m = Session::start(&s.env, &[("KEYMINT_FAULT", "vault_write:fail")]);
    m.initialize();
    let created = m.ok(
        "create_key",
        json!({ "account": s.account, "label": "unstored" }),
    );
    assert_eq!(created["stored"], false, "{created}");
    assert_eq!(created["key"]["status"], "not_stored", "{created}");
    let warnings = created["warnings"].to_string();
    assert!(
        warnings.contains("not stored") && warnings.contains("Keymint app or CLI"),
        "{warnings}"
    );
    let (stdout, stderr) = m.finish();
    assert_eq!(s.fake.issued_secrets().len(), 1);
    let secrets = known_secrets(&s);
    assert_no_secret("stdout", &stdout, &secrets);
    assert_no_secret("stderr", &stderr, &secrets);
}

/// A keychain that refuses writes refuses the create before the provider is asked: the
/// secret could go nowhere else.
#[test]
fn a_keychain_that_refuses_writes_refuses_the_create_before_the_provider() {
    let s = Setup::new(Provider::Fireworks, Mode::Normal);
    s.env
        .run(&["settings", "set", "agents_may_create", "on"], None)
        .ok();
    let mut m = Session::start(&s.env, &[("KEYMINT_FAULT", "vault_probe:fail")]);
    m.initialize();
    let refusal = m.refused(
        "create_key",
        json!({ "account": s.account, "label": "never-sent" }),
    );
    assert!(refusal.contains("keychain_unavailable"), "{refusal}");
    m.finish();
    assert_eq!(s.fake.request_count(), 0, "the provider was asked");
    let list = s.env.run(&["--json", "key", "list"], None).ok().json();
    assert_eq!(list.as_array().map(Vec::len), Some(0), "{list}");
}

/// A keychain write that fails once after the provider answered is retried: the key ends
/// stored, its secret in the keychain.
#[test]
fn a_keychain_write_that_fails_once_is_retried() {
    let s = Setup::new(Provider::Fireworks, Mode::Normal);
    s.env
        .run(&["settings", "set", "agents_may_create", "on"], None)
        .ok();
    let mut m = Session::start(&s.env, &[("KEYMINT_FAULT", "vault_write:fail_once")]);
    m.initialize();
    let created = m.ok(
        "create_key",
        json!({ "account": s.account, "label": "retried" }),
    );
    assert_eq!(created["stored"], true, "{created}");
    m.finish();
    let secret = s.env.run(&["key", "secret", "retried"], None).ok();
    assert_eq!(secret.stdout.trim_end(), s.fake.issued_secrets()[0]);
}

#[test]
fn the_official_python_sdk_lists_tools_and_gets_references() {
    let s = inventory();
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/mcp_client.py");
    let check = Command::new("python3")
        .args(["-c", "import mcp"])
        .output()
        .expect("python3 runs");
    assert!(
        check.status.success(),
        "the Python package `mcp` is missing (`make test` installs it: pip install mcp): {}",
        String::from_utf8_lossy(&check.stderr)
    );
    // The same environment `keymint` gets from the harness (keychain service, keyring).
    let template = s.env.command(&[]);
    let mut cmd = Command::new("python3");
    cmd.arg(script)
        .arg(target_bin("keymint"))
        .arg(&s.env.dir)
        .arg("x/y");
    for (k, v) in template.get_envs() {
        match v {
            Some(v) => cmd.env(k, v),
            None => cmd.env_remove(k),
        };
    }
    let out = cmd.output().expect("run the Python client");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{}\n{stderr}", out.status);
    let answer: Value = serde_json::from_str(stdout.trim())
        .unwrap_or_else(|e| panic!("not JSON ({e}): {stdout}\n{stderr}"));
    assert_eq!(answer["server"], "keymint", "{answer}");
    assert_eq!(answer["tools"], json!(TOOLS), "{answer}");
    for t in TOOLS {
        assert_eq!(answer["schemas"][t]["type"], "object", "{t}: {answer}");
    }
    assert_eq!(answer["list_keys"]["is_error"], false, "{answer}");
    let keys: Value = serde_json::from_str(answer["list_keys"]["text"][0].as_str().unwrap_or(""))
        .expect("list_keys JSON");
    assert_eq!(keys["keys"].as_array().map(Vec::len), Some(3), "{keys}");
    assert_eq!(answer["key_reference"]["is_error"], false, "{answer}");
    let reference: Value =
        serde_json::from_str(answer["key_reference"]["text"][0].as_str().unwrap_or(""))
            .expect("key_reference JSON");
    assert_eq!(
        reference["reference"], "keymint://a%20b/x%2Fy",
        "{reference}"
    );
    assert_eq!(answer["missing"]["is_error"], true, "{answer}");
    let secrets = known_secrets(&s);
    assert_no_secret(
        "the Python client's output",
        out.stdout.as_slice(),
        &secrets,
    );
    assert_no_secret("stderr", out.stderr.as_slice(), &secrets);
}
