//! The reference window of `make bench`: Tauri and WebKitGTK from the same toolchain,
//! release profile, configuration (tauri.conf.json: size, CSP, frozen prototypes) and
//! embedded assets as Keymint, but with no state, no commands and a page (ui/public/bare.html)
//! that shows one line of text. `keymint-bench` compares Keymint's start-up time and memory
//! with this window's, measured in the same run.
//!
//! Build: `cargo build --release --features custom-protocol --example bare_window`
//! (after `npm --prefix ui run build`, which copies bare.html and bare.js into ui/dist).

fn main() {
    let mut context = tauri::generate_context!();
    // Keymint's own window configuration, opened on bare.html instead of index.html.
    let mut windows = std::mem::take(&mut context.config_mut().app.windows);
    let mut window = windows
        .drain(..)
        .next()
        .expect("tauri.conf.json declares a window");
    window.url = tauri::WebviewUrl::App("bare.html".into());
    let result = tauri::Builder::default()
        .setup(move |app| {
            tauri::WebviewWindowBuilder::from_config(app.handle(), &window)?.build()?;
            Ok(())
        })
        .run(context);
    if let Err(e) = result {
        eprintln!("bare_window: the window could not start: {e}");
        std::process::exit(1);
    }
}
