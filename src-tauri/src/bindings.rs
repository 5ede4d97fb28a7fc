//! The TypeScript types of everything that crosses the app boundary, generated from the Rust
//! types (ts-rs) into `ui/src/lib/bindings.ts`. The test fails when the checked-in file is not
//! what the Rust types produce now; `KEYMINT_UPDATE_BINDINGS=1 cargo test -p keymint-app
//! bindings` rewrites it.

use std::path::PathBuf;

use keymint_core::descriptor::{
    CredentialKind, Descriptor, ExpiryKind, Field, FieldKind, JsonValues, TextPattern,
};
use keymint_core::error::ErrorBody;
use keymint_core::model::{Account, Event, KeyRecord, KeyStatus, StoreState};
use keymint_core::service::{AccountInput, CreateInput, ImportInput, SyncReport};
use keymint_core::settings::{SettingInfo, Settings, Theme};
use keymint_core::store::{KeyPage, KeyQuery, KeySort, KeyStatusFilter};
use keymint_core::team::TeamStore;
use keymint_core::values::Value;
use keymint_core::ErrorCode;
use ts_rs::{Config, TS};

use crate::commands::{AccountForm, Copied, CreatedView, ImportForm, KeychainStatus};
use crate::quick_access::{Problem, QuickAccessStatus, ShortcutErrorCode};
use crate::team_sync::{StoreSync, TeamSyncProgress};

/// `export type …` for each type, in this order (dependencies are declared in the same file).
fn declarations(cfg: &Config) -> Vec<String> {
    macro_rules! decls {
        ($($t:ty),* $(,)?) => { vec![$(format!("export {}", <$t as TS>::decl(cfg))),*] };
    }
    decls![
        // Provider descriptors
        Descriptor,
        CredentialKind,
        Field,
        FieldKind,
        TextPattern,
        JsonValues,
        ExpiryKind,
        // Accounts
        Account,
        AccountInput,
        AccountForm,
        // Keys
        KeyStatus,
        StoreState,
        KeyStatusFilter,
        KeySort,
        KeyRecord,
        KeyQuery,
        KeyPage,
        Value,
        CreateInput,
        CreatedView,
        ImportInput,
        ImportForm,
        Copied,
        Event,
        KeychainStatus,
        // Team stores
        TeamStore,
        SyncReport,
        StoreSync,
        TeamSyncProgress,
        // Settings
        Theme,
        Settings,
        SettingInfo,
        // Quick access
        ShortcutErrorCode,
        Problem,
        QuickAccessStatus,
        // Errors
        ErrorCode,
        ErrorBody,
    ]
}

/// The whole generated file.
fn generate() -> String {
    // Counts and seconds are far below 2^53: plain numbers, not bigint.
    let cfg = Config::new().with_large_int("number");
    let mut out = String::from(
        "// Generated from the Rust types by src-tauri/src/bindings.rs (ts-rs). Do not edit:\n\
         // change the Rust type and run `KEYMINT_UPDATE_BINDINGS=1 cargo test -p keymint-app bindings`.\n\
         \n\
         export type JsonValue = number | string | boolean | Array<JsonValue> | { [key in string]?: JsonValue } | null;\n",
    );
    for decl in declarations(&cfg) {
        out.push('\n');
        out.push_str(decl.trim_end());
        out.push('\n');
    }
    out
}

fn checked_in() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("ui/src/lib/bindings.ts")
}

#[test]
fn typescript_bindings_are_fresh() {
    let fresh = generate();
    let path = checked_in();
    if std::env::var_os("KEYMINT_UPDATE_BINDINGS").is_some() {
        std::fs::write(&path, &fresh).expect("write ui/src/lib/bindings.ts");
        return;
    }
    let current = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        current == fresh,
        "ui/src/lib/bindings.ts is stale: the Rust types changed. Run \
         `KEYMINT_UPDATE_BINDINGS=1 cargo test -p keymint-app bindings` and commit the result."
    );
}
