//! `keymint mcp` (SPEC §7): a Model Context Protocol server on stdin/stdout for coding
//! agents. Its tools answer with metadata and references (`keymint://ACCOUNT/LABEL`), never
//! with a secret or a credential: an agent hands a key to a program with `keymint run`.
//!
//! Only the protocol is written to stdout; logs go to stderr, and only with `KEYMINT_LOG`.

use std::collections::BTreeMap;
use std::process::ExitCode;

use keymint_core::providers::REGISTRY;
use keymint_core::reference::Reference;
use keymint_core::service::CreateInput;
use keymint_core::store::{KeyQuery, KeyStatusFilter};
use keymint_core::{Error, Keymint};
use rmcp::handler::server::router::tool::ToolRouter;
use rmcp::handler::server::wrapper::Parameters;
use rmcp::model::{CallToolResult, ContentBlock, Implementation, ServerCapabilities, ServerConfig};
use rmcp::{tool, tool_handler, tool_router, ServerHandler, ServiceExt};
use schemars::JsonSchema;
use serde::Deserialize;
use serde_json::{json, Value};

/// What the server tells the agent when it connects.
const INSTRUCTIONS: &str = "Keymint gives references (keymint://ACCOUNT/LABEL), never secret values; use `keymint run --env VAR=REF -- COMMAND` to give a program a key.";

/// Keys listed when the agent does not say how many.
const DEFAULT_LIMIT: u32 = 50;
/// Most keys one `list_keys` answers with.
const MAX_LIMIT: u32 = 500;
/// Most references one `check_references` takes.
const MAX_REFERENCES: usize = 1000;
/// Longest search text, in characters.
const MAX_SEARCH: usize = 256;
/// Longest reference, in bytes (an account name and a label, encoded, with room to spare).
const MAX_REFERENCE: usize = 2048;

/// The key metadata an answer may carry; everything else in a key row stays out.
const KEY_FIELDS: [&str; 10] = [
    "id",
    "account",
    "provider",
    "label",
    "reference",
    "hint",
    "created_at",
    "expires_at",
    "status",
    "superseded_by",
];

/// Serves until the client closes stdin.
pub async fn run(core: Keymint) -> Result<ExitCode, Error> {
    let server = KeymintMcp::new(core);
    let running = server
        .serve(rmcp::transport::stdio())
        .await
        .map_err(|e| Error::Io(format!("mcp: the session could not start: {e}")))?;
    running
        .waiting()
        .await
        .map_err(|e| Error::Io(format!("mcp: the session ended abnormally: {e}")))?;
    Ok(ExitCode::SUCCESS)
}

/// The server: the core and the tool table.
#[derive(Clone)]
struct KeymintMcp {
    core: Keymint,
    tool_router: ToolRouter<Self>,
}

/// Key status, as `list_keys` filters by it.
#[derive(Debug, Clone, Copy, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
enum Status {
    /// Not expired.
    Active,
    /// Expiring within 14 days, not yet expired.
    Expiring,
    /// Past its expiry.
    Expired,
    /// Secret not in the keychain.
    NotStored,
    /// A create cut off after its request left: the provider may hold the key.
    Interrupted,
    /// Replaced by a rotation.
    Superseded,
}

impl From<Status> for KeyStatusFilter {
    fn from(s: Status) -> Self {
        match s {
            Status::Active => Self::Active,
            Status::Expiring => Self::Expiring,
            Status::Expired => Self::Expired,
            Status::NotStored => Self::NotStored,
            Status::Interrupted => Self::Interrupted,
            Status::Superseded => Self::Superseded,
        }
    }
}

/// `list_keys` input.
#[derive(Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
struct ListKeysArgs {
    /// Text found in the label, account, provider, remote id or hint.
    search: Option<String>,
    /// Only keys of this account (its name).
    account: Option<String>,
    /// Only keys of this provider (its id, see list_providers).
    provider: Option<String>,
    /// Only keys with this status.
    status: Option<Status>,
    /// How many keys at most (default 50, at most 500); newest first.
    limit: Option<u32>,
}

/// `key_reference` input.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
struct KeyReferenceArgs {
    /// A key id, a unique id prefix (4+ characters) or a label.
    key: String,
}

