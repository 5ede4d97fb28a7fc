//! The main window, built here rather than from tauri.conf.json (where it has `"create":
//! false` and keeps its size), so that its web view gets handlers that keep it inside the app:
//! it loads only the app's own pages, opens no other window and downloads nothing. The CSP in
//! tauri.conf.json closes fetch, images, forms and the like; and because WebKit opens some
//! connections the CSP does not cover (a speculative connection when a link is clicked,
//! `<link rel=preconnect>`, DNS prefetching), all of the web view's own network traffic goes to
//! a proxy inside this process that drops every connection unread. The app needs no network in
//! the web view: its pages and the IPC are custom schemes served in process
//! (docs/security.md, "The web view").

use std::net::TcpListener;

use tauri::webview::{NewWindowResponse, WebviewWindowBuilder};
use tauri::{App, Url};

/// The label of the one window, as in tauri.conf.json.
pub const MAIN: &str = "main";

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
    // The dev server is the app's origin only in a dev build (`cargo tauri dev`).
    let dev_url = if tauri::is_dev() {
        app.config().build.dev_url.clone()
    } else {
        None
    };
    WebviewWindowBuilder::from_config(app.handle(), &config)?
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
        .on_download(|_webview, _event| false)
        .build()?;
    Ok(())
}

/// A listener on 127.0.0.1 that accepts each connection and closes it at once, unread; its
/// URL as a proxy. The port stays bound while the app runs, so no other program can take it.
fn black_hole_proxy() -> tauri::Result<Url> {
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
