//! The capability files, build.rs and the invoke handler name the same commands, and the web
//! views get nothing else: no Tauri plugin command apart from listening to events, no remote
//! origin, no other window (docs/security.md, "The web view"). The main window gets every
//! command but the palette's own; the quick access palette gets the search, the two copies
//! and hiding itself, and never a command that returns a secret.

use std::collections::BTreeSet;

const BUILD_RS: &str = include_str!("../build.rs");
const CAPABILITY: &str = include_str!("../capabilities/main.json");
const PALETTE_CAPABILITY: &str = include_str!("../capabilities/palette.json");
const LIB_RS: &str = include_str!("lib.rs");

/// Commands only the palette may call.
const PALETTE_ONLY: &[&str] = &["hide_palette"];
/// Everything the palette may call.
const PALETTE_COMMANDS: &[&str] = &["list_keys", "copy_key", "copy_reference", "hide_palette"];
/// Commands that hand a secret to the web view.
const SECRET_COMMANDS: &[&str] = &["reveal_key", "create_key", "rotate_key"];

fn permission(command: &str) -> String {
    format!("allow-{}", command.replace('_', "-"))
}

/// The permissions a capability file grants, after checking its shape: one window, no
/// remote origin, no web view or platform list.
fn granted(file: &str, window: &str) -> BTreeSet<String> {
    let cap: serde_json::Value = serde_json::from_str(file).expect("capability JSON");
    assert_eq!(cap["windows"], serde_json::json!([window]));
    assert!(cap.get("webviews").is_none(), "{cap}");
    assert!(
        cap.get("remote").is_none(),
        "no remote origin may call commands: {cap}"
    );
    assert!(cap.get("platforms").is_none(), "{cap}");
    cap["permissions"]
        .as_array()
        .expect("permissions")
        .iter()
        .map(|p| {
            p.as_str()
                .expect("a permission is a plain identifier")
                .to_owned()
        })
        .collect()
}

/// Listening to the app's events (`inventory-changed`, the palette's open and close); no
/// window emits any.
fn event_permissions() -> [String; 2] {
    [
        "core:event:allow-listen".into(),
        "core:event:allow-unlisten".into(),
    ]
}

/// The quoted names in build.rs's `COMMANDS` list.
fn build_commands() -> BTreeSet<String> {
    let start = BUILD_RS
        .find("const COMMANDS: &[&str] = &[")
        .expect("COMMANDS in build.rs");
    let list = &BUILD_RS[start..];
    let list = &list[..list.find("];").expect("end of COMMANDS")];
    list.split('"')
        .skip(1)
        .step_by(2)
        .map(str::to_owned)
        .collect()
}

/// The functions in `generate_handler![…]` in lib.rs, without their module.
fn handler_commands() -> BTreeSet<String> {
    let start = LIB_RS
        .find("generate_handler![")
        .expect("generate_handler!");
    let list = &LIB_RS[start + "generate_handler![".len()..];
    let list = &list[..list.find(']').expect("end of generate_handler!")];
    list.split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(|s| s.rsplit("::").next().unwrap_or(s).to_owned())
        .collect()
}

#[test]
fn the_handler_and_build_rs_list_the_same_commands() {
    assert_eq!(handler_commands(), build_commands());
}

#[test]
fn the_capability_grants_exactly_the_apps_commands() {
    let mut expected: BTreeSet<String> = build_commands()
        .iter()
        .filter(|c| !PALETTE_ONLY.contains(&c.as_str()))
        .map(|c| permission(c))
        .collect();
    expected.extend(event_permissions());
    assert_eq!(granted(CAPABILITY, "main"), expected);
}

#[test]
fn the_palette_may_search_copy_and_hide_itself_only() {
    let commands = build_commands();
    let mut expected: BTreeSet<String> = BTreeSet::new();
    for c in PALETTE_COMMANDS {
        assert!(commands.contains(*c), "{c} is one of the app's commands");
        expected.insert(permission(c));
    }
    expected.extend(event_permissions());
    let palette = granted(PALETTE_CAPABILITY, "palette");
    assert_eq!(palette, expected);
    for c in SECRET_COMMANDS {
        assert!(commands.contains(*c), "{c} is one of the app's commands");
        assert!(
            !palette.contains(&permission(c)),
            "the palette may not call {c}"
        );
    }
}

#[test]
fn there_are_the_two_capability_files() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src-tauri/capabilities");
    let mut files: Vec<String> = std::fs::read_dir(&dir)
        .expect("capabilities dir")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .collect();
    files.sort();
    assert_eq!(files, ["main.json", "palette.json"]);
}