/// `check_references` input.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
struct CheckArgs {
    /// References to check, each `keymint://ACCOUNT/LABEL`.
    references: Vec<String>,
    /// Report keys that expire within this long (e.g. 14d, 12h); default 14d.
    within: Option<String>,
}

/// `create_key` input.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
struct CreateKeyArgs {
    /// The account to create the key in (its name).
    account: String,
    /// The new key's label (its reference is keymint://ACCOUNT/LABEL).
    label: String,
    /// Expiry: an RFC 3339 time or a duration such as 30d.
    expires: Option<String>,
    /// The provider's key-form fields by name (see list_providers): a text, texts or an object.
    fields: Option<BTreeMap<String, Value>>,
}

#[tool_router]
impl KeymintMcp {
    fn new(core: Keymint) -> Self {
        Self {
            core,
            tool_router: Self::tool_router(),
        }
    }

    #[tool(
        description = "List the providers Keymint can create keys for: id, name and the fields of their create-key form."
    )]
    fn list_providers(&self) -> CallToolResult {
        let providers: Vec<Value> = REGISTRY
            .iter()
            .map(|p| {
                let d = p.descriptor();
                json!({ "id": d.id, "name": d.name, "key_fields": d.key_fields })
            })
            .collect();
        answer(Ok(json!({ "providers": providers })))
    }

    #[tool(
        description = "List and search the keys in the inventory: metadata and the reference of each (never a secret). Newest first."
    )]
    fn list_keys(&self, Parameters(args): Parameters<ListKeysArgs>) -> CallToolResult {
        answer(self.keys(args))
    }

    #[tool(
        description = "The reference (keymint://ACCOUNT/LABEL) of a key given by id, id prefix or label. Put the reference, not a secret, in configuration and run programs with `keymint run --env VAR=REF -- COMMAND`."
    )]
    fn key_reference(&self, Parameters(args): Parameters<KeyReferenceArgs>) -> CallToolResult {
        answer(
            self.core
                .resolve_key(&args.key)
                .map(|k| json!({ "reference": k.reference, "key": metadata(&k) })),
        )
    }

    #[tool(
        description = "Check references: each must resolve to a key, its secret must be in the keychain, and it must not expire within the window (default 14d). Answers with the problems found (none: an empty list)."
    )]
    async fn check_references(&self, Parameters(args): Parameters<CheckArgs>) -> CallToolResult {
        answer(self.check(args).await)
    }

    #[tool(
        description = "Create a key at the provider of an account and keep it in Keymint. Answers with the new key's reference and metadata, never its secret. Only when the user has turned on the `agents_may_create` setting."
    )]
    async fn create_key(&self, Parameters(args): Parameters<CreateKeyArgs>) -> CallToolResult {
        answer(self.create(args).await)
    }
}

impl KeymintMcp {
    fn keys(&self, args: ListKeysArgs) -> Result<Value, Error> {
        if let Some(s) = &args.search {
            if s.chars().count() > MAX_SEARCH {
                return Err(Error::field(
                    "search",
                    format!("search is too long (at most {MAX_SEARCH} characters)"),
                ));
            }
            // A NUL reaches SQLite's full-text query as the end of the string.
            if s.chars().any(char::is_control) {
                return Err(Error::field(
                    "search",
                    "search contains a control character (line break, tab or NUL); remove it",
                ));
            }
        }
        let limit = args.limit.unwrap_or(DEFAULT_LIMIT);
        if !(1..=MAX_LIMIT).contains(&limit) {
            return Err(Error::field(
                "limit",
                format!("limit must be 1 to {MAX_LIMIT}"),
            ));
        }
        let query = KeyQuery {
            search: args.search,
            provider: args.provider,
            account: args.account,
            status: args.status.map(Into::into),
            limit: i64::from(limit),
            ..KeyQuery::default()
        };
        let page = self.core.store().key_page(&query)?;
        let keys: Vec<Value> = page.items.iter().map(metadata).collect();
        Ok(json!({
            "total": page.total,
            "total_is_lower_bound": page.total_is_lower_bound,
            "keys": keys,
        }))
    }

