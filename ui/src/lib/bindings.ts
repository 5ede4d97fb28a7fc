// Generated from the Rust types by src-tauri/src/bindings.rs (ts-rs). Do not edit:
// change the Rust type and run `KEYMINT_UPDATE_BINDINGS=1 cargo test -p keymint-app bindings`.

export type JsonValue = number | string | boolean | Array<JsonValue> | { [key in string]?: JsonValue } | null;

export type Descriptor = { 
/**
 * Stable id, e.g. `fireworks`.
 */
id: string, 
/**
 * Display name.
 */
name: string, 
/**
 * Default base URL; `{field}` placeholders are filled from account fields.
 */
default_base_url: string | null, 
/**
 * How the account's credential is sent.
 */
credential: CredentialKind, 
/**
 * Fields stored with the account (not secret).
 */
account_fields: Array<Field>, 
/**
 * Fields of the create-key form besides label and expiry.
 */
key_fields: Array<Field>, 
/**
 * How the uniform expiry is sent.
 */
expiry: ExpiryKind, };

export type CredentialKind = { "kind": "api_key_header", 
/**
 * Header name.
 */
header: string, 
/**
 * What the user should paste.
 */
hint: string, } | { "kind": "bearer", 
/**
 * What the user should paste.
 */
hint: string, } | { "kind": "client_certificate", 
/**
 * What the user should provide.
 */
hint: string, };

export type Field = { 
/**
 * Machine name (also the `--set` name and the JSON key where sent as-is).
 */
name: string, 
/**
 * Human label.
 */
label: string, 
/**
 * One line of help.
 */
help: string, 
/**
 * Whether a value must be given.
 */
required: boolean, 
/**
 * Value used when none is given.
 */
default?: string, 
/**
 * Type and constraints.
 */
kind: FieldKind, };

export type FieldKind = { "type": "text", 
/**
 * Longest accepted value in bytes.
 */
max_len: number, 
/**
 * Extra rule the text must follow.
 */
pattern?: TextPattern, } | { "type": "enum", 
/**
 * Accepted values.
 */
options: Array<string>, } | { "type": "multi_enum", 
/**
 * Accepted values.
 */
options: Array<string>, 
/**
 * Fewest values accepted.
 */
min: number, } | { "type": "json_object", 
/**
 * What the object's values must be.
 */
values: JsonValues, };

export type TextPattern = "dns_label" | "path_segment";

export type JsonValues = "string_list" | "any";

export type ExpiryKind = { "kind": "timestamp" } | { "kind": "seconds", 
/**
 * Largest accepted value.
 */
max_seconds: number, };

export type Account = { 
/**
 * Local id.
 */
id: string, 
/**
 * Unique local name.
 */
name: string, 
/**
 * Provider id.
 */
provider: string, 
/**
 * Base URL given by the user, if any.
 */
base_url_override: string | null, 
/**
 * Base URL in use (override or the provider's default).
 */
base_url: string, 
/**
 * Whether an extra CA is set.
 */
has_ca_cert: boolean, 
/**
 * Provider account fields.
 */
fields: { [key in string]: string }, 
/**
 * Sandbox / test account.
 */
sandbox: boolean, 
/**
 * Number of keys in the inventory.
 */
key_count: number, 
/**
 * When it was added.
 */
created_at: string, 
/**
 * The name of the team store holding its credential; absent for the keychain.
 */
team_store?: string, };

export type AccountInput = { 
/**
 * Provider id.
 */
provider: string, 
/**
 * Unique local name.
 */
name: string, 
/**
 * Base URL override.
 */
base_url?: string, 
/**
 * Extra CA, PEM.
 */
ca_cert_pem?: string, 
/**
 * Provider account fields.
 */
fields: { [key in string]: string }, };

export type AccountForm = { credential?: string, client_cert_pem?: string, client_key_pem?: string, 
/**
 * Provider id.
 */
provider: string, 
/**
 * Unique local name.
 */
name: string, 
/**
 * Base URL override.
 */
base_url?: string, 
/**
 * Extra CA, PEM.
 */
ca_cert_pem?: string, 
/**
 * Provider account fields.
 */
fields: { [key in string]: string }, };

export type KeyStatus = "pending" | "stored" | "not_stored" | "missing" | "interrupted";

export type StoreState = "local" | "uploaded" | "upload_pending";

export type StatusFilter = "active" | "expiring" | "expired" | "not_stored" | "interrupted" | "superseded";

export type KeySort = "created" | "expiry" | "label";

