//! The app's windows, built here rather than from tauri.conf.json (where the main window has
//! `"create": false` and keeps its size), so that their web views get handlers that keep them
//! inside the app: they load only the app's own pages, open no other window and download
//! nothing. The CSP in tauri.conf.json closes fetch, images, forms and the like; and because
//! WebKit opens some connections the CSP does not cover (a speculative connection when a link
//! is clicked, `<link rel=preconnect>`, DNS prefetching), all of the web views' own network
//! traffic goes to a proxy inside this process that drops every connection unread. The app
//! needs no network in a web view: its pages and the IPC are custom schemes served in process
//! (docs/security.md, "The web view").

use std::net::TcpListener;
use std::sync::OnceLock;

use tauri::webview::{NewWindowResponse, WebviewWindowBuilder};
use tauri::{App, AppHandle, Manager, Runtime, Url, WebviewUrl, WebviewWindow};

/// The label of the main window, as in tauri.conf.json.
pub const MAIN: &str = "main";
/// The label of the quick access palette (`quick_access.rs`).
pub const PALETTE: &str = "palette";
/// The palette's size in logical pixels: a search field, eight rows of 40 px and a footer
/// (ui/src/palette.css; ui/src/palette.ts asks for eight keys).
const PALETTE_SIZE: (f64, f64) = (620.0, 406.0);

/// Opens the main window from its configuration, with the navigation, new-window and download
/// handlers.
pub fn build_main(app: &App) -> tauri::Result<()> {
    let config = app
        .config()
        .app
        .windows
        .iter()
        .find(|w| w.label == MAIN)
        .cloned()
        .ok_or(tauri::Error::WindowNotFound)?;
    locked_down(
        app.handle(),
        WebviewWindowBuilder::from_config(app.handle(), &config)?,
    )?
    .build()?;
    Ok(())
}

/// Creates the quick access palette, hidden: a small undecorated window above the others,
/// loaded now so that the shortcut only has to show it. Its capability
/// (`capabilities/palette.json`) grants it the search, the two copies and hiding itself.
///
/// On Linux its web view is related to the window's, so both run in one web process: a web
/// process of its own would cost ~70 MiB (PSS) for eight rows.
pub fn build_palette<R: Runtime>(app: &AppHandle<R>) -> tauri::Result<WebviewWindow<R>> {
    let builder = WebviewWindowBuilder::new(app, PALETTE, WebviewUrl::App("palette.html".into()))
        .title("Keymint quick access")
        .inner_size(PALETTE_SIZE.0, PALETTE_SIZE.1)
        .resizable(false)
        .maximizable(false)
        .minimizable(false)
        .decorations(false)
        .always_on_top(true)
        .skip_taskbar(true)
        .visible(false)
        .focused(false)
        .center();
    #[cfg(target_os = "linux")]
    let builder = match main_web_view(app) {
        Some(main) => builder.with_related_view(main),
        None => builder,
    };
    locked_down(app, builder)?.build()
}

/// The main window's WebKit view. Only on the main thread, where `with_webview` runs at once
/// (the palette is built there at start); elsewhere `None`.
#[cfg(target_os = "linux")]
fn main_web_view<R: Runtime>(app: &AppHandle<R>) -> Option<webkit2gtk::WebView> {
    use std::cell::RefCell;
    thread_local! {
        static FOUND: RefCell<Option<webkit2gtk::WebView>> = const { RefCell::new(None) };
    }
    let main = app.get_webview_window(MAIN)?;
    main.with_webview(|w| FOUND.with(|f| *f.borrow_mut() = Some(w.inner())))
        .ok()?;
    FOUND.with(|f| f.borrow_mut().take())
}

/// Brings the main window to the front (a second start of the app, or the tray, asked for it).
pub fn focus_main<R: Runtime>(app: &AppHandle<R>) {
    if let Some(window) = app.get_webview_window(MAIN) {
        let _ = window.unminimize();
        show_and_focus(window, |_| {});
    }
}

/// How long [`show_and_focus`] waits for a window to be shown before it asks for the focus.
const SHOW_WAIT: std::time::Duration = std::time::Duration::from_millis(250);

/// Shows `window`, gives it the keyboard, then runs `then`. On a thread of its own: a focus
/// request for a window that is not shown yet is dropped (tao), and a window shown from the
/// main thread (the single-instance handover, the tray menu) is shown only when the main
/// loop runs again; so the focus waits until the window is shown.
pub fn show_and_focus<R: Runtime>(
    window: WebviewWindow<R>,
    then: impl FnOnce(&WebviewWindow<R>) + Send + 'static,
) {
    let spawned = std::thread::Builder::new()
        .name("show-window".into())
        .spawn(move || {
            let _ = window.show();
            let deadline = std::time::Instant::now() + SHOW_WAIT;
            while !window.is_visible().unwrap_or(true) && std::time::Instant::now() < deadline {
                std::thread::sleep(std::time::Duration::from_millis(1));
            }
            focus(&window);
            then(&window);
        });
    if let Err(e) = spawned {
        tracing::warn!(error = %e, "a window could not be shown");
    }
}