    async fn check(&self, args: CheckArgs) -> Result<Value, Error> {
        if args.references.is_empty() {
            return Err(Error::field("references", "give at least one reference"));
        }
        if args.references.len() > MAX_REFERENCES {
            return Err(Error::field(
                "references",
                format!("too many references (at most {MAX_REFERENCES})"),
            ));
        }
        let within = keymint_core::expiry::parse_window(args.within.as_deref().unwrap_or("14d"))
            .map_err(|e| Error::field("within", format!("within: {e}")))?;
        if args.references.iter().any(|r| r.len() > MAX_REFERENCE) {
            return Err(Error::field(
                "references",
                format!("a reference is too long (at most {MAX_REFERENCE} bytes)"),
            ));
        }
        let references = args
            .references
            .iter()
            .map(|r| Reference::parse(r).map(|r| (r, None)))
            .collect::<Result<Vec<_>, Error>>()?;
        let checked = references.len();
        let problems = self.core.check(Some(references), within).await?;
        Ok(json!({ "checked": checked, "problems": problems }))
    }

    async fn create(&self, args: CreateKeyArgs) -> Result<Value, Error> {
        if !self.core.settings()?.agents_may_create {
            return Err(Error::invalid(
                "coding agents may not create keys: the user can allow it with `keymint settings set agents_may_create on` or in the app's Settings → Coding agents",
            ));
        }
        let mut fields = BTreeMap::new();
        for (name, value) in args.fields.unwrap_or_default() {
            let value = serde_json::from_value(value).map_err(|_| {
                Error::field(
                    &name,
                    "a field's value is a text, a list of texts or an object",
                )
            })?;
            fields.insert(name, value);
        }
        // The new secret can only go to the keychain (never into the answer): a keychain
        // that refuses writes refuses the create before the provider is asked.
        self.core.probe_vault().await?;
        let created = self
            .core
            .create_key(CreateInput {
                account: args.account.clone(),
                label: args.label.clone(),
                expires: args.expires,
                fields,
            })
            .await?;
        // The secret is dropped (and zeroized) here: it never reaches the answer.
        let keymint_core::service::Created {
            key,
            secret: _,
            stored,
            warnings,
        } = created;
        let reference = match &key {
            Some(k) => k.reference.clone(),
            None => Reference::new(&args.account, &args.label).to_string(),
        };
        let mut notes: Vec<String> = Vec::new();
        if stored {
            notes.extend(warnings);
        } else {
            // The core's own warning tells a person to copy the secret now; here nobody can.
            notes.push(
                "the key was created at the provider, but its secret could not be stored in the keychain and is not shown here; the key is marked not stored: the user must open the Keymint app or CLI (`keymint key show`) to deal with it"
                    .to_owned(),
            );
            notes.extend(warnings.into_iter().filter(|w| !w.contains("keychain")));
        }
        Ok(json!({
            "reference": reference,
            "stored": stored,
            "key": key.as_ref().map(metadata),
            "warnings": notes,
            "use": format!("keymint run --env VAR={reference} -- COMMAND"),
        }))
    }
}

#[tool_handler(router = self.tool_router)]
impl ServerHandler for KeymintMcp {
    fn get_info(&self) -> ServerConfig {
        ServerConfig::new(ServerCapabilities::builder().enable_tools().build())
            .with_server_info(
                Implementation::new("keymint", env!("CARGO_PKG_VERSION")).with_title("Keymint"),
            )
            .with_instructions(INSTRUCTIONS)
    }
}

/// A key's metadata for an answer: [`KEY_FIELDS`] of its row, nothing more.
fn metadata(key: &keymint_core::model::KeyRecord) -> Value {
    let Ok(Value::Object(row)) = serde_json::to_value(key) else {
        return json!({ "id": key.id, "reference": key.reference });
    };
    let picked: serde_json::Map<String, Value> = row
        .into_iter()
        .filter(|(k, _)| KEY_FIELDS.contains(&k.as_str()))
        .collect();
    Value::Object(picked)
}

/// A tool's answer: the value as JSON text, or a tool error `CODE: message`.
fn answer(result: Result<Value, Error>) -> CallToolResult {
    match result {
        Ok(v) => CallToolResult::success(vec![ContentBlock::text(v.to_string())]),
        Err(e) => {
            tracing::debug!(code = e.code().as_str(), "mcp tool error");
            CallToolResult::error(vec![ContentBlock::text(format!(
                "{}: {e}",
                e.code().as_str()
            ))])
        }
    }
}
