//! The capability file, build.rs and the invoke handler name the same commands, and the web
//! view gets nothing else: no Tauri plugin command apart from listening to events, no remote
//! origin, no other window (docs/security.md, "The web view").

use std::collections::BTreeSet;

const BUILD_RS: &str = include_str!("../build.rs");
const CAPABILITY: &str = include_str!("../capabilities/main.json");
const LIB_RS: &str = include_str!("lib.rs");

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
    let cap: serde_json::Value = serde_json::from_str(CAPABILITY).expect("capability JSON");
    let granted: BTreeSet<String> = cap["permissions"]
        .as_array()
        .expect("permissions")
        .iter()
        .map(|p| {
            p.as_str()
                .expect("a permission is a plain identifier")
                .to_owned()
        })
        .collect();
    let mut expected: BTreeSet<String> = build_commands()
        .iter()
        .map(|c| format!("allow-{}", c.replace('_', "-")))
        .collect();
    // The UI listens for `inventory-changed`; it emits nothing.
    expected.insert("core:event:allow-listen".into());
    expected.insert("core:event:allow-unlisten".into());
    assert_eq!(granted, expected);
    assert_eq!(cap["windows"], serde_json::json!(["main"]));
    assert!(cap.get("webviews").is_none(), "{cap}");
    assert!(
        cap.get("remote").is_none(),
        "no remote origin may call commands: {cap}"
    );
    assert!(cap.get("platforms").is_none(), "{cap}");
}

#[test]
fn there_is_one_capability_file() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src-tauri/capabilities");
    let files: Vec<String> = std::fs::read_dir(&dir)
        .expect("capabilities dir")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(files, ["main.json"]);
}
