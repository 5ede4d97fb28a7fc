//! `cfg(secret_service)`: the platform's keychain is a Secret Service on D-Bus (Linux and the
//! BSDs), with the `runtime` feature on. One name for a long target condition.

fn main() {
    println!("cargo::rustc-check-cfg=cfg(secret_service)");
    let os = std::env::var("CARGO_CFG_TARGET_OS").unwrap_or_default();
    let unix = std::env::var_os("CARGO_CFG_UNIX").is_some();
    let runtime = std::env::var_os("CARGO_FEATURE_RUNTIME").is_some();
    if runtime && unix && !matches!(os.as_str(), "macos" | "ios" | "android") {
        println!("cargo::rustc-cfg=secret_service");
    }
}
