//! The command line's shape (SPEC §4). No credential is ever an argument: it comes from
//! standard input, an environment variable, or a file.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

/// Keymint: create, keep and use API keys from the command line.
#[derive(Parser)]
#[command(name = "keymint", version, propagate_version = true)]
pub struct Cli {
    /// Data directory holding the inventory (default: the platform's data directory).
    #[arg(long, global = true, env = "KEYMINT_DATA_DIR", value_name = "DIR")]
    pub data_dir: Option<PathBuf>,
    /// Print JSON instead of text.
    #[arg(long, global = true)]
    pub json: bool,
    /// Why a secret must be shown in a coding agent's session (recorded in the audit trail).
    #[arg(long, global = true, value_name = "TEXT")]
    pub reason: Option<String>,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand)]
pub enum Command {
    /// List the providers Keymint can create keys for, with their fields.
    Providers,
    /// Manage provider accounts.
    #[command(subcommand)]
    Account(AccountCmd),
    /// Manage team stores (OpenBao or HashiCorp Vault KV version 2) that hold a team's secrets.
    #[command(subcommand)]
    Store(StoreCmd),
    /// Create, list and use keys.
    #[command(subcommand)]
    Key(KeyCmd),
    /// Run a command with keys in its environment.
    Exec(ExecArgs),
    /// Print the secret a reference (keymint://ACCOUNT/LABEL) names: only the secret.
    Read {
        /// keymint://ACCOUNT/LABEL (or a key id or label).
        reference: String,
    },
    /// Run a command with references resolved into its environment; its output is masked.
    Run(RunArgs),
    /// Fill the {{ keymint://ACCOUNT/LABEL }} placeholders of a template.
    Inject(InjectArgs),
    /// Check that references resolve, are in the keychain and do not expire soon (exit 6).
    Check(CheckArgs),
    /// Look for the inventory's secrets in files: FILE:LINE per finding, never the secret
    /// (exit 6 when any is found).
    Scan(ScanArgs),
    /// Show or change settings shared with the app (clipboard, reveal, reminders, theme).
    Settings {
        #[command(subcommand)]
        cmd: Option<SettingsCmd>,
    },
    /// Serve the Model Context Protocol on stdin/stdout for coding agents (never returns a secret)
    Mcp,
    /// Check the keychain, the D-Bus session, the inventory and each team store, and say what
    /// to fix.
    Doctor,
    /// Print a shell completion script.
    Completions {
        /// Shell to complete for.
        shell: clap_complete::Shell,
    },
    /// Print the man page (roff).
    Man,
}

#[derive(Subcommand)]
pub enum SettingsCmd {
    /// List every setting with its value, default and accepted values (the default).
    List,
    /// Print one setting's value.
    Get {
        /// Setting name (see `keymint settings`).
        name: String,
    },
    /// Change a setting, e.g. `keymint settings set reminder_days 14,3`.
    Set {
        /// Setting name.
        name: String,
        /// New value.
        value: String,
    },
    /// Put a setting back to its default.
    Reset {
        /// Setting name.
        name: String,
    },
}

#[derive(Subcommand)]
pub enum AccountCmd {
    /// Add an account; its credential goes to the keychain.
    Add(AccountAddArgs),
    /// Edit an account. Changing its base URL or CA needs the credential again.
    Edit(AccountEditArgs),
    /// List accounts.
    List,
    /// Remove an account and its credential.
    Remove {
        /// Account name.
        name: String,
        /// Also forget the account's keys (inventory and keychain; not revoked at the provider).
        #[arg(long)]
        forget_keys: bool,
    },
}

#[derive(Subcommand)]
pub enum StoreCmd {
    /// Add a team store; its token is checked with the server, then kept in the keychain.
    Add(StoreAddArgs),
    /// List team stores, with this machine's member name and the last sync.
    List,
    /// Sync with team stores (all, or the one named): upload keys waiting in this keychain,
    /// add the accounts and keys other members put in the store, drop the keys removed from
    /// it. Conflicts are reported (exit 6), never overwritten.
    Sync {
        /// Store name (default: every team store).
        name: Option<String>,
    },
    /// Remove a team store from this inventory and its token from the keychain (the store's
    /// contents are left alone).
    Remove {
        /// Store name.
        name: String,
    },
}

#[derive(Args)]
pub struct StoreAddArgs {
    /// A unique local name for the store.
    pub name: String,
    /// The server's address, e.g. https://bao.example:8200 (plain http only to loopback).
    #[arg(long, visible_alias = "url", value_name = "URL")]
    pub address: String,
    /// The KV version 2 mount [default: secret].
    #[arg(long, value_name = "MOUNT")]
    pub mount: Option<String>,
    /// The path under the mount that Keymint uses [default: keymint].
    #[arg(long, value_name = "PATH")]
    pub prefix: Option<String>,
    /// The namespace (Vault Enterprise, OpenBao), sent as X-Vault-Namespace.
    #[arg(long, value_name = "NS")]
    pub namespace: Option<String>,
    /// Extra CA certificate (PEM file) to trust for this server.
    #[arg(long, visible_alias = "ca-cert", value_name = "FILE")]
    pub ca_file: Option<PathBuf>,
    /// This machine's name in the store (shown to other members as the creator of its
    /// keys) [default: user@host].
    #[arg(long, value_name = "NAME")]
    pub member: Option<String>,
    #[command(flatten)]
    pub token: TokenArgs,
}

