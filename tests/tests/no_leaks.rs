//! No secret lands outside the keychain: every workflow across all five providers, with
//! trace logging on, then every byte Keymint wrote (inventory files, stderr, and stdout of
//! the commands that do not print secrets by design) is scanned for every secret and
//! credential used. (Concurrent writers: `concurrency.rs`.)

use keymint_tests::accounts::Setup;
use keymint_tests::fakes::{Mode, Provider, DEFAULT_CREDENTIAL};
use keymint_tests::harness::{contains_bytes, Env, Run};

#[test]
fn no_secret_or_credential_outside_the_keychain() {
    let mut captured: Vec<u8> = Vec::new();
    let mut secrets: Vec<String> = vec![DEFAULT_CREDENTIAL.to_owned()];
    let mut dirs = Vec::new();
    let mut keep = |run: Run, stdout_may_hold_secret: bool| -> Run {
        captured.extend_from_slice(run.stderr.as_bytes());
        if !stdout_may_hold_secret {
            captured.extend_from_slice(run.stdout.as_bytes());
        }
        run
    };
    for p in Provider::ALL {
        let mut env = Env::new();
        env.vars.push(("KEYMINT_LOG".into(), "trace".into()));
        let s = Setup::with_env(p, Mode::Normal, env, std::time::Duration::from_secs(1));
        if let Some(pki) = &s.pki {
            secrets.push(
                std::fs::read_to_string(&pki.client_key_pem)
                    .expect("key pem")
                    .lines()
                    .nth(1)
                    .unwrap_or("")
                    .to_owned(),
            );
        }
        keep(s.create("leak check", &["--expires", "10d"]).ok(), false);
        keep(s.env.run(&["key", "list"], None).ok(), false);
        keep(
            s.env
                .run(&["--json", "key", "show", "leak check"], None)
                .ok(),
            false,
        );
        keep(s.env.run(&["key", "secret", "leak check"], None).ok(), true);
        keep(
            s.env
                .run(&["exec", "--env", "K=leak check", "--", "true"], None)
                .ok(),
            false,
        );
        keep(
            s.env
                .run(
                    &["key", "import", &s.account, "--label", "imported"],
                    Some("imported-secret-0123456789-abcdef"),
                )
                .ok(),
            false,
        );
        keep(s.env.run(&["key", "forget", "imported"], None).ok(), false);
        // A provider error and a bad response must not echo the credential either.
        s.fake.set_mode(Mode::DocumentedError);
        keep(s.create("refused", &[]), false);
        s.fake.set_mode(Mode::NoSecret);
        keep(s.create("no secret", &[]), false);
        // A server that quotes the credential it received in its error message.
        s.fake.set_mode(Mode::EchoCredential);
        let echoed = keep(s.create("echo", &[]), false);
        if p != Provider::HellgateCommerce {
            assert!(
                echoed.stderr.contains("invalid credential")
                    && echoed.stderr.contains("[redacted]"),
                "{p:?}: the fake echoed the credential and Keymint showed the message: {}",
                echoed.stderr
            );
        }
        keep(s.env.run(&["--json", "doctor"], None).ok(), false);
        secrets.extend(s.fake.issued_secrets());
        dirs.push(s.env.db_bytes());
    }
    secrets.push("imported-secret-0123456789-abcdef".to_owned());
    // The scan means something only if trace logging really ran (the fmt subscriber writes
    // the level of each line) and saw the requests.
    let text = String::from_utf8_lossy(&captured);
    let trace_lines = text.lines().filter(|l| l.contains("TRACE")).count();
    assert!(
        trace_lines >= 10,
        "trace logging produced {trace_lines} TRACE lines to scan"
    );
    let mut hits = Vec::new();
    for secret in secrets.iter().filter(|s| s.len() >= 16) {
        if contains_bytes(&captured, secret.as_bytes()) {
            hits.push(format!("output: {}…", &secret[..6]));
        }
        for db in &dirs {
            if contains_bytes(db, secret.as_bytes()) {
                hits.push(format!("inventory: {}…", &secret[..6]));
            }
        }
    }
    assert!(hits.is_empty(), "secrets leaked: {hits:?}");
    assert!(secrets.len() >= 8, "scanned {} secrets", secrets.len());
}
