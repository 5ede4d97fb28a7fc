//! A team store on a real three-node OpenBao Raft cluster on loopback (SPEC §8): two members
//! create 50 keys between them while the leader is killed. Afterwards every key the provider
//! issued is in the store exactly once, no secret is lost, nothing is duplicated; creates
//! during the election either succeed (the key waits here if the store could not take it) or
//! fail with one clear line before the provider is called.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use keymint_tests::accounts::{key_fields, set_args, Setup};
use keymint_tests::bao::{add_store, BaoApi, WRITER};
use keymint_tests::bao_cluster::Cluster;
use keymint_tests::fakes::{Mode, Provider};
use keymint_tests::harness::{Env, Run};

/// Keys created per member.
const PER_MEMBER: usize = 25;

/// A line on the test's real stderr, shown even when the test passes.
fn note(s: &str) {
    use std::io::Write;
    let _ = writeln!(std::io::stderr(), "team_cluster: {s}");
}

/// Syncs `env` with the store until a sync succeeds (the cluster may still be electing).
fn sync_until_ok(env: &Env) -> serde_json::Value {
    let deadline = Instant::now() + Duration::from_secs(90);
    loop {
        let run = env.run(&["--json", "store", "sync", "team"], None);
        if run.code == 0 {
            return run.json()[0].clone();
        }
        assert!(
            Instant::now() < deadline,
            "sync never succeeded: {}",
            run.stderr
        );
        std::thread::sleep(Duration::from_millis(500));
    }
}