/// How a command takes a team store's token (never as an argument).
#[derive(Args)]
#[group(required = true, multiple = false)]
pub struct TokenArgs {
    /// Read the token from standard input.
    #[arg(long)]
    pub token_stdin: bool,
    /// Read the token from this environment variable.
    #[arg(long, value_name = "VAR")]
    pub token_env: Option<String>,
}

/// How a command takes an account's credential (never as an argument).
#[derive(Args)]
pub struct CredentialArgs {
    /// Read the credential (API key or token) from standard input.
    #[arg(long, group = "cred")]
    pub credential_stdin: bool,
    /// Read the credential from this environment variable.
    #[arg(long, value_name = "VAR", group = "cred")]
    pub credential_env: Option<String>,
    /// Client certificate (PEM file), for mutual-TLS providers.
    #[arg(long, value_name = "FILE", requires = "client_key", group = "cred")]
    pub client_cert: Option<PathBuf>,
    /// Client private key (PEM file), for mutual-TLS providers.
    #[arg(long, value_name = "FILE", requires = "client_cert")]
    pub client_key: Option<PathBuf>,
}

#[derive(Args)]
pub struct AccountEditArgs {
    /// The account's current name.
    pub name: String,
    /// A new name.
    #[arg(long, value_name = "NAME")]
    pub rename: Option<String>,
    /// A new base URL; an empty value goes back to the provider's default.
    #[arg(long, value_name = "URL")]
    pub base_url: Option<String>,
    /// A new extra CA certificate (PEM file).
    #[arg(long, value_name = "FILE", conflicts_with = "no_ca_cert")]
    pub ca_cert: Option<PathBuf>,
    /// Remove the extra CA certificate.
    #[arg(long)]
    pub no_ca_cert: bool,
    /// Account field to change, e.g. --set region=india (repeatable).
    #[arg(long = "set", value_name = "FIELD=VALUE")]
    pub set: Vec<String>,
    #[command(flatten)]
    pub credential: CredentialArgs,
}

#[derive(Args)]
pub struct AccountAddArgs {
    /// Provider id (see `keymint providers`).
    pub provider: String,
    /// A unique local name for the account.
    pub name: String,
    /// Base URL instead of the provider's default (staging, self-hosted, tests).
    #[arg(long, value_name = "URL")]
    pub base_url: Option<String>,
    /// Extra CA certificate (PEM file) to trust for this account.
    #[arg(long, value_name = "FILE")]
    pub ca_cert: Option<PathBuf>,
    /// Account field, e.g. --set account_id=acme (repeatable).
    #[arg(long = "set", value_name = "FIELD=VALUE")]
    pub set: Vec<String>,
    /// Keep the credential in this team store (see `keymint store list`) instead of the
    /// keychain.
    #[arg(long, value_name = "NAME")]
    pub store: Option<String>,
    #[command(flatten)]
    pub credential: CredentialArgs,
}

#[derive(Subcommand)]
pub enum KeyCmd {
    /// Create a key at the provider.
    Create(KeyCreateArgs),
    /// Create the successor of a key: same account, label and form values; the old key is
    /// marked superseded and references follow the new one.
    Rotate {
        /// Key id, unique id prefix, label or keymint:// reference.
        key: String,
        /// Expiry of the new key (default: as long as the old key's was).
        #[arg(long, value_name = "WHEN")]
        expires: Option<String>,
        /// Print the new secret (it is always printed if the keychain could not store it).
        #[arg(long)]
        show_secret: bool,
    },
    /// List keys.
    List(KeyListArgs),
    /// Show a key's metadata and events.
    Show {
        /// Key id, unique id prefix, or unique label.
        key: String,
    },
    /// Print only the secret.
    Secret {
        /// Key id, unique id prefix, or unique label.
        key: String,
    },
    /// Copy the secret to the clipboard; it is cleared after a while.
    Copy {
        /// Key id, unique id prefix, or unique label.
        key: String,
        /// Seconds before the clipboard is cleared, if it still holds the secret (default:
        /// the clipboard_clear_secs setting, 30).
        #[arg(long, value_name = "SECONDS")]
        clear_after: Option<u64>,
    },
    /// Import a key made elsewhere; the secret is read from standard input.
    Import {
        /// Account name.
        account: String,
        /// Local label.
        #[arg(long)]
        label: String,
        /// The provider's id for the key.
        #[arg(long, value_name = "ID")]
        remote_id: Option<String>,
        /// Expiry: RFC 3339 time or duration (90d, 12h, 3600s).
        #[arg(long, value_name = "WHEN")]
        expires: Option<String>,
    },
    /// Print an iCalendar (.ics) of key expiries, one event per key, with alarms at the
    /// reminder_days setting (14 days before by default); no secrets.
    Calendar,
    /// Remove a key from the inventory and keychain (the provider key is not revoked).
    Forget {
        /// Key id, unique id prefix, or unique label.
        key: String,
    },
}

