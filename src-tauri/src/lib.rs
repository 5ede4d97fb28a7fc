//! The Keymint desktop shell: window, state and thin commands over keymint-core.

mod commands;
mod error;
mod state;

use state::AppState;

/// Starts the app.
pub fn run() {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("KEYMINT_LOG")
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn")),
        )
        .with_writer(std::io::stderr)
        .init();
    let state = AppState::open();
    let result = tauri::Builder::default()
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
            commands::forget_key,
            commands::import_key,
            commands::key_events,
            commands::keychain_status,
        ])
        .run(tauri::generate_context!());
    if let Err(e) = result {
        eprintln!("keymint: the window could not start: {e}");
        std::process::exit(1);
    }
}