#[test]
fn a_leader_killed_during_creates_from_two_members_loses_and_duplicates_nothing() {
    let started = Instant::now();
    let mut cluster = Cluster::start(3);
    note(&format!(
        "3-node Raft cluster up in {:.1} s",
        started.elapsed().as_secs_f64()
    ));
    assert_eq!(cluster.leader(1), Some(0), "node 0 leads at start");
    cluster.policy("keymint-writer", WRITER);
    let s = Setup::new(Provider::Fireworks, Mode::Normal);
    // Each member talks to a follower; the leader is the node that dies.
    let a = &s.env;
    add_store(
        a,
        &cluster.nodes[1].address,
        "team",
        &cluster.token("keymint-writer", "1h"),
        &["--member", "ana"],
    )
    .ok();
    s.add_account("shared", &["--store", "team"]).ok();
    let b = Env::new();
    add_store(
        &b,
        &cluster.nodes[2].address,
        "team",
        &cluster.token("keymint-writer", "1h"),
        &["--member", "ben"],
    )
    .ok();
    sync_until_ok(&b);

    let done = Arc::new(AtomicUsize::new(0));
    let fields = set_args(&key_fields(Provider::Fireworks));
    let runs: Vec<(String, Run)> = std::thread::scope(|scope| {
        let workers: Vec<_> = [("ana", a), ("ben", &b)]
            .into_iter()
            .map(|(who, env)| {
                let done = Arc::clone(&done);
                let fields = fields.clone();
                scope.spawn(move || {
                    (0..PER_MEMBER)
                        .map(|i| {
                            let label = format!("{who}-{i:02}");
                            let mut args =
                                vec!["--json", "key", "create", "shared", "--label", &label];
                            args.extend(fields.iter().map(String::as_str));
                            let run = env.run(&args, None);
                            done.fetch_add(1, Ordering::SeqCst);
                            std::thread::sleep(Duration::from_millis(150));
                            (label.clone(), run)
                        })
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        // Kill the leader once a few keys are in.
        while done.load(Ordering::SeqCst) < 6 {
            std::thread::sleep(Duration::from_millis(20));
        }
        cluster.kill(0);
        note(&format!(
            "leader killed after {} creates",
            done.load(Ordering::SeqCst)
        ));
        workers
            .into_iter()
            .flat_map(|w| w.join().expect("worker"))
            .collect()
    });
    let election = cluster.wait_writable(1, Duration::from_secs(60));
    note(&format!(
        "new leader: node {:?}, writable {:.1} s after the creates ended",
        cluster.leader(1),
        election.as_secs_f64()
    ));

    // Every create either succeeded, or failed in one clear line with nothing made.
    let issued = s.fake.issued_secrets();
    let (ok, failed): (Vec<_>, Vec<_>) = runs.iter().partition(|(_, r)| r.code == 0);
    for (label, run) in &failed {
        assert!(
            matches!(run.code, 4 | 5),
            "{label}: exit {}: {}",
            run.code,
            run.stderr
        );
        assert!(
            run.stderr.contains("team store") || run.stderr.contains("Team store"),
            "{label}: {}",
            run.stderr
        );
        let lines = run.stderr.lines().count();
        assert!(
            (1..=2).contains(&lines),
            "{label}: one clear line: {}",
            run.stderr
        );
        assert!(issued
            .iter()
            .all(|secret| !run.stderr.contains(secret.as_str())));
    }
    assert_eq!(
        issued.len(),
        ok.len(),
        "a key was made at the provider only for each create that succeeded"
    );
    let waiting = ok
        .iter()
        .filter(|(_, r)| r.json()["store_state"] == "upload_pending")
        .count();
    for (label, run) in &ok {
        if run.json()["store_state"] == "upload_pending" {
            assert!(
                run.stderr.contains("the next sync uploads it"),
                "{label}: {}",
                run.stderr
            );
        }
    }
    note(&format!(
        "{} creates: {} succeeded ({} kept locally for upload), {} refused before the provider",
        runs.len(),
        ok.len(),
        waiting,
        failed.len()
    ));

    // Both members sync: what waited is uploaded. A member's own writes are read back
    // consistently (its reads carry the index of its latest write); another member's reach a
    // standby a moment later, so each member syncs until it sees every key.
    for env in [a, &b] {
        let report = sync_until_ok(env);
        assert!(
            report["conflicts"].as_array().is_some_and(Vec::is_empty),
            "{report}"
        );
        assert_eq!(report["still_pending"], 0, "{report}");
    }
    for (who, env) in [("ana", a), ("ben", &b)] {
        let mut syncs = 1;
        loop {
            let report = sync_until_ok(env);
            assert_eq!(
                report["keys_removed"], 0,
                "{who}: nothing is removed: {report}"
            );
            if report["keys_in_store"] == ok.len() {
                break;
            }
            assert!(
                syncs < 20,
                "{who} never saw all {} keys: {report}",
                ok.len()
            );
            syncs += 1;
            std::thread::sleep(Duration::from_millis(250));
        }
        note(&format!("{who} saw every key after {syncs} more sync(s)"));
    }
    let ids = cluster.kv_list("keymint/keys/shared");
    let missing: Vec<String> = ok
        .iter()
        .filter(|(_, r)| !ids.iter().any(|id| r.json()["id"] == id.as_str()))
        .map(|(label, r)| {
            let id = r.json()["id"].as_str().unwrap_or_default().to_owned();
            let owner = if label.starts_with("ana") { a } else { &b };
            let shown = owner.run(&["--json", "key", "show", &id], None);
            format!(
                "{label} ({id}) at create: {}; stderr: {}; now: {}",
                r.json()["store_state"],
                r.stderr.trim(),
                shown.stdout
            )
        })
        .collect();
    assert!(missing.is_empty(), "keys not in the store: {missing:#?}");

    // The store holds every issued secret exactly once, and nothing else.
    assert_eq!(ids.len(), ok.len(), "one entry per key: {ids:?}");
    let mut in_store: Vec<String> = ids
        .iter()
        .map(|id| {
            cluster
                .kv_get(&format!("keymint/keys/shared/{id}"))
                .and_then(|e| e["secret"].as_str().map(str::to_owned))
                .unwrap_or_else(|| panic!("entry {id} has its secret"))
        })
        .collect();
    in_store.sort();
    let mut expected = issued.clone();
    expected.sort();
    assert_eq!(in_store, expected, "every issued secret once, no other");
    for env in [a, &b] {
        let list = env.run(&["--json", "key", "list"], None).ok().json();
        let keys = list.as_array().expect("keys");
        assert_eq!(keys.len(), ok.len());
        assert!(
            keys.iter().all(|k| k["store_state"] == "uploaded"),
            "{list}"
        );
        assert!(
            !env.secret_tool_search().contains("key:"),
            "no key left in a member's keychain"
        );
    }
}
