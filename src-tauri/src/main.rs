// No console window on Windows release builds.
#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

fn main() {
    // Before the window, the web view or the core read any secret: no core dump, not
    // dumpable (the web view's processes inherit the core-size limit of 0).
    if let Err(e) = keymint_core::hardening::forbid_core_dumps() {
        eprintln!("keymint: {e}");
        std::process::exit(1);
    }
    keymint_app::run();
}