/// Gives `window` the keyboard. On X11 with the server's time now: tao asks with the time
/// of the last input this process saw, which the X server ignores when the focus moved
/// since (and a window manager takes for focus stealing) — a shortcut's keys went to the
/// shortcut's grab, not to a window of this process.
fn focus<R: Runtime>(window: &WebviewWindow<R>) {
    #[cfg(target_os = "linux")]
    {
        let target = window.clone();
        let asked = window.run_on_main_thread(move || {
            use gtk::prelude::{Cast, GtkWindowExt, WidgetExt};
            let Ok(gtk_window) = target.gtk_window() else {
                let _ = target.set_focus();
                return;
            };
            let now = gtk_window
                .window()
                .and_then(|w| w.downcast::<gdkx11::X11Window>().ok())
                .map(|x11| gdkx11::functions::x11_get_server_time(&x11));
            match now {
                Some(time) => gtk_window.present_with_time(time),
                // Not X11 (Wayland): the desktop decides; tao's request is all there is.
                None => {
                    let _ = target.set_focus();
                }
            }
        });
        if asked.is_ok() {
            return;
        }
    }
    let _ = window.set_focus();
}

/// `builder` with the handlers that keep a web view inside the app.
fn locked_down<'a, R: Runtime, M: Manager<R>>(
    app: &AppHandle<R>,
    builder: WebviewWindowBuilder<'a, R, M>,
) -> tauri::Result<WebviewWindowBuilder<'a, R, M>> {
    // The dev server is the app's origin only in a dev build (`cargo tauri dev`).
    let dev_url = if tauri::is_dev() {
        app.config().build.dev_url.clone()
    } else {
        None
    };
    Ok(builder
        .proxy_url(black_hole_proxy()?)
        .on_navigation(move |url| {
            let allowed = is_app_url(url, dev_url.as_ref());
            if !allowed {
                // Not the URL: a page leaving with a secret would put it there.
                tracing::warn!("navigation off the app's origin refused");
            }
            allowed
        })
        .on_new_window(|_url, _features| {
            tracing::warn!("a new window was refused");
            NewWindowResponse::Deny
        })
        .on_download(|_webview, _event| false))
}

/// A listener on 127.0.0.1 that accepts each connection and closes it at once, unread; its
/// URL as a proxy, one for every web view of the process. The port stays bound while the app
/// runs, so no other program can take it.
fn black_hole_proxy() -> tauri::Result<Url> {
    static PROXY: OnceLock<Url> = OnceLock::new();
    if let Some(url) = PROXY.get() {
        return Ok(url.clone());
    }
    let url = start_black_hole_proxy()?;
    Ok(PROXY.get_or_init(|| url).clone())
}

fn start_black_hole_proxy() -> tauri::Result<Url> {
    let listener = TcpListener::bind(("127.0.0.1", 0))?;
    let port = listener.local_addr()?.port();
    std::thread::Builder::new()
        .name("webview-no-network".into())
        .spawn(move || {
            for stream in listener.incoming() {
                drop(stream);
            }
        })?;
    Ok(Url::parse(&format!("http://127.0.0.1:{port}")).map_err(std::io::Error::other)?)
}

/// Whether `url` is one of the app's own pages: the embedded assets under Tauri's own scheme
/// (`tauri://localhost`, or `http(s)://tauri.localhost` where the web view cannot register a
/// scheme), or in a dev build the dev server's origin.
pub fn is_app_url(url: &Url, dev_url: Option<&Url>) -> bool {
    let host = url.host_str();
    let embedded = match url.scheme() {
        "tauri" => host == Some("localhost") && url.port().is_none(),
        "http" | "https" => host == Some("tauri.localhost") && url.port().is_none(),
        _ => false,
    };
    embedded
        || dev_url.is_some_and(|dev| {
            dev.scheme() == url.scheme()
                && dev.host_str() == host
                && dev.port_or_known_default() == url.port_or_known_default()
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn url(s: &str) -> Url {
        Url::parse(s).expect("url")
    }

    #[test]
    fn the_apps_own_pages_are_allowed() {
        for ok in [
            "tauri://localhost",
            "tauri://localhost/",
            "tauri://localhost/index.html#/keys",
            "http://tauri.localhost/",
            "https://tauri.localhost/index.html",
        ] {
            assert!(is_app_url(&url(ok), None), "{ok}");
        }
    }

    #[test]
    fn everything_else_is_refused() {
        for bad in [
            "http://127.0.0.1:8080/?sk-secret",
            "https://example.com/",
            "https://localhost/",
            "http://localhost:1420/",
            "tauri://localhost.example.com/",
            "tauri://localhost:8080/",
            "http://tauri.localhost:8080/",
            "https://tauri.localhost.example.com/",
            "http://user@tauri.localhost.evil/",
            "ipc://localhost/reveal_key",
            "data:text/html,<script>1</script>",
            "blob:tauri://localhost/0b7c",
            "javascript:alert(1)",
            "about:blank",
            "file:///etc/passwd",
            "ws://127.0.0.1:9/",
        ] {
            assert!(!is_app_url(&url(bad), None), "{bad}");
        }
    }

    #[test]
    fn the_dev_server_only_when_given() {
        let dev = url("http://localhost:1420");
        assert!(is_app_url(
            &url("http://localhost:1420/src/main.ts"),
            Some(&dev)
        ));
        assert!(!is_app_url(&url("http://localhost:1421/"), Some(&dev)));
        assert!(!is_app_url(&url("https://localhost:1420/"), Some(&dev)));
        assert!(!is_app_url(&url("http://localhost:1420/"), None));
    }
}