export type Key = { 
/**
 * Local id.
 */
id: string, 
/**
 * `keymint://ACCOUNT/LABEL`: names the key without holding it (SPEC §6).
 */
reference: string, 
/**
 * Account name.
 */
account: string, 
/**
 * Provider id.
 */
provider: string, 
/**
 * Local label.
 */
label: string, 
/**
 * The provider's id for the key.
 */
remote_id: string | null, 
/**
 * Short display hint (provider prefix or `abcd…wxyz`), never the secret.
 */
hint: string | null, 
/**
 * Scopes, roles or permissions.
 */
scopes: JsonValue | null, 
/**
 * When Keymint recorded it.
 */
created_at: string, 
/**
 * When it expires.
 */
expires_at: string | null, 
/**
 * Keychain status.
 */
status: KeyStatus, 
/**
 * Belongs to a sandbox account.
 */
sandbox: boolean, 
/**
 * `created` or `imported`.
 */
origin: string, 
/**
 * Other provider metadata.
 */
extra: { [key in string]: JsonValue }, 
/**
 * The key that replaced this one when it was rotated; its reference now resolves there.
 */
superseded_by: string | null, 
/**
 * Where the provider's answer differed from the request: an expiry in the past or other
 * than asked, other scopes. One sentence each; empty when it matched.
 */
answer_notes: Array<string>, 
/**
 * Where the secret of a key of a team store's account is (SPEC §8); `local` otherwise.
 */
store_state: StoreState, 
/**
 * The member whose Keymint created the key, for a key synced from a team store.
 */
created_by: string | null, 
/**
 * The team store of the key's account, if any.
 */
team_store: string | null, };

export type KeyQuery = { 
/**
 * Substring of label, account, provider, remote id or hint.
 */
search?: string, 
/**
 * Provider id.
 */
provider?: string, 
/**
 * Account name.
 */
account?: string, 
/**
 * Status filter.
 */
status?: StatusFilter, 
/**
 * Only keys expiring within this many seconds from now (expired ones excluded).
 */
expiring_within_secs?: number, 
/**
 * Order.
 */
sort?: KeySort, 
/**
 * Rows to skip.
 */
offset?: number, 
/**
 * Rows to return (0 = all).
 */
limit?: number, };

export type KeyPage = { 
/**
 * Matches: exact, or at least this many when `total_is_lower_bound`.
 */
total: number, 
/**
 * Counting stopped at `offset + limit + COUNT_AHEAD`: there may be more matches.
 */
total_is_lower_bound: boolean, 
/**
 * The requested rows.
 */
items: Array<Key>, };

export type FieldValue = string | Array<string> | { [key in string]: JsonValue };

export type CreateKeyInput = { 
/**
 * Account name.
 */
account: string, 
/**
 * Local label; a dated default when empty.
 */
label: string, 
/**
 * Expiry (RFC 3339 or duration), optional.
 */
expires?: string, 
/**
 * Provider key-form fields.
 */
fields: { [key in string]: FieldValue }, };

export type Created = { key: Key | null, secret: string, stored: boolean, warnings: Array<string>, };

export type ImportInput = { 
/**
 * Account name.
 */
account: string, 
/**
 * Local label.
 */
label: string, 
/**
 * Provider's id.
 */
remote_id?: string, 
/**
 * Expiry (RFC 3339 or duration).
 */
expires?: string, };

export type ImportKeyInput = { secret: string, 
/**
 * Account name.
 */
account: string, 
/**
 * Local label.
 */
label: string, 
/**
 * Provider's id.
 */
remote_id?: string, 
/**
 * Expiry (RFC 3339 or duration).
 */
expires?: string, };

export type Copied = { clear_after_secs: number, };

export type KeyEvent = { 
/**
 * When.
 */
at: string, 
/**
 * `created`, `copied`, `revealed`, `imported`, `forgotten`, `account_added`, ...
 */
kind: string, 
/**
 * Key concerned.
 */
key_id: string | null, 
/**
 * Account concerned.
 */
account_id: string | null, 
/**
 * Short non-secret detail.
 */
detail: string | null, };

export type KeychainStatus = { ok: boolean, code?: ErrorCode, message?: string, };

