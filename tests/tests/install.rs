//! The install tests: the .deb built by `scripts/package.sh` installed with apt on this machine
//! (root), the installed CLI and app used, the package removed cleanly; the .rpm installed
//! with Debian's `rpm` into an empty root, its files checked against the .deb's, the installed
//! CLI run, the package erased.
//!
//! Ignored by `cargo test` (they need root, apt, rpm and built packages, and the first changes
//! the machine); `make test-package` builds the packages and runs them with `--ignored`.
//! KEYMINT_DEB and KEYMINT_RPM name the packages (default: the newest in
//! target/debug/bundle/deb and target/debug/bundle/rpm).

use std::collections::BTreeSet;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::Command;

use keymint_tests::app::{testid, App};
use keymint_tests::harness::Env;

/// The files the .deb must carry beside its directories.
const DEB_FILES: [&str; 8] = [
    "/usr/bin/keymint",
    "/usr/bin/keymint-app",
    "/usr/share/applications/Keymint.desktop",
    "/usr/share/icons/hicolor/128x128/apps/keymint-app.png",
    "/usr/share/bash-completion/completions/keymint",
    "/usr/share/zsh/vendor-completions/_keymint",
    "/usr/share/fish/vendor_completions.d/keymint.fish",
    "/usr/share/man/man1/keymint.1.gz",
];

/// Where the .rpm puts zsh's completion: Fedora's and openSUSE's zsh read site-functions, not
/// Debian's vendor-completions. Every other path is the .deb's.
fn rpm_path(deb_path: &str) -> &str {
    match deb_path {
        "/usr/share/zsh/vendor-completions/_keymint" => "/usr/share/zsh/site-functions/_keymint",
        other => other,
    }
}

/// The package named by `var` (KEYMINT_DEB, KEYMINT_RPM), else the newest `*.ext` in
/// target/debug/bundle/<ext>.
fn package(ext: &str, var: &str) -> PathBuf {
    if let Some(path) = std::env::var_os(var) {
        return PathBuf::from(path);
    }
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join(format!("../target/debug/bundle/{ext}"));
    let mut found: Vec<_> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e} (run scripts/package.sh debug)", dir.display()))
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == ext))
        .collect();
    found.sort_by_key(|p| p.metadata().and_then(|m| m.modified()).ok());
    found.pop().unwrap_or_else(|| {
        panic!(
            "a .{ext} in {} (run scripts/package.sh debug)",
            dir.display()
        )
    })
}

fn deb() -> PathBuf {
    package("deb", "KEYMINT_DEB")
}

