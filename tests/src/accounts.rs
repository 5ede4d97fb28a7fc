//! Adding a working account for each provider against its fake, the way a user would.

use crate::fakes::{FakeOptions, FakeServer, Mode, Provider, TestPki, DEFAULT_CREDENTIAL};
use crate::harness::{Env, Run};

/// A fake, an environment and an account named after the provider, ready for `key create`.
pub struct Setup {
    /// The provider's fake.
    pub fake: FakeServer,
    /// The isolated Keymint.
    pub env: Env,
    /// Account name.
    pub account: String,
    /// PKI for TLS providers.
    pub pki: Option<TestPki>,
}

/// Account fields each provider needs (and a value with characters that need encoding).
pub fn account_fields(p: Provider) -> Vec<&'static str> {
    match p {
        Provider::HellgateCommerce => vec!["account_id=acc 1/x"],
        Provider::Flexprice => vec!["region=us"],
        Provider::Fireworks => vec!["account_id=acme", "user_id=dev/1"],
        Provider::HellgateCloud => vec!["cluster_id=acme-prod"],
        Provider::Hsrcpay => vec!["account_id=acct&1"],
    }
}

/// Key fields that make a valid create for each provider.
pub fn key_fields(p: Provider) -> Vec<&'static str> {
    match p {
        Provider::HellgateCloud => vec!["scopes=pci:tokens:read,admin:webhooks:read"],
        Provider::Hsrcpay => vec![
            r#"permissions={"payments":["read","write"]}"#,
            r#"metadata={"team":"billing"}"#,
        ],
        Provider::Flexprice => vec!["type=private_key"],
        _ => vec![],
    }
}

/// `--set` arguments for `fields`.
pub fn set_args(fields: &[&str]) -> Vec<String> {
    fields
        .iter()
        .flat_map(|f| ["--set".to_owned(), (*f).to_owned()])
        .collect()
}

impl Setup {
    /// Starts `p`'s fake in `mode` and adds an account for it.
    pub fn new(p: Provider, mode: Mode) -> Self {
        Self::with_env(p, mode, Env::new(), std::time::Duration::from_secs(20))
    }

    /// As [`Setup::new`], in a given environment, with slow modes stalling for `slow`.
    pub fn with_env(p: Provider, mode: Mode, env: Env, slow: std::time::Duration) -> Self {
        let pki =
            (p == Provider::HellgateCommerce).then(|| TestPki::generate(&env.dir.join("pki")));
        let opts = FakeOptions {
            mode,
            tls: pki.as_ref().map(TestPki::server_mtls),
            slow,
            ..FakeOptions::default()
        };
        let fake = FakeServer::start(p, opts);
        let setup = Self {
            fake,
            env,
            account: p.id().replace('-', "_"),
            pki,
        };
        setup.add_account(&setup.account, &[]).ok();
        setup
    }

    /// Runs `account add` for this provider with `extra` arguments.
    pub fn add_account(&self, name: &str, extra: &[&str]) -> Run {
        self.add_account_in(&self.env, name, extra)
    }

    /// As [`Setup::add_account`], in another environment (a second member, a second machine).
    pub fn add_account_in(&self, env: &Env, name: &str, extra: &[&str]) -> Run {
        let p = self.fake.provider();
        let base = self.fake.base_url();
        let mut args: Vec<String> =
            vec!["account".into(), "add".into(), p.id().into(), name.into()];
        args.extend(set_args(&account_fields(p)));
        args.extend(["--base-url".to_owned(), base]);
        let stdin = match &self.pki {
            Some(pki) => {
                for (flag, path) in [
                    ("--ca-cert", &pki.ca_pem),
                    ("--client-cert", &pki.client_cert_pem),
                    ("--client-key", &pki.client_key_pem),
                ] {
                    args.push(flag.into());
                    args.push(path.display().to_string());
                }
                None
            }
            None => {
                args.push("--credential-stdin".into());
                Some(DEFAULT_CREDENTIAL)
            }
        };
        args.extend(extra.iter().map(|s| (*s).to_owned()));
        let refs: Vec<&str> = args.iter().map(String::as_str).collect();
        env.run(&refs, stdin)
    }

    /// `keymint --json key create <account> --label <label> <extra…>` with the provider's
    /// valid key fields.
    pub fn create(&self, label: &str, extra: &[&str]) -> Run {
        let mut args: Vec<String> = vec![
            "--json".into(),
            "key".into(),
            "create".into(),
            self.account.clone(),
            "--label".into(),
            label.into(),
        ];
        args.extend(set_args(&key_fields(self.fake.provider())));
        args.extend(extra.iter().map(|s| (*s).to_owned()));
        let refs: Vec<&str> = args.iter().map(String::as_str).collect();
        self.env.run(&refs, None)
    }

    /// Number of keys in the inventory.
    pub fn key_count(&self) -> usize {
        let list = self.env.run(&["--json", "key", "list"], None).ok().json();
        list.as_array().map_or(0, Vec::len)
    }
}

/// A Fireworks account `name` whose base URL is never called (for keys that are imported,
/// not created): the credential goes in on stdin as usual.
pub fn offline_account(env: &Env, name: &str) {
    let mut args: Vec<String> = ["account", "add", "fireworks", name]
        .map(String::from)
        .to_vec();
    args.extend(set_args(&account_fields(Provider::Fireworks)));
    args.extend(["--base-url".into(), "http://127.0.0.1:9".into()]);
    args.push("--credential-stdin".into());
    let refs: Vec<&str> = args.iter().map(String::as_str).collect();
    env.run(&refs, Some(DEFAULT_CREDENTIAL)).ok();
}

/// `keymint key import ACCOUNT --label LABEL [--expires WHEN]` with a made-up secret that
/// contains the label (`sk-imported-<label>-…`).
pub fn import_key(env: &Env, account: &str, label: &str, expires: Option<&str>) {
    let mut args = vec!["key", "import", account, "--label", label];
    if let Some(e) = expires {
        args.extend(["--expires", e]);
    }
    env.run(
        &args,
        Some(&format!("sk-imported-{label}-0123456789abcdef")),
    )
    .ok();
}

/// `keymint account add PROVIDER NAME` with the provider's usual fields, `base_url` and the
/// credential on stdin (not for mutual TLS).
pub fn add_account_at(env: &Env, p: Provider, name: &str, base_url: &str, credential: &str) -> Run {
    let mut args: Vec<String> = vec!["account".into(), "add".into(), p.id().into(), name.into()];
    args.extend(set_args(&account_fields(p)));
    args.extend([
        "--base-url".into(),
        base_url.to_owned(),
        "--credential-stdin".into(),
    ]);
    let refs: Vec<&str> = args.iter().map(String::as_str).collect();
    env.run(&refs, Some(credential))
}

/// A hellgate-cloud account whose fake answers only after the 1 s request timeout, and a
/// create labelled `label` (expiring in 10 days) cut off by it after the request left: the
/// inventory keeps it as `interrupted`.
pub fn timed_out_create(label: &str) -> (Setup, Run) {
    let mut env = Env::new();
    env.vars.push(("KEYMINT_TIMEOUT_SECS".into(), "1".into()));
    let s = Setup::with_env(
        Provider::HellgateCloud,
        Mode::SlowHeaders,
        env,
        std::time::Duration::from_secs(5),
    );
    let run = s.create(label, &["--expires", "10d"]);
    (s, run)
}
