// The one typed module that talks to the Rust side. Every `invoke` goes through `call`, so
// command names, argument shapes and the error type live in this file only.
import { invoke } from '@tauri-apps/api/core';

// ---- Provider descriptors -------------------------------------------------------------------

export type CredentialKind =
  | { kind: 'api_key_header'; header: string; hint: string }
  | { kind: 'bearer'; hint: string }
  | { kind: 'client_certificate'; hint: string };

export type FieldKind =
  /** `pattern` is a named rule (`"dns_label"`), not a regular expression. */
  | { type: 'text'; max_len?: number; pattern?: string }
  | { type: 'enum'; options: string[] }
  | { type: 'multi_enum'; options: string[]; min: number }
  | { type: 'json_object'; values?: 'string_list' | 'any' }
  | { type: 'integer'; min: number; max: number };

export interface Field {
  name: string;
  label: string;
  help: string;
  required: boolean;
  default?: string;
  kind: FieldKind;
}

export type ExpiryKind =
  | { kind: 'none' }
  | { kind: 'timestamp' }
  | { kind: 'seconds'; max_seconds?: number };

export interface Descriptor {
  id: string;
  name: string;
  default_base_url: string | null;
  credential: CredentialKind;
  account_fields: Field[];
  key_fields: Field[];
  expiry: ExpiryKind;
}

// ---- Accounts -------------------------------------------------------------------------------

export interface Account {
  id: string;
  name: string;
  provider: string;
  /** The effective base URL (override or the provider's default). */
  base_url: string;
  base_url_override: string | null;
  fields: Record<string, string>;
  has_ca_cert: boolean;
  sandbox: boolean;
  key_count: number;
  created_at: string;
}

export interface AccountInput {
  provider: string;
  name: string;
  base_url?: string;
  ca_cert_pem?: string;
  fields: Record<string, string>;
  /** API key or token. On update, omitted means "keep the stored one". */
  credential?: string;
  client_cert_pem?: string;
  client_key_pem?: string;
}

// ---- Keys -----------------------------------------------------------------------------------

/**
 * Where a key's secret is. `pending`: the provider was asked and the answer is not recorded
 * yet. `interrupted`: the request left but no usable answer came back (timeout, cancel, a
 * crash), so the key may exist at the provider; nothing is in the keychain.
 */
export type KeyStatus = 'pending' | 'stored' | 'not_stored' | 'missing' | 'interrupted';
export type StatusFilter = 'active' | 'expiring' | 'expired' | 'not_stored' | 'interrupted';
export type KeySort = 'created' | 'expiry' | 'label';

export interface Key {
  id: string;
  account: string;
  provider: string;
  label: string;
  remote_id: string | null;
  hint: string | null;
  /** A list of scopes, a permission map, or null; shape depends on the provider. */
  scopes: unknown;
  created_at: string;
  expires_at: string | null;
  status: KeyStatus;
  sandbox: boolean;
  extra: Record<string, unknown>;
}

export interface KeyQuery {
  search?: string;
  provider?: string;
  account?: string;
  status?: StatusFilter;
  sort?: KeySort;
  offset: number;
  limit: number;
}

export interface KeyPage {
  total: number;
  /** With a search, counting stops a little past the page asked for: `total` is then "at least". */
  total_is_lower_bound?: boolean;
  items: Key[];
}

export type FieldValue = string | string[] | Record<string, unknown>;

export interface CreateKeyInput {
  account: string;
  label: string;
  /** RFC 3339 time or a duration such as `90d`; omitted for no expiry. */
  expires?: string;
  fields: Record<string, FieldValue>;
}

export interface Created {
  /** Null when the secret could not be stored: then `secret` is the only copy. */
  key: Key | null;
  secret: string;
  stored: boolean;
  warnings: string[];
}

export interface ImportKeyInput {
  account: string;
  label: string;
  remote_id?: string;
  expires?: string;
  secret: string;
}

export interface Copied {
  clear_after_secs: number;
}

export interface KeyEvent {
  at: string;
  kind: string;
  detail: string | null;
}

export interface KeychainStatus {
  ok: boolean;
  code?: string;
  message?: string;
}

// ---- Errors ---------------------------------------------------------------------------------