fn rpm() -> PathBuf {
    package("rpm", "KEYMINT_RPM")
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

/// The standard output of a command that must succeed (stderr in the panic message only: Debian's
/// rpm warns there that it is not Alien).
fn stdout_of(cmd: &str, args: &[&str]) -> String {
    let out = Command::new(cmd)
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("{cmd}: {e}"));
    assert!(
        out.status.success(),
        "{cmd} {args:?}: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
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
    for path in DEB_FILES {
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

/// The regular files in a .deb (`dpkg-deb -c`), as absolute paths.
fn deb_payload(deb: &Path) -> BTreeSet<String> {
    let (ok, listing) = run("dpkg-deb", &["-c", &deb.display().to_string()]);
    assert!(ok, "dpkg-deb -c: {listing}");
    listing
        .lines()
        .filter(|l| l.starts_with('-'))
        .map(|l| {
            let path = l.split_whitespace().nth(5).expect("a path in dpkg-deb -c");
            format!("/{}", path.trim_start_matches("./"))
        })
        .collect()
}

/// A scratch root for rpm, removed even when the test fails (it holds ~350 MB of binaries).
struct Root(PathBuf);

impl Drop for Root {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

#[test]
#[ignore = "installs an .rpm into a scratch root with rpm: make test-package"]
fn the_rpm_installs_into_an_empty_root_with_the_files_of_the_deb() {
    let rpm = rpm();
    let file = rpm.display().to_string();
    let digests = stdout_of("rpm", &["-K", "--nosignature", &file]);
    assert!(digests.contains("digests OK"), "rpm -K: {digests}");
    let name = stdout_of("rpm", &["-qp", "--qf", "%{NAME}", &file]);
    assert_eq!(name, "keymint", "the package name");
    let version = stdout_of("rpm", &["-qp", "--qf", "%{VERSION}", &file]);
    // What Fedora and openSUSE resolve: the libraries' sonames (the bundler adds WebKitGTK's and
    // GTK's), a D-Bus daemon, one Secret Service among the three the .deb recommends.
    let requires = stdout_of("rpm", &["-qp", "--requires", &file]);
    for dep in [
        "libwebkit2gtk-4.1.so.0()(64bit)",
        "libgtk-3.so.0()(64bit)",
        "libdbus-1.so.3()(64bit)",
        "(dbus or dbus-1)",
    ] {
        assert!(requires.lines().any(|l| l == dep), "{dep} in: {requires}");
    }
    let recommends = stdout_of("rpm", &["-qp", "--recommends", &file]);
    assert_eq!(
        recommends.trim(),
        "(gnome-keyring or keepassxc or kwalletmanager)"
    );

    // The payload: the .deb's files, path for path (zsh's completion aside).
    let payload: BTreeSet<String> = stdout_of("rpm", &["-qlp", &file])
        .lines()
        .map(str::to_owned)
        .collect();
    let deb = deb();
    let expected: BTreeSet<String> = deb_payload(&deb)
        .iter()
        .map(|p| rpm_path(p).to_owned())
        .collect();
    let missing: Vec<_> = expected.difference(&payload).collect();
    let extra: Vec<_> = payload.difference(&expected).collect();
    assert!(
        missing.is_empty() && extra.is_empty(),
        "{} against {}: missing {missing:?}, not in the .deb {extra:?}",
        rpm.display(),
        deb.display()
    );

    // Installed into an empty root: a fresh database, no dependencies (the root has none).
    let root = Root(std::env::temp_dir().join(format!("keymint-rpm-root-{}", std::process::id())));
    let _ = std::fs::remove_dir_all(&root.0);
    std::fs::create_dir_all(&root.0).expect("scratch root");
    let dir = root.0.display().to_string();
    let (ok, out) = run("rpm", &["--root", &dir, "--initdb"]);
    assert!(ok, "rpm --initdb: {out}");
    let (ok, out) = run("rpm", &["-i", "--nodeps", "--root", &dir, &file]);
    assert!(ok, "rpm -i: {out}");
    let listed = stdout_of("rpm", &["-q", "--root", &dir, "keymint"]);
    assert!(
        listed.trim().starts_with(&format!("keymint-{version}-")),
        "rpm -q: {listed}"
    );
    let installed: BTreeSet<String> = stdout_of("rpm", &["-ql", "--root", &dir, "keymint"])
        .lines()
        .map(str::to_owned)
        .collect();
    assert_eq!(
        installed, payload,
        "the database's list against the package's"
    );
    // Every file on disk as packaged: size, digest, mode.
    let verify = stdout_of("rpm", &["-V", "--nodeps", "--root", &dir, "keymint"]);
    assert!(verify.trim().is_empty(), "rpm -V: {verify}");
    let on_disk = |path: &str| root.0.join(path.trim_start_matches('/'));
    for path in DEB_FILES.map(rpm_path) {
        assert!(installed.contains(path), "{path} not in: {installed:?}");
        let meta = std::fs::metadata(on_disk(path))
            .unwrap_or_else(|e| panic!("{path} missing under {dir}: {e}"));
        assert!(meta.is_file() && meta.len() > 0, "{path} empty");
    }
    for path in ["/usr/bin/keymint", "/usr/bin/keymint-app"] {
        let mode = std::fs::metadata(on_disk(path))
            .expect(path)
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o755, "{path} mode {mode:o}");
    }
    let desktop = std::fs::read_to_string(on_disk("/usr/share/applications/Keymint.desktop"))
        .expect("desktop entry");
    assert!(
        desktop.contains("Exec=keymint-app") && desktop.contains("Icon=keymint-app"),
        "{desktop}"
    );

    // The installed CLI runs, with its man page and completions.
    let cli = on_disk("/usr/bin/keymint").display().to_string();
    let cli_version = stdout_of(&cli, &["--version"]);
    assert_eq!(cli_version.trim(), format!("keymint {version}"));
    let man = on_disk("/usr/share/man/man1/keymint.1.gz")
        .display()
        .to_string();
    let (ok, man) = run("gzip", &["-dc", &man]);
    assert!(ok && man.contains(".TH keymint"), "{man}");
    let bash = on_disk("/usr/share/bash-completion/completions/keymint")
        .display()
        .to_string();
    let (ok, completion) = run(
        "bash",
        &["-c", &format!("source '{bash}' && complete -p keymint")],
    );
    assert!(ok && completion.contains("keymint"), "{completion}");

    // Erased cleanly.
    let (ok, out) = run("rpm", &["-e", "--nodeps", "--root", &dir, "keymint"]);
    assert!(ok, "rpm -e: {out}");
    let (ok, out) = run("rpm", &["-q", "--root", &dir, "keymint"]);
    assert!(
        !ok && out.contains("not installed"),
        "rpm -q after -e: {out}"
    );
    for path in &payload {
        assert!(!on_disk(path).exists(), "{path} left behind");
    }
}
