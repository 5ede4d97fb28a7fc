//! Start one fake provider for manual runs and screenshots:
//!
//!     keymint-fake <provider-id> [--mode M] [--port N] [--credential C] [--tls-dir DIR]
//!                  [--slow-secs S]
//!
//! Prints one JSON line on stdout (`base_url`, and for TLS where the PEM files are), logs
//! each request on stderr, and serves until killed. hellgate-commerce always serves mutual
//! TLS; without `--tls-dir` its PEM files go to a directory under the system temp dir.
//! Files already in `--tls-dir` are reused, so a CA configured once keeps working.

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use keymint_tests::fakes::{FakeOptions, FakeServer, Mode, Provider, TestPki};
use serde_json::json;

const USAGE: &str = "usage: keymint-fake <provider-id> [--mode M] [--port N] [--credential C] \
                     [--tls-dir DIR] [--slow-secs S]";

struct Args {
    provider: Provider,
    options: FakeOptions,
    tls_dir: Option<PathBuf>,
}

fn parse(mut args: impl Iterator<Item = String>) -> Result<Args, String> {
    let provider: Provider = args.next().ok_or("missing <provider-id>")?.parse()?;
    let mut options = FakeOptions::default();
    let mut tls_dir = None;
    while let Some(flag) = args.next() {
        let mut value = || args.next().ok_or(format!("{flag} needs a value"));
        match flag.as_str() {
            "--mode" => options.mode = value()?.parse::<Mode>()?,
            "--port" => options.port = value()?.parse().map_err(|e| format!("--port: {e}"))?,
            "--credential" => options.credential = value()?,
            "--tls-dir" => tls_dir = Some(PathBuf::from(value()?)),
            "--slow-secs" => {
                let secs: u64 = value()?.parse().map_err(|e| format!("--slow-secs: {e}"))?;
                options.slow = Duration::from_secs(secs);
            }
            "-h" | "--help" => return Err(String::new()),
            other => return Err(format!("unknown argument {other:?}")),
        }
    }
    if tls_dir.is_none() && provider == Provider::HellgateCommerce {
        let dir = std::env::temp_dir().join(format!("keymint-fake-{}", std::process::id()));
        tls_dir = Some(dir);
    }
    Ok(Args {
        provider,
        options,
        tls_dir,
    })
}

fn main() -> ExitCode {
    let mut args = match parse(std::env::args().skip(1)) {
        Ok(args) => args,
        Err(message) => {
            if !message.is_empty() {
                eprintln!("keymint-fake: {message}");
            }
            eprintln!("{USAGE}");
            return ExitCode::from(2);
        }
    };
    let pki = args.tls_dir.as_deref().map(TestPki::load_or_generate);
    if let Some(pki) = &pki {
        args.options.tls = Some(if args.provider == Provider::HellgateCommerce {
            pki.server_mtls()
        } else {
            pki.server_tls()
        });
    }
    let fake = match FakeServer::try_start(args.provider, args.options.clone()) {
        Ok(fake) => fake,
        Err(e) => {
            eprintln!("keymint-fake: cannot start {}: {e}", args.provider);
            return ExitCode::FAILURE;
        }
    };
    let mut line = json!({
        "provider": args.provider.id(),
        "base_url": fake.base_url(),
        "mode": fake.mode().id(),
        "redirect_target": fake.redirect_target_origin(),
    });
    if args.provider != Provider::HellgateCommerce {
        line["credential"] = json!(args.options.credential);
    }
    if let Some(pki) = &pki {
        line["tls"] = json!({
            "dir": pki.dir,
            "ca_pem": pki.ca_pem,
            "server_cert_pem": pki.server_cert_pem,
            "server_key_pem": pki.server_key_pem,
            "client_cert_pem": pki.client_cert_pem,
            "client_key_pem": pki.client_key_pem,
            "other_ca_pem": pki.other_ca_pem,
            "untrusted_client_cert_pem": pki.untrusted_client_cert_pem,
            "untrusted_client_key_pem": pki.untrusted_client_key_pem,
        });
    }
    println!("{line}");
    log_requests(&fake)
}

/// Print each request on stderr as it arrives; never returns.
fn log_requests(fake: &FakeServer) -> ! {
    let mut seen = 0;
    loop {
        std::thread::sleep(Duration::from_millis(200));
        for request in fake.requests().into_iter().skip(seen) {
            seen += 1;
            let query = request.query.map(|q| format!("?{q}")).unwrap_or_default();
            let verdict = request.violation.unwrap_or_else(|| "ok".to_string());
            eprintln!("{} {}{query} -> {verdict}", request.method, request.path);
        }
    }
}
