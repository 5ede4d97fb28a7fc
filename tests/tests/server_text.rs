//! Text from a server never reaches a terminal or the inventory raw (SPEC §5): for every
//! provider, a create answered with escape sequences (OSC 52 clipboard write, CSI clear
//! screen), a bidi override and 4 KiB of padding in every text, and a `prefix` that is the
//! whole secret, leaves no ESC, BEL, C1 or bidi control in any output, no line longer than
//! the caps, no escape sequence and no secret in SQLite, and a hint of at most 12
//! characters. A provider's error message with the same payload is cleaned too.

use keymint_tests::accounts::{key_fields, set_args, Setup};
use keymint_tests::fakes::{Mode, Provider};
use keymint_tests::harness::{contains_bytes, Run};

/// Longest line any command may print here: the longest kept text (200 characters) plus a
/// row's other columns or JSON's quoting and indentation. The hostile padding is 4096.
const MAX_LINE: usize = 600;

const BIDI: [char; 12] = [
    '\u{202a}', '\u{202b}', '\u{202c}', '\u{202d}', '\u{202e}', '\u{2066}', '\u{2067}', '\u{2068}',
    '\u{2069}', '\u{200e}', '\u{200f}', '\u{061c}',
];

/// Every problem with `text` (named `what`) as a terminal would receive it.
fn problems(what: &str, text: &str) -> Vec<String> {
    let mut found = Vec::new();
    if text.contains('\u{1b}') {
        found.push(format!("{what}: ESC"));
    }
    if text.contains('\u{7}') {
        found.push(format!("{what}: BEL"));
    }
    if text.chars().any(|c| ('\u{80}'..='\u{9f}').contains(&c)) {
        found.push(format!("{what}: C1 control"));
    }
    if let Some(c) = text.chars().find(|c| BIDI.contains(c)) {
        found.push(format!("{what}: bidi control U+{:04X}", u32::from(c)));
    }
    if let Some(l) = text.lines().find(|l| l.chars().count() > MAX_LINE) {
        found.push(format!(
            "{what}: a line of {} characters",
            l.chars().count()
        ));
    }
    found
}

fn check_run(what: &str, run: &Run, found: &mut Vec<String>) {
    found.extend(problems(&format!("{what} stdout"), &run.stdout));
    found.extend(problems(&format!("{what} stderr"), &run.stderr));
}

#[test]
fn hostile_text_from_every_provider_is_cleaned_before_it_is_stored_or_printed() {
    let mut found: Vec<String> = Vec::new();
    for p in Provider::ALL {
        let s = Setup::new(p, Mode::HostileText);
        let created = s.create("hostile", &[]);
        assert_eq!(created.code, 0, "{p:?}: {created:?}");
        check_run(&format!("{p:?} --json key create"), &created, &mut found);
        // The same in text form (what a terminal shows).
        let mut args: Vec<String> = ["key", "create", &s.account, "--label", "hostile-text"]
            .map(String::from)
            .to_vec();
        args.extend(set_args(&key_fields(p)));
        let refs: Vec<&str> = args.iter().map(String::as_str).collect();
        let text_create = s.env.run(&refs, None);
        assert_eq!(text_create.code, 0, "{p:?}: {text_create:?}");
        check_run(&format!("{p:?} key create"), &text_create, &mut found);
        for args in [
            &["key", "list"][..],
            &["--json", "key", "list"],
            &["key", "show", "hostile"],
            &["--json", "key", "show", "hostile"],
        ] {
            let run = s.env.run(args, None).ok();
            check_run(&format!("{p:?} {}", args.join(" ")), &run, &mut found);
        }

        let secrets = s.fake.issued_secrets();
        assert_eq!(secrets.len(), 2, "{p:?}");
        let db = s.env.db_bytes();
        // SQLite's own record headers hold any byte, a lone 0x1b too: look for the sequences.
        for seq in ["\u{1b}]52;", "\u{1b}[2J", "aGFja2Vk\u{7}"] {
            if contains_bytes(&db, seq.as_bytes()) {
                found.push(format!("{p:?}: {seq:?} in SQLite"));
            }
        }
        if contains_bytes(&db, "\u{202e}".as_bytes()) {
            found.push(format!("{p:?}: bidi override in SQLite"));
        }
        for secret in &secrets {
            if contains_bytes(&db, secret.as_bytes()) {
                found.push(format!("{p:?}: the secret in SQLite"));
            }
        }
        let list = s.env.run(&["--json", "key", "list"], None).ok().json();
        for key in list.as_array().expect("keys") {
            let Some(hint) = key["hint"].as_str() else {
                continue;
            };
            if hint.chars().count() > 12 {
                found.push(format!("{p:?}: hint {hint:?} is longer than 12 characters"));
            }
            if secrets
                .iter()
                .any(|s| s.as_str() == hint.trim_end_matches('…'))
            {
                found.push(format!("{p:?}: the hint is the secret"));
            }
        }
    }
    assert!(found.is_empty(), "{found:#?}");
}

#[test]
fn a_provider_error_message_with_escapes_is_cleaned() {
    let mut found: Vec<String> = Vec::new();
    for p in Provider::ALL {
        let s = Setup::new(p, Mode::HostileError);
        for args in [&["key", "create"][..], &["--json", "key", "create"]] {
            let mut all: Vec<String> = args.iter().map(|a| (*a).to_owned()).collect();
            all.extend([s.account.clone(), "--label".into(), "refused".into()]);
            all.extend(set_args(&key_fields(p)));
            let refs: Vec<&str> = all.iter().map(String::as_str).collect();
            let run = s.env.run(&refs, None);
            assert_eq!(run.code, 3, "{p:?}: the provider refused: {run:?}");
            assert!(run.stderr.contains("refused"), "{p:?}: {}", run.stderr);
            check_run(&format!("{p:?} {}", args.join(" ")), &run, &mut found);
        }
        let db = s.env.db_bytes();
        for seq in ["\u{1b}]52;", "\u{1b}[2J", "\u{202e}evil"] {
            if contains_bytes(&db, seq.as_bytes()) {
                found.push(format!("{p:?}: {seq:?} in SQLite (an event?)"));
            }
        }
    }
    assert!(found.is_empty(), "{found:#?}");
}