#[derive(Args)]
pub struct KeyCreateArgs {
    /// Account name.
    pub account: String,
    /// Local label (sent as the key's name where the provider has one).
    #[arg(long)]
    pub label: Option<String>,
    /// Expiry: RFC 3339 time or duration (90d, 12h, 3600s).
    #[arg(long, value_name = "WHEN")]
    pub expires: Option<String>,
    /// Key field, e.g. --set scopes=pci:tokens:read,admin:webhooks:read (repeatable).
    #[arg(long = "set", value_name = "FIELD=VALUE")]
    pub set: Vec<String>,
    /// Print the new secret (it is always printed if the keychain could not store it).
    #[arg(long)]
    pub show_secret: bool,
}

#[derive(Args)]
pub struct KeyListArgs {
    /// Only this account's keys.
    #[arg(long, value_name = "NAME")]
    pub account: Option<String>,
    /// Only this provider's keys.
    #[arg(long, value_name = "ID")]
    pub provider: Option<String>,
    /// Substring of label, account, provider, remote id or hint.
    #[arg(long, value_name = "TEXT")]
    pub search: Option<String>,
    /// Only keys expiring within this duration (e.g. 14d).
    #[arg(long, value_name = "DURATION")]
    pub expiring_within: Option<String>,
    /// Only keys in this state.
    #[arg(long, value_enum, value_name = "STATUS")]
    pub status: Option<StatusArg>,
}

/// `key list --status`.
#[derive(Clone, Copy, Debug, clap::ValueEnum)]
pub enum StatusArg {
    /// Not expired.
    Active,
    /// Expiring within 14 days.
    Expiring,
    /// Past its expiry.
    Expired,
    /// Secret not in the keychain.
    NotStored,
    /// Create cut off after the request left: the key may exist at the provider.
    Interrupted,
    /// Replaced by a rotation; revoke it at the provider.
    Superseded,
}

impl StatusArg {
    /// The core's filter.
    pub fn filter(self) -> keymint_core::store::KeyStatusFilter {
        use keymint_core::store::KeyStatusFilter as F;
        match self {
            Self::Active => F::Active,
            Self::Expiring => F::Expiring,
            Self::Expired => F::Expired,
            Self::NotStored => F::NotStored,
            Self::Interrupted => F::Interrupted,
            Self::Superseded => F::Superseded,
        }
    }
}

#[derive(Args)]
pub struct ExecArgs {
    /// VAR=KEY: put KEY's secret in environment variable VAR (repeatable).
    #[arg(long = "env", value_name = "VAR=KEY", required = true)]
    pub env: Vec<String>,
    /// The command and its arguments.
    #[arg(last = true, required = true, value_name = "COMMAND")]
    pub command: Vec<String>,
}

#[derive(Args)]
pub struct RunArgs {
    /// A dotenv file whose values may be references (repeatable; later files win).
    #[arg(long = "env-file", value_name = "FILE")]
    pub env_files: Vec<PathBuf>,
    /// VAR=REF or VAR=KEY: put that key's secret in VAR (repeatable; wins over env files).
    #[arg(long = "env", value_name = "VAR=REF")]
    pub env: Vec<String>,
    /// Hand the command the terminal directly: its output is not masked.
    #[arg(long)]
    pub no_masking: bool,
    /// The command and its arguments.
    #[arg(last = true, required = true, value_name = "COMMAND")]
    pub command: Vec<String>,
}

#[derive(Args)]
pub struct InjectArgs {
    /// The template to fill.
    #[arg(short = 'i', long = "in", value_name = "TEMPLATE")]
    pub input: PathBuf,
    /// Where to write (mode 0600, atomically); standard output when not given.
    #[arg(short = 'o', long = "out", value_name = "OUT")]
    pub output: Option<PathBuf>,
    /// Write OUT even inside a git work tree that does not ignore it.
    #[arg(long)]
    pub force: bool,
}

#[derive(Args)]
pub struct CheckArgs {
    /// Check the references of this dotenv file (repeatable); every key label when none.
    #[arg(long = "env-file", value_name = "FILE")]
    pub env_files: Vec<PathBuf>,
    /// Report keys that expire within this long (e.g. 14d, 12h).
    #[arg(long, value_name = "DURATION", default_value = "14d")]
    pub within: String,
}

#[derive(Args)]
pub struct ScanArgs {
    /// Files or directories to search (default: the current directory). Dotfiles and
    /// git-ignored files are searched; `.git` directories, binary files and symbolic links are not.
    #[arg(value_name = "PATH")]
    pub paths: Vec<PathBuf>,
    /// Also search the transcript folders of known coding agents (~/.claude/projects,
    /// ~/.codex/sessions, ~/.gemini/tmp, ~/.cursor, ~/.aider*, ~/.continue/sessions, ...).
    #[arg(long)]
    pub agents: bool,
}
