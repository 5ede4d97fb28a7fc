//! The Keymint desktop shell: window, state and thin commands over keymint-core.

#[cfg(test)]
mod bindings;
#[cfg(test)]
mod capabilities;
mod commands;
mod confirm;
mod error;
mod notify;
mod quick_access;
mod reminders;
mod settings;
mod shortcut;
mod state;
mod team_sync;
mod tray;
mod watch;
mod webview;

use state::AppState;
use tauri::{Manager, WindowEvent};

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
    let args: Vec<String> = std::env::args().collect();
    let open_palette = quick_access::wanted_in(&args);
    let builder = tauri::Builder::default()
        // First: a second start hands over to the running window and exits; with
        // `--quick-access` it opens the palette instead (the desktop's own shortcut, where the
        // app cannot take one).
        .plugin(
            tauri_plugin_single_instance::Builder::new()
                .dbus_id(instance_id)
                .callback(|app, args, _cwd| {
                    if quick_access::wanted_in(&args) {
                        quick_access::show(app);
                    } else {
                        webview::focus_main(app);
                    }
                })
                .build(),
        )
        // Native confirmations asked from Rust (`confirm`); the web view is granted none of
        // the plugin's commands.
        .plugin(tauri_plugin_dialog::init());
    // The quick access shortcut outside Linux (`shortcut.rs`), registered from Rust; no web
    // view is granted the plugin's commands.
    #[cfg(not(target_os = "linux"))]
    let builder = builder.plugin(tauri_plugin_global_shortcut::Builder::new().build());
    // Notifications outside Linux (`notify.rs`); no web view is granted the plugin's commands.
    #[cfg(not(target_os = "linux"))]
    let builder = builder.plugin(tauri_plugin_notification::init());
    let result = builder
        .setup(move |app| {
            webview::build_main(app)?;
            // After the main window: WebDriver's session starts on the first web view.
            webview::build_palette(app.handle())?;
            let state = app.state::<AppState>();
            if let Ok(core) = state.core() {
                watch::start(app.handle().clone(), core.clone());
                reminders::start(app.handle().clone(), core.clone());
                team_sync::start(app.handle().clone(), core);
            }
            quick_access::start(app.handle().clone(), open_palette);
            Ok(())
        })
        .on_window_event(|window, event| match (window.label(), event) {
            // Keep running in the background: closing the window hides it.
            (webview::MAIN, WindowEvent::CloseRequested { api, .. })
                if quick_access::keeps_running(window.app_handle()) =>
            {
                api.prevent_close();
                let _ = window.hide();
            }
            // Otherwise closing it quits, as before (the hidden palette would keep the
            // process alive).
            (webview::MAIN, WindowEvent::Destroyed) => window.app_handle().exit(0),
            (webview::PALETTE, WindowEvent::Focused(false)) => {
                quick_access::focus_lost(window.app_handle());
            }
            _ => {}
        })
        .on_menu_event(tray::on_menu_event)
        .manage(state)
        .manage(quick_access::QuickAccess::default())
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
            settings::quick_access_status,
            commands::quit_app,
            commands::hide_palette,
        ])
        .run(tauri::generate_context!());
    if let Err(e) = result {
        eprintln!("keymint: the window could not start: {e}");
        std::process::exit(1);
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