export type TeamStore = { 
/**
 * Local id (the keychain item of its token is `store:<id>`).
 */
id: string, 
/**
 * Unique local name.
 */
name: string, 
/**
 * The server's address, e.g. `https://bao.example:8200`.
 */
address: string, 
/**
 * The KV version 2 mount.
 */
mount: string, 
/**
 * The path under the mount that Keymint uses.
 */
prefix: string, 
/**
 * The namespace sent as `X-Vault-Namespace`, if any.
 */
namespace: string | null, 
/**
 * Whether an extra CA is set.
 */
has_ca_cert: boolean, 
/**
 * When it was added.
 */
created_at: string, 
/**
 * This machine's name in the store's entries (`created_by` of the keys it creates).
 */
member: string, 
/**
 * When the last sync ended.
 */
synced_at: string | null, 
/**
 * Why the last sync failed, if it did.
 */
sync_error: string | null, };

export type SyncReport = { 
/**
 * The store's name.
 */
store: string, 
/**
 * Keys that waited in this keychain and are now in the store.
 */
uploaded: number, 
/**
 * Keys still waiting in this keychain (their upload failed; see `conflicts`).
 */
still_pending: number, 
/**
 * Accounts other members put in the store, now in this inventory.
 */
accounts_added: Array<string>, 
/**
 * Keys other members put in the store, now in this inventory.
 */
keys_added: number, 
/**
 * Keys removed from the store, now gone from this inventory.
 */
keys_removed: number, 
/**
 * Keys the store holds.
 */
keys_in_store: number, 
/**
 * What disagrees between the store and this machine, one line each; nothing of it was
 * overwritten.
 */
conflicts: Array<string>, };

export type StoreSync = { 
/**
 * The store's name.
 */
store: string, 
/**
 * What the sync did, when it ran to the end.
 */
report?: SyncReport, 
/**
 * Why it stopped, when it did not.
 */
error?: ErrorBody, };

export type TeamSyncProgress = { 
/**
 * Names of the stores syncing now.
 */
syncing: Array<string>, };

export type Theme = "system" | "light" | "dark";

export type Settings = { 
/**
 * Seconds a copied secret stays on the clipboard (cleared only if still unchanged).
 */
clipboard_clear_secs: number, 
/**
 * Seconds a revealed secret stays visible.
 */
reveal_timeout_secs: number, 
/**
 * Whether the app raises expiry reminders.
 */
reminders: boolean, 
/**
 * Days before expiry when a reminder is raised, largest first (one more at expiry).
 */
reminder_days: Array<number>, 
/**
 * Light, dark, or the desktop's choice.
 */
theme: Theme, 
/**
 * Whether coding-agent sessions are detected (SPEC §7): in one, commands that would
 * print a secret need a reason.
 */
agent_detection: boolean, 
/**
 * Whether `keymint mcp` may create keys for an agent (the answer is a reference).
 */
agents_may_create: boolean, 
/**
 * Whether closing the app's window keeps it running in the background (with a tray
 * icon where the desktop has one), so the quick access shortcut still works.
 */
keep_running: boolean, 
/**
 * The global shortcut that opens the quick access palette, as [`parse_shortcut`]
 * writes it (`Ctrl+Shift+K`), or `off`.
 */
quick_access_shortcut: string, };

export type SettingInfo = { 
/**
 * Name as stored and as typed on the command line.
 */
name: string, 
/**
 * What it does.
 */
help: string, 
/**
 * What values it takes.
 */
accepts: string, };

export type ShortcutErrorCode = "wayland" | "no_display" | "taken" | "failed";

export type ShortcutProblem = { 
/**
 * Stable code.
 */
code: ShortcutErrorCode, 
/**
 * One line: why, and what to do.
 */
message: string, };

export type QuickAccessStatus = { 
/**
 * The shortcut the app tried to take (`Ctrl+Shift+K`), or `off`.
 */
shortcut: string, 
/**
 * Whether pressing it opens the palette.
 */
active: boolean, 
/**
 * Why it does not, when it should.
 */
problem?: ShortcutProblem, 
/**
 * Whether a tray icon is up (keep running in the background).
 */
tray: boolean, 
/**
 * Why keeping running in the background has no tray icon.
 */
tray_problem?: string, };

export type ErrorCode = "validation" | "not_found" | "ambiguous" | "conflict" | "provider_refused" | "bad_response" | "network" | "keychain_unavailable" | "keychain" | "secret_missing" | "store" | "cancelled" | "io" | "destination_changed" | "unsafe_data_dir" | "rate_limited" | "store_denied" | "internal";

export type ErrorBody = { 
/**
 * Stable code.
 */
code: ErrorCode, 
/**
 * Human message.
 */
message: string, 
/**
 * Form field, for validation errors.
 */
field?: string, };
