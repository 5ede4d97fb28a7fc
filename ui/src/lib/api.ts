// The one typed module that talks to the Rust side. Every `invoke` goes through `call`, so
// command names, argument shapes and the error type live in this file only.
import { invoke } from '@tauri-apps/api/core';

// ---- Types ----------------------------------------------------------------------------------
// Every type that crosses the boundary is generated from the Rust types (./bindings.ts, by
// src-tauri/src/bindings.rs): no hand-kept copy here.

import type {
  Account,
  AccountForm,
  Copied,
  Created,
  CreateKeyInput,
  Descriptor,
  ErrorCode,
  ImportKeyInput,
  Key,
  KeyEvent,
  KeychainStatus,
  KeyPage,
  KeyQuery,
  QuickAccessStatus,
  Settings,
  StoreSync,
  TeamStore,
  TeamSyncProgress,
  Theme,
} from './bindings';

export type * from './bindings';

/** An account form as the commands take it (credential fields optional on update). */
export type AccountInput = AccountForm;

// ---- Errors ---------------------------------------------------------------------------------

/** A code from the core; `internal` also stands for a failure on this side (a script error). */
export type ApiErrorCode = ErrorCode;

/** An error from a command: `{code, message, field?}` on the wire (`ErrorBody`). */
export class ApiError extends Error {
  readonly code: ApiErrorCode;
  readonly field: string | undefined;

  constructor(code: ApiErrorCode, message: string, field?: string) {
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
        String(code) as ApiErrorCode,
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

/** Tauri's invoke in the app. Opened in a plain browser the page has no backend: every call
 * fails with a message saying so (there is no mock copy of the core in TypeScript). */
function getTransport(): Promise<Invoke> {
  if ('__TAURI_INTERNALS__' in window) return Promise.resolve<Invoke>(invoke);
  return Promise.reject(
    new ApiError('internal', 'This page is Keymint\'s window: open it through the app (make run).'),
  );
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

/** Creates the successor of a key with the same form; the old key becomes superseded. */
export function rotateKey(id: string): Promise<Created> {
  return call('rotate_key', { id });
}

/** Puts the key's reference on the clipboard (not a secret: no timer, no event). */
export function copyReference(id: string): Promise<string> {
  return call('copy_reference', { id });
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

// ---- Team stores ----------------------------------------------------------------------------

export function listTeamStores(): Promise<TeamStore[]> {
  return call('list_team_stores');
}

/** Syncs `store` now, or every team store without it; one report or error per store. */
export function syncTeamStores(store?: string): Promise<StoreSync[]> {
  return call('sync_team_stores', { store: store ?? null });
}

/** Calls `handler` with the team stores syncing now, whenever one starts or ends. */
export async function onTeamSync(handler: (syncing: string[]) => void): Promise<() => void> {
  if (!('__TAURI_INTERNALS__' in window)) return () => undefined;
  const { listen } = await import('@tauri-apps/api/event');
  return listen<TeamSyncProgress>('team-sync', (e) => {
    handler(e.payload.syncing);
  });
}

// ---- Settings -------------------------------------------------------------------------------

export function getSettings(): Promise<Settings> {
  return call('get_settings');
}

export function saveSettings(settings: Settings): Promise<Settings> {
  return call('save_settings', { settings });
}

/** Whether the quick access shortcut works (and if not why), and whether the tray icon is up. */
export function quickAccessStatus(): Promise<QuickAccessStatus> {
  return call('quick_access_status');
}

/** Quits Keymint (Ctrl+Q), also when it keeps running in the background. */
export function quitApp(): Promise<void> {
  return call('quit_app');
}

// ---- Quick access palette (its own window: ../palette.ts) -----------------------------------

/** Hides the palette (granted to the palette only). */
export function hidePalette(): Promise<void> {
  return call('hide_palette');
}

/** What the app sends the palette when it shows it. */
export interface PaletteOpen {
  theme: Theme;
}

/** Calls `opened` when the app shows the palette, `closed` when it hides it. */
export async function onPaletteShown(
  opened: (open: PaletteOpen) => void,
  closed: () => void,
): Promise<void> {
  if (!('__TAURI_INTERNALS__' in window)) return;
  const { listen } = await import('@tauri-apps/api/event');
  await listen<PaletteOpen>('palette-open', (e) => {
    opened(e.payload);
  });
  await listen('palette-closed', closed);
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
