//! Reading many secrets at once (`Vault::get_many`, used by `run`, `check` and `scan`) against
//! the real Secret Service: every value right, missing items reported as missing, an
//! ambiguous user never answered with one of its items' secrets — and in a few D-Bus calls
//! rather than several per item (counted with `dbus-monitor`, not timed).

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use keymint_core::vault::{Item, KeyringVault, Vault};
use keymint_core::{Error, ExposeSecret, SecretString};
use keymint_tests::harness::unique;

const ITEMS: usize = 200;

/// `dbus-monitor` counting method calls to the Secret Service, ready once it has become a
/// monitor (it then announces the loss of its own name).
struct Monitor {
    child: Child,
    calls: mpsc::Receiver<String>,
}

impl Monitor {
    fn start() -> Self {
        let mut child = Command::new("dbus-monitor")
            .args([
                "--session",
                "type='method_call',destination='org.freedesktop.secrets'",
            ])
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("dbus-monitor (package dbus-bin)");
        let out = child.stdout.take().expect("stdout");
        let (ready_tx, ready_rx) = mpsc::channel();
        let (tx, calls) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(out).lines().map_while(Result::ok) {
                if line.contains("member=NameLost") {
                    let _ = ready_tx.send(());
                } else if line.starts_with("method call") {
                    let member = line.split("member=").nth(1).unwrap_or_default().to_owned();
                    if tx.send(member).is_err() {
                        break;
                    }
                }
            }
        });
        ready_rx
            .recv_timeout(Duration::from_secs(10))
            .expect("dbus-monitor became a monitor");
        Self { child, calls }
    }

    /// The calls seen so far, once `marker` (a call made after the measured ones) arrived.
    fn calls_until(&self, marker: &str) -> Vec<String> {
        let mut seen = Vec::new();
        loop {
            let member = self
                .calls
                .recv_timeout(Duration::from_secs(10))
                .expect("the marker call reached the monitor");
            if member == marker {
                return seen;
            }
            seen.push(member);
        }
    }
}

impl Drop for Monitor {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn item(n: usize) -> Item {
    Item {
        user: format!("key:batch-{n}"),
        label: format!("Keymint: test / batch / {n}"),
    }
}

fn secret(n: usize) -> String {
    format!("sk-batch-{n:04}-{}", "x".repeat(n % 7))
}

#[test]
fn many_secrets_are_read_in_a_few_calls_and_right() {
    let service = unique("keymint-batch");
    let vault = KeyringVault::new(service.clone(), Duration::from_secs(20));
    for n in 0..ITEMS {
        vault
            .set(&item(n), &SecretString::from(secret(n)))
            .expect("store");
    }
    // A second item for one user (another program's, with an extra attribute): neither
    // secret may be handed out as that user's.
    let ambiguous = item(ITEMS + 1);
    vault
        .set(&ambiguous, &SecretString::from("first".to_owned()))
        .expect("store");
    let ss = secret_service::blocking::SecretService::connect(secret_service::EncryptionType::Dh)
        .expect("secret service");
    ss.get_default_collection()
        .expect("default collection")
        .create_item(
            "another program's item",
            std::collections::HashMap::from([
                ("service", service.as_str()),
                ("username", ambiguous.user.as_str()),
                ("other", "1"),
            ]),
            b"second",
            false,
            "text/plain",
        )
        .expect("second item");

    let mut wanted: Vec<Item> = (0..ITEMS).map(item).collect();
    wanted.push(item(ITEMS + 7)); // never stored
    wanted.push(ambiguous);

    let monitor = Monitor::start();
    let results = vault.get_many(&wanted);
    // A call after the batch marks its end in the monitor's stream.
    let _ = ss.get_collection_by_alias("keymint-test-marker");
    let calls = monitor.calls_until("ReadAlias");
    drop(monitor);

    assert_eq!(results.len(), ITEMS + 2);
    for (n, r) in results.iter().take(ITEMS).enumerate() {
        match r {
            Ok(s) => assert_eq!(s.expose_secret(), secret(n), "item {n}"),
            Err(e) => panic!("item {n}: {e}"),
        }
    }
    assert!(
        matches!(results[ITEMS], Err(Error::SecretMissing(_))),
        "a never-stored item is missing"
    );
    match &results[ITEMS + 1] {
        Ok(s) => panic!(
            "an ambiguous user was answered with one item's secret ({} bytes)",
            s.expose_secret().len()
        ),
        Err(e) => assert!(!matches!(e, Error::SecretMissing(_)), "{e}"),
    }
    // Per item through keyring-core: a search and a read each (>= 2 x 200). Batched: one
    // search, one attribute read per item of the service, one GetSecrets, and the usual
    // path for the one ambiguous user.
    let get_secret = calls.iter().filter(|m| m.as_str() == "GetSecret").count();
    let get_secrets = calls.iter().filter(|m| m.as_str() == "GetSecrets").count();
    let searches = calls.iter().filter(|m| m.as_str() == "SearchItems").count();
    assert_eq!(get_secrets, 1, "one GetSecrets for the batch: {calls:?}");
    assert!(
        get_secret <= 1 && searches <= 3,
        "{get_secret} GetSecret and {searches} SearchItems calls for {} items",
        wanted.len()
    );
    println!(
        "{} items: {} calls to the Secret Service ({searches} SearchItems, {get_secrets} GetSecrets, {get_secret} GetSecret)",
        wanted.len(),
        calls.len()
    );
}
