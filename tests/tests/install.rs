//! The install test: the .deb built by `scripts/package.sh` installed with apt on this machine
//! (root), the installed CLI and app used, the package removed cleanly.
//!
//! Ignored by `cargo test` (it needs root, apt and a built .deb, and changes the machine);
//! `make test-package` builds the .deb and runs it with `--ignored`. KEYMINT_DEB names the
//! .deb (default: the newest in target/debug/bundle/deb).

use std::path::{Path, PathBuf};
use std::process::Command;

use keymint_tests::app::{testid, App};
use keymint_tests::harness::Env;

fn deb() -> PathBuf {
    if let Some(path) = std::env::var_os("KEYMINT_DEB") {
        return PathBuf::from(path);
    }
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../target/debug/bundle/deb");
    let mut debs: Vec<_> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e} (run scripts/package.sh debug)", dir.display()))
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "deb"))
        .collect();
    debs.sort_by_key(|p| p.metadata().and_then(|m| m.modified()).ok());
    debs.pop().expect("a .deb (run scripts/package.sh debug)")
}

fn run(cmd: &str, args: &[&str]) -> (bool, String) {
    let out = Command::new(cmd)
        .args(args)
        .env("DEBIAN_FRONTEND", "noninteractive")
        .output()
        .unwrap_or_else(|e| panic!("{cmd}: {e}"));
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.success(), text)
}

fn package_name(deb: &Path) -> String {
    let (ok, name) = run(
        "dpkg-deb",
        &["--field", &deb.display().to_string(), "Package"],
    );
    assert!(ok, "{name}");
    name.trim().to_owned()
}

#[test]
#[ignore = "installs a .deb as root: make test-package"]
fn the_deb_installs_runs_and_removes_cleanly() {
    let deb = deb();
    let name = package_name(&deb);
    let (ok, fields) = run(
        "dpkg-deb",
        &["--field", &deb.display().to_string(), "Depends"],
    );
    assert!(ok && fields.contains("libwebkit2gtk-4.1-0"), "{fields}");

    let (ok, out) = run(
        "apt-get",
        &["install", "-y", "-qq", &deb.display().to_string()],
    );
    assert!(ok, "apt-get install failed:\n{out}");
    let (_, files) = run("dpkg", &["-L", &name]);
    for path in [
        "/usr/bin/keymint",
        "/usr/bin/keymint-app",
        "/usr/share/applications/Keymint.desktop",
        "/usr/share/icons/hicolor/128x128/apps/keymint-app.png",
        "/usr/share/bash-completion/completions/keymint",
        "/usr/share/zsh/vendor-completions/_keymint",
        "/usr/share/fish/vendor_completions.d/keymint.fish",
        "/usr/share/man/man1/keymint.1.gz",
    ] {
        assert!(files.lines().any(|l| l == path), "{path} not in:\n{files}");
        assert!(Path::new(path).exists(), "{path} missing on disk");
    }
    let desktop =
        std::fs::read_to_string("/usr/share/applications/Keymint.desktop").expect("desktop entry");
    assert!(desktop.contains("Exec=keymint-app"), "{desktop}");

    // The installed CLI, on its own data (the session's keychain, a test service).
    let env = Env::new();
    let cli = |args: &[&str]| {
        let out = Command::new("/usr/bin/keymint")
            .arg("--data-dir")
            .arg(&env.dir)
            .args(args)
            .env("KEYMINT_KEYCHAIN_SERVICE", &env.service)
            .output()
            .expect("installed keymint");
        (
            out.status.code(),
            String::from_utf8_lossy(&out.stdout).into_owned(),
        )
    };
    let (code, doctor) = cli(&["doctor"]);
    assert_eq!(code, Some(0), "keymint doctor: {doctor}");
    assert!(doctor.to_lowercase().contains("keychain"), "{doctor}");
    let (code, providers) = cli(&["providers"]);
    assert_eq!(code, Some(0));
    for id in [
        "hellgate-commerce",
        "flexprice",
        "fireworks",
        "hellgate-cloud",
        "hsrcpay",
    ] {
        assert!(providers.contains(id), "{id} in: {providers}");
    }
    let (ok, man) = run("gzip", &["-dc", "/usr/share/man/man1/keymint.1.gz"]);
    assert!(ok && man.contains(".TH keymint"), "{man}");
    let (ok, completion) = run(
        "bash",
        &[
            "-c",
            "source /usr/share/bash-completion/completions/keymint && complete -p keymint",
        ],
    );
    assert!(ok && completion.contains("keymint"), "{completion}");

    // The installed app opens its window with the inventory.
    {
        let app = App::launch_binary(&env, &[], Path::new("/usr/bin/keymint-app"));
        app.wait_for(&testid("key-list"));
        assert!(app.text(&testid("key-count")).contains('0'));
    }

    let (ok, out) = run("apt-get", &["remove", "-y", "-qq", &name]);
    assert!(ok, "apt-get remove failed:\n{out}");
    let (_, status) = run("dpkg-query", &["-W", "-f=${Status}", &name]);
    assert!(!status.contains("install ok installed"), "{status}");
    for path in ["/usr/bin/keymint", "/usr/bin/keymint-app"] {
        assert!(!Path::new(path).exists(), "{path} left behind");
    }
}