/** Stable codes from keymint-core's `ErrorCode`; other strings may appear and are kept. */
export type ErrorCode =
  | 'validation'
  | 'not_found'
  | 'ambiguous'
  | 'conflict'
  | 'provider_refused'
  | 'bad_response'
  | 'network'
  | 'keychain_unavailable'
  | 'keychain'
  | 'secret_missing'
  | 'store'
  | 'cancelled'
  | 'io'
  | 'destination_changed'
  | 'unsafe_data_dir'
  | 'rate_limited'
  | 'internal';

/** An error from a command: `{code, message, field?}` on the wire. */
export class ApiError extends Error {
  readonly code: ErrorCode;
  readonly field: string | undefined;

  constructor(code: ErrorCode, message: string, field?: string) {
    super(message);
    this.name = 'ApiError';
    this.code = code;
    this.field = field;
  }

  static from(raw: unknown): ApiError {
    if (raw instanceof ApiError) return raw;
    if (typeof raw === 'object' && raw !== null && 'code' in raw && 'message' in raw) {
      const { code, message, field } = raw as { code: unknown; message: unknown; field?: unknown };
      return new ApiError(
        String(code) as ErrorCode,
        String(message),
        typeof field === 'string' ? field : undefined,
      );
    }
    if (raw instanceof Error) return new ApiError('internal', raw.message);
    return new ApiError('internal', typeof raw === 'string' ? raw : 'Unexpected error');
  }
}

// ---- Transport ------------------------------------------------------------------------------

type Invoke = <T>(cmd: string, args?: Record<string, unknown>) => Promise<T>;

let transport: Promise<Invoke> | undefined;

/** Tauri's invoke in the app; an in-memory mock when the page runs in a plain browser. */
function getTransport(): Promise<Invoke> {
  transport ??=
    '__TAURI_INTERNALS__' in window
      ? Promise.resolve<Invoke>(invoke)
      : import('./mock').then((m) => m.mockInvoke);
  return transport;
}

async function call<T>(cmd: string, args?: Record<string, unknown>): Promise<T> {
  const send = await getTransport();
  try {
    return await send<T>(cmd, args);
  } catch (e) {
    throw ApiError.from(e);
  }
}

// ---- Commands -------------------------------------------------------------------------------

export function listProviders(): Promise<Descriptor[]> {
  return call('list_providers');
}

export function listAccounts(): Promise<Account[]> {
  return call('list_accounts');
}

export function addAccount(input: AccountInput): Promise<Account> {
  return call('add_account', { input });
}

export function updateAccount(name: string, input: AccountInput): Promise<Account> {
  return call('update_account', { name, input });
}

export function removeAccount(name: string, forgetKeys: boolean): Promise<void> {
  return call('remove_account', { name, forgetKeys });
}

export function listKeys(query: KeyQuery): Promise<KeyPage> {
  return call('list_keys', { query });
}

export function createKey(input: CreateKeyInput): Promise<Created> {
  return call('create_key', { input });
}

export function cancelCreate(): Promise<void> {
  return call('cancel_create');
}

export function copyKey(id: string): Promise<Copied> {
  return call('copy_key', { id });
}

export function revealKey(id: string): Promise<string> {
  return call('reveal_key', { id });
}

export function forgetKey(id: string): Promise<void> {
  return call('forget_key', { id });
}

export function importKey(input: ImportKeyInput): Promise<Key> {
  return call('import_key', { input });
}

export function keyEvents(id: string): Promise<KeyEvent[]> {
  return call('key_events', { id });
}

export function keychainStatus(): Promise<KeychainStatus> {
  return call('keychain_status');
}

// ---- Settings -------------------------------------------------------------------------------

export type Theme = 'system' | 'light' | 'dark';

export interface Settings {
  clipboard_clear_secs: number;
  reveal_timeout_secs: number;
  reminders: boolean;
  /** Days before expiry, largest first; another reminder comes at expiry. */
  reminder_days: number[];
  theme: Theme;
}

export function getSettings(): Promise<Settings> {
  return call('get_settings');
}

export function saveSettings(settings: Settings): Promise<Settings> {
  return call('save_settings', { settings });
}

/** Writes the expiry calendar (.ics) to the Downloads folder; resolves to its path. */
export function exportCalendar(): Promise<string> {
  return call('export_calendar');
}

/** Calls `handler` whenever another process (the CLI) changed the inventory. */
export async function onInventoryChanged(handler: () => void): Promise<() => void> {
  if (!('__TAURI_INTERNALS__' in window)) return () => undefined;
  const { listen } = await import('@tauri-apps/api/event');
  return listen('inventory-changed', handler);
}
