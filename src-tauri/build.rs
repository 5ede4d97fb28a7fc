//! Builds the Tauri context. The app's own commands each get an `allow-…` permission, and
//! the capability in src-tauri/capabilities grants exactly those.

const COMMANDS: &[&str] = &[
    "list_providers",
    "list_accounts",
    "add_account",
    "update_account",
    "remove_account",
    "list_keys",
    "create_key",
    "cancel_create",
    "copy_key",
    "copy_reference",
    "rotate_key",
    "reveal_key",
    "forget_key",
    "import_key",
    "key_events",
    "keychain_status",
    "list_team_stores",
    "sync_team_stores",
    "get_settings",
    "save_settings",
    "export_calendar",
    "quick_access_status",
    "quit_app",
    // The palette's own (capabilities/palette.json).
    "hide_palette",
];

fn main() {
    println!("cargo:rerun-if-changed=src-tauri/capabilities");
    let attributes = tauri_build::Attributes::new()
        .capabilities_path_pattern("./src-tauri/capabilities/*.json")
        .app_manifest(tauri_build::AppManifest::new().commands(COMMANDS));
    if let Err(e) = tauri_build::try_build(attributes) {
        panic!("tauri build failed: {e:#}");
    }
}
