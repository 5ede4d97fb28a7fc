//! Coding-agent sessions (SPEC §7): in one, commands that would print a secret into the
//! agent's transcript are refused unless a reason is given, which the audit trail keeps.

use keymint_tests::accounts::{offline_account, Setup};
use keymint_tests::fakes::{Mode, Provider};
use keymint_tests::harness::{Env, Run};

const SECRET: &str = "sk-agent-visible-0123456789abcdef";

fn inventory() -> Env {
    let env = Env::new();
    offline_account(&env, "prod");
    env.run(&["key", "import", "prod", "--label", "api"], Some(SECRET))
        .ok();
    env
}

/// `keymint args` as a coding agent's shell would run it (`var=1` set).
fn as_agent(env: &Env, var: &str, args: &[&str]) -> Run {
    env.command(args)
        .env(var, "1")
        .output()
        .expect("run keymint")
        .into()
}

#[test]
fn secret_printing_commands_need_a_reason_in_an_agent_session() {
    let env = inventory();
    let tpl = env.dir.join("t.tpl");
    std::fs::write(&tpl, "k={{ keymint://prod/api }}\n").expect("template");
    let tpl = tpl.display().to_string();
    for args in [
        vec!["read", "keymint://prod/api"],
        vec!["key", "secret", "api"],
        vec!["key", "copy", "api"],
        vec!["inject", "-i", &tpl],
    ] {
        for var in ["CLAUDECODE", "KEYMINT_AGENT", "AIDER_MODEL", "GEMINI_CLI"] {
            let run = as_agent(&env, var, &args);
            assert_eq!(run.code, 2, "{args:?} with {var}: {}", run.stderr);
            assert!(run.stderr.contains("keymint run"), "{}", run.stderr);
            assert!(
                run.stderr.contains(var),
                "names what gave it away: {}",
                run.stderr
            );
            assert!(!run.stdout.contains(SECRET) && !run.stderr.contains(SECRET));
        }
    }
    // With a reason it is done, and the reason is in the audit trail.
    let run = as_agent(
        &env,
        "CLAUDECODE",
        &[
            "--reason",
            "debugging the staging deploy",
            "read",
            "keymint://prod/api",
        ],
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(run.stdout.trim_end(), SECRET);
    let shown = env.run(&["--json", "key", "show", "api"], None).ok().json();
    let noted = shown["events"]
        .as_array()
        .expect("events")
        .iter()
        .find(|e| e["kind"] == "agent_access")
        .unwrap_or_else(|| panic!("no agent_access event: {shown}"))
        .clone();
    let detail = noted["detail"].as_str().unwrap_or("");
    assert!(detail.contains("debugging the staging deploy"), "{detail}");
    assert!(detail.contains("CLAUDECODE"), "{detail}");
    // Writing to a file is fine; run masks what the program prints.
    let out = env.dir.join("out.env");
    let run = as_agent(
        &env,
        "CLAUDECODE",
        &["inject", "-i", &tpl, "-o", &out.display().to_string()],
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    let run = as_agent(
        &env,
        "CLAUDECODE",
        &[
            "run",
            "--env",
            "V=keymint://prod/api",
            "--",
            "printenv",
            "V",
        ],
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(run.stdout.trim_end(), "<concealed by keymint>");
}

#[test]
fn outside_an_agent_session_or_with_detection_off_nothing_is_asked() {
    let env = inventory();
    let run = env.run(&["read", "keymint://prod/api"], None).ok();
    assert_eq!(run.stdout.trim_end(), SECRET);
    env.run(&["settings", "set", "agent_detection", "off"], None)
        .ok();
    let run = as_agent(&env, "CLAUDECODE", &["read", "keymint://prod/api"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(run.stdout.trim_end(), SECRET);
}

#[test]
fn create_with_show_secret_is_refused_before_the_provider_is_asked() {
    let s = Setup::new(Provider::Fireworks, Mode::Normal);
    let run: Run = s
        .env
        .command(&[
            "key",
            "create",
            &s.account,
            "--label",
            "from-agent",
            "--show-secret",
        ])
        .env("CURSOR_AGENT", "1")
        .output()
        .expect("run")
        .into();
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(s.fake.requests().is_empty(), "the provider was asked");
    assert_eq!(s.key_count(), 0);
    // Without --show-secret the key is made and only its metadata printed.
    let run: Run = s
        .env
        .command(&[
            "--json",
            "key",
            "create",
            &s.account,
            "--label",
            "from-agent",
        ])
        .env("CURSOR_AGENT", "1")
        .output()
        .expect("run")
        .into();
    assert_eq!(run.code, 0, "{}", run.stderr);
    let secret = &s.fake.issued_secrets()[0];
    assert!(!run.stdout.contains(secret.as_str()));
}
