//! The Keymint desktop shell: window, state and thin commands over keymint-core.

#[cfg(test)]
mod bindings;
#[cfg(test)]
mod capabilities;
mod commands;
mod confirm;
mod error;
mod reminders;
mod settings;
mod state;
mod team_sync;
mod watch;
mod webview;

use state::AppState;
use tauri::Manager;

/// Starts the app.
pub fn run() {
    software_compositing();
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("KEYMINT_LOG")
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn")),
        )
        .with_writer(std::io::stderr)
        .init();
    let state = AppState::open();
    let instance_id = state::instance_id(state.data_dir().as_deref());
    let result = tauri::Builder::default()
        // First: a second start hands over to the running window and exits.
        .plugin(
            tauri_plugin_single_instance::Builder::new()
                .dbus_id(instance_id)
                .callback(|app, _args, _cwd| focus_main(app))
                .build(),
        )
        .plugin(tauri_plugin_notification::init())
        // Native confirmations asked from Rust (`confirm`); the web view is granted none of
        // the plugin's commands.
        .plugin(tauri_plugin_dialog::init())
        .setup(|app| {
            webview::build_main(app)?;
            let state = app.state::<AppState>();
            if let Ok(core) = state.core() {
                watch::start(app.handle().clone(), core.clone());
                reminders::start(app.handle().clone(), core.clone());
                team_sync::start(app.handle().clone(), core);
            }
            Ok(())
        })
        .manage(state)
        .invoke_handler(tauri::generate_handler![
            commands::list_providers,
            commands::list_accounts,
            commands::add_account,
            commands::update_account,
            commands::remove_account,
            commands::list_keys,
            commands::create_key,
            commands::cancel_create,
            commands::copy_key,
            commands::reveal_key,
            commands::copy_reference,
            commands::rotate_key,
            commands::forget_key,
            commands::import_key,
            commands::key_events,
            commands::keychain_status,
            commands::list_team_stores,
            commands::sync_team_stores,
            settings::get_settings,
            settings::save_settings,
            settings::export_calendar,
        ])
        .run(tauri::generate_context!());
    if let Err(e) = result {
        eprintln!("keymint: the window could not start: {e}");
        std::process::exit(1);
    }
}

/// Brings the main window to the front (a second start of the app asked for it).
fn focus_main(app: &tauri::AppHandle) {
    if let Some(window) = app.get_webview_window(webview::MAIN) {
        let _ = window.unminimize();
        let _ = window.show();
        let _ = window.set_focus();
    }
}

/// On Linux, WebKitGTK composites the page in GPU-style layers by default; for a list and a few
/// dialogs that costs ~95 MiB of buffers (docs/performance.md, item 2) and buys nothing
/// visible. Keymint turns it off unless the user chose otherwise
/// (`WEBKIT_DISABLE_COMPOSITING_MODE` set either way, or `KEYMINT_GPU_COMPOSITING=1`).
/// Runs first, before any other thread exists.
fn software_compositing() {
    #[cfg(target_os = "linux")]
    {
        const WEBKIT: &str = "WEBKIT_DISABLE_COMPOSITING_MODE";
        let keep_gpu = std::env::var_os("KEYMINT_GPU_COMPOSITING").is_some_and(|v| v == "1");
        if std::env::var_os(WEBKIT).is_none() && !keep_gpu {
            std::env::set_var(WEBKIT, "1");
        }
    }
}
