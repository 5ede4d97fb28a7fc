// The app's shared state: what the core told us (providers, accounts), what the user is
// looking at (filters, selection), and which dialog or toast is up. Components read it and
// call its methods; only this module and the pager talk to the api.
import * as api from './api';
import type {
  Account,
  Created,
  Descriptor,
  Key,
  KeychainStatus,
  KeySort,
  QuickAccessStatus,
  Settings,
  StatusFilter,
  SyncReport,
  TeamStore,
} from './api';
import { KeyPager, type KeyFilterQuery } from './keyPager.svelte';
import { applyTheme, darkQuery } from './theme';
import { STATUSES } from './statuses';

export type Dialog =
  | { kind: 'account'; account: Account | null }
  | { kind: 'remove-account'; account: Account }
  | { kind: 'account-details'; account: string }
  | { kind: 'create'; account: string | null }
  | { kind: 'result'; created: Created }
  | { kind: 'rotate'; key: Key }
  | { kind: 'import'; account: string | null }
  | { kind: 'forget'; key: Key }
  | { kind: 'settings' };

export interface Toast {
  id: number;
  tone: 'info' | 'success' | 'error';
  message: string;
  /** For a copy: when the clipboard will be cleared (ms since epoch). */
  clearsAt?: number;
}

export interface Filters {
  provider: string | null;
  account: string | null;
  status: StatusFilter | null;
  sort: KeySort;
}

const TOAST_MS = 4000;
/** Rows the first screen shows (a tall window), for the start-up prefetch. */
const FIRST_ROWS = 45;

const DEFAULT_SETTINGS: Settings = {
  clipboard_clear_secs: 30,
  reveal_timeout_secs: 20,
  reminders: true,
  reminder_days: [14],
  theme: 'system',
  agent_detection: true,
  agents_may_create: false,
  keep_running: false,
  quick_access_shortcut: 'Ctrl+Shift+K',
};

export { applyTheme };

class AppState {
  /** Null while the first check runs; the window is drawn meanwhile. */
  keychain = $state.raw<KeychainStatus | null>(null);
  /** True once providers and accounts arrived: the main view can be drawn. */
  ready = $state(false);
  settings = $state.raw<Settings>(DEFAULT_SETTINGS);
  /** Set when the app could not load its basic data at all. */
  loadError = $state<string | null>(null);
  providers = $state.raw<Descriptor[]>([]);
  accounts = $state.raw<Account[]>([]);
  accountsLoaded = $state(false);
  /** Team stores (SPEC §8) with the outcome of their last sync. */
  teamStores = $state.raw<TeamStore[]>([]);
  /** Names of the team stores syncing now (the app syncs at start and every few minutes). */
  syncingStores = $state.raw<string[]>([]);
  /** Keys per status filter, across the inventory (missing until counted). */
  statusCounts = $state.raw<Partial<Record<StatusFilter, number>>>({});

  /** What the search field shows. */
  searchText = $state('');
  filters = $state<Filters>({ provider: null, account: null, status: null, sort: 'created' });

  selected = $state.raw<Key | null>(null);
  /** Index of `selected` in the current list, or -1 when unknown. */
  selectedIndex = $state(-1);
  /** Bumped to ask the list to scroll the selection into view. */
  scrollRequest = $state(0);

  dialog = $state.raw<Dialog | null>(null);
  toast = $state.raw<Toast | null>(null);

  /** Bumped to refetch the list with the same query (after create, forget, import, ...). */
  listVersion = $state(0);
  /** Bumped when a key's events change (copied, revealed), so the detail pane refetches them. */
  eventsVersion = $state(0);

  readonly pager = new KeyPager((items, offset, query) => {
    this.#syncSelection(items, offset, query);
    // The status counts wait for the list's first page: start-up draws the rows first.
    if (!this.#statusesCounted) {
      this.#statusesCounted = true;
      void this.refreshStatusCounts();
    }
  });

  query: KeyFilterQuery = $derived({
    search: this.searchText.trim() === '' ? undefined : this.searchText.trim(),
    provider: this.filters.provider ?? undefined,
    account: this.filters.account ?? undefined,
    status: this.filters.status ?? undefined,
    sort: this.filters.sort,
  });

  hasFilters = $derived(
    this.searchText.trim() !== '' ||
      this.filters.provider !== null ||
      this.filters.account !== null ||
      this.filters.status !== null,
  );

  totalKeys = $derived(this.accounts.reduce((n, a) => n + a.key_count, 0));

  /** The providers by display name, as every list of them shows them. */
  providersByName = $derived([...this.providers].sort((a, b) => a.name.localeCompare(b.name)));

  #toastTimer: ReturnType<typeof setTimeout> | undefined;
  #toastId = 0;
  #awaitingRow = false;
  #statusesCounted = false;
  /** The query whose first page was last seen, as JSON. */
  #shownQuery = '';

  // ---- Start-up ---------------------------------------------------------------------------

  async start(): Promise<void> {
    this.keychain = null;
    this.loadError = null;
    // Listening before the first listing: a sync that ends in between is not missed.
    this.#watchTeamSync();
    void this.refreshTeamStores();
    // The first page of the list, asked for now rather than once the list is drawn: it
    // arrives with the accounts (the list's own first request then finds it on its way).
    this.pager.reset(this.query, [0, FIRST_ROWS], this.listVersion);
    // The keychain check can wait behind the start-up reconcile: draw the inventory from
    // SQLite meanwhile, and switch to the "keychain unavailable" page if it says so.
    const keychain = api.keychainStatus().then(
      (status) => {
        this.keychain = status;
      },
      (e: unknown) => {
        const err = api.ApiError.from(e);
        this.keychain = {
          ok: false,
          code: err.code,
          message: err.message,
        };
      },
    );
    try {
      const [providers, accounts, settings] = await Promise.all([
        api.listProviders(),
        api.listAccounts(),
        api.getSettings(),
      ]);
      this.providers = providers;
      this.accounts = accounts;
      this.accountsLoaded = true;
      this.#adoptSettings(settings);
    } catch (e) {
      const err = api.ApiError.from(e);
      if (err.code === 'keychain_unavailable') {
        this.keychain = { ok: false, code: err.code, message: err.message };
      } else {
        this.loadError = err.message;
      }
    }
    this.ready = true;
    this.#watchOutside();
    await keychain;
  }

  #watching = false;

  /** Reloads what the window shows when the CLI (or another process) changes the inventory. */
  #watchOutside(): void {
    if (this.#watching) return;
    this.#watching = true;
    void api.onInventoryChanged(() => {
      this.refreshKeys();
      void this.refreshTeamStores();
    });
    darkQuery.addEventListener('change', () => {
      applyTheme(this.settings.theme);
    });
  }

  #watchingSync = false;

  /** Follows the team store syncs the app runs: "syncing…", then the outcome. */
  #watchTeamSync(): void {
    if (this.#watchingSync) return;
    this.#watchingSync = true;
    void api.onTeamSync((syncing) => {
      this.syncingStores = syncing;
      void this.refreshTeamStores();
    });
  }

  #adoptSettings(settings: Settings): void {
    this.settings = settings;
    applyTheme(settings.theme);
  }

  async saveSettings(next: Settings): Promise<void> {
    this.#adoptSettings(await api.saveSettings(next));
    this.showToast('Settings saved', 'success');
  }

  /** Quits the app, even when it keeps running in the background. */
  async quit(): Promise<void> {
    try {
      await api.quitApp();
    } catch (e) {
      this.showError(e);
    }
  }

  /** Whether the quick access shortcut works (and if not, why); whether the tray is up. */
  quickAccessStatus(): Promise<QuickAccessStatus> {
    return api.quickAccessStatus();
  }

  async exportCalendar(): Promise<void> {
    try {
      const path = await api.exportCalendar();
      this.showToast(`Expiry calendar saved to ${path}`, 'success', 8000);
    } catch (e) {
      this.showError(e);
    }
  }

  // ---- Lookups ----------------------------------------------------------------------------

  descriptor(id: string): Descriptor | undefined {
    return this.providers.find((p) => p.id === id);
  }

  providerName(id: string): string {
    return this.descriptor(id)?.name ?? id;
  }

  account(name: string): Account | undefined {
    return this.accounts.find((a) => a.name === name);
  }

  // ---- Filters ----------------------------------------------------------------------------

  setSearch(text: string): void {
    // No debounce: a search takes about a millisecond in the core, and the pager shows only
    // the newest answer.
    this.searchText = text;
  }

  filterProvider(provider: string | null): void {
    this.filters.provider = provider;
    this.filters.account = null;
  }

  filterAccount(name: string | null): void {
    this.filters.account = name;
    if (name !== null) this.filters.provider = null;
  }

  /** "All keys": no provider, account or status filter (the search stays). */
  showAll(): void {
    this.filters.provider = null;
    this.filters.account = null;
    this.filters.status = null;
  }

  clearFilters(): void {
    this.searchText = '';
    this.filters.provider = null;
    this.filters.account = null;
    this.filters.status = null;
  }

  // ---- Data refresh -----------------------------------------------------------------------

  async refreshAccounts(): Promise<void> {
    try {
      this.accounts = await api.listAccounts();
    } catch (e) {
      this.showError(e);
    }
  }

  async refreshTeamStores(): Promise<void> {
    try {
      this.teamStores = await api.listTeamStores();
    } catch {
      // Each store's line keeps what it showed; a sync reports its own errors.
    }
  }

  /** "Sync now" on a team store: its outcome in a toast (and in the store's status line). */
  async syncStore(name: string): Promise<void> {
    if (!this.syncingStores.includes(name)) this.syncingStores = [...this.syncingStores, name];
    try {
      const [outcome] = await api.syncTeamStores(name);
      if (outcome?.error !== undefined) {
        this.showToast(`Team store “${name}”: ${outcome.error.message}`, 'error', 8000);
      } else if (outcome?.report !== undefined) {
        const conflicts = outcome.report.conflicts.length > 0;
        this.showToast(syncSummary(outcome.report), conflicts ? 'info' : 'success', conflicts ? 8000 : undefined);
      }
    } catch (e) {
      this.showError(e);
    } finally {
      this.syncingStores = this.syncingStores.filter((s) => s !== name);
      void this.refreshTeamStores();
    }
  }

  /** Counts the keys of each status filter: one counting query each (no rows are sent). */
  async refreshStatusCounts(): Promise<void> {
    try {
      const pages = await Promise.all(STATUSES.map((s) => api.listKeys({ status: s.value, limit: 1 })));
      this.statusCounts = Object.fromEntries(STATUSES.map((s, i) => [s.value, pages[i]?.total ?? 0]));
    } catch {
      // The counts are a convenience: the list itself shows any error.
      this.statusCounts = {};
    }
  }

  /** Refetches the list and the sidebar counts after something changed. */
  refreshKeys(): void {
    this.listVersion++;
    void this.refreshAccounts();
    void this.refreshStatusCounts();
  }

  // ---- Selection --------------------------------------------------------------------------

  select(key: Key | null, index = -1): void {
    this.#awaitingRow = false;
    this.selected = key;
    this.selectedIndex = key === null ? -1 : index;
  }

  /** Moves the selection by `delta` rows (or to `absolute`), loading rows as needed. */
  move(delta: number, absolute?: number): void {
    const total = this.pager.total;
    if (total === 0) return;
    let from = this.selectedIndex;
    if (this.selected !== null && this.pager.at(from)?.id !== this.selected.id) {
      from = this.pager.indexOf(this.selected.id);
    }
    const target =
      absolute ?? (from < 0 ? (delta > 0 ? 0 : total - 1) : Math.min(total - 1, Math.max(0, from + delta)));
    const key = this.pager.at(target);
    this.selectedIndex = target;
    this.#awaitingRow = key === undefined;
    if (key !== undefined) this.selected = key;
    this.scrollRequest++;
  }

  // Keeps `selected` fresh when its row reloads, and fills it in when the user moved onto a
  // row whose page had not arrived yet. When a new search or filter leaves the selected key
  // out, the selection goes too: Enter or Ctrl+C must not copy a key the list does not show.
  #syncSelection(items: Key[], offset: number, query: KeyFilterQuery): void {
    if (offset === 0) {
      const shown = JSON.stringify(query);
      const sel = this.selected;
      const newQuery = shown !== this.#shownQuery;
      this.#shownQuery = shown;
      if (newQuery && sel !== null && !this.#awaitingRow && !items.some((k) => k.id === sel.id)) {
        this.select(null);
        return;
      }
    }
    const idx = this.selectedIndex;
    if (this.#awaitingRow && idx >= offset && idx < offset + items.length) {
      this.#awaitingRow = false;
      this.selected = items[idx - offset] ?? this.selected;
      return;
    }
    const sel = this.selected;
    if (sel === null || this.#awaitingRow) return;
    const i = items.findIndex((k) => k.id === sel.id);
    if (i >= 0) {
      this.selected = items[i] ?? sel;
      this.selectedIndex = offset + i;
    }
  }

  // ---- Actions ----------------------------------------------------------------------------

  async copy(key: Key): Promise<void> {
    await this.copyById(key.id);
  }

  async copyById(id: string): Promise<void> {
    try {
      const { clear_after_secs } = await api.copyKey(id);
      this.showCopied(clear_after_secs);
      this.eventsVersion++;
    } catch (e) {
      this.showError(e);
    }
  }

  async copyReference(key: Key): Promise<void> {
    try {
      await api.copyReference(key.id);
      this.showToast('Reference copied: it names the key, it is not the secret', 'success');
    } catch (e) {
      this.showError(e);
    }
  }

  async forget(key: Key): Promise<void> {
    await api.forgetKey(key.id);
    if (this.selected?.id === key.id) this.select(null);
    this.refreshKeys();
    this.showToast(`Forgot “${key.label}” — revoke it at the provider if it should stop working`, 'info');
  }

  /** After a create or import: show the new key selected at the top of a fresh list. */
  adoptNewKey(key: Key): void {
    this.select(key, -1);
    this.refreshKeys();
  }

  openCreate(): void {
    if (this.accounts.length === 0) {
      this.dialog = { kind: 'account', account: null };
      return;
    }
    this.dialog = { kind: 'create', account: this.filters.account ?? this.selected?.account ?? null };
  }

  openImport(): void {
    if (this.accounts.length === 0) {
      this.dialog = { kind: 'account', account: null };
      return;
    }
    this.dialog = { kind: 'import', account: this.filters.account ?? this.selected?.account ?? null };
  }

  closeDialog(): void {
    this.dialog = null;
  }

  // ---- Toasts -----------------------------------------------------------------------------

  showToast(message: string, tone: Toast['tone'] = 'info', ms = TOAST_MS): void {
    this.#setToast({ id: ++this.#toastId, tone, message }, ms);
  }

  showCopied(clearAfterSecs: number): void {
    const clearsAt = Date.now() + clearAfterSecs * 1000;
    this.#setToast({ id: ++this.#toastId, tone: 'success', message: 'Copied', clearsAt }, clearAfterSecs * 1000 + 1500);
  }

  showError(e: unknown): void {
    this.showToast(api.ApiError.from(e).message, 'error', 8000);
  }

  dismissToast(): void {
    clearTimeout(this.#toastTimer);
    this.toast = null;
  }

  #setToast(toast: Toast, ms: number): void {
    clearTimeout(this.#toastTimer);
    this.toast = toast;
    this.#toastTimer = setTimeout(() => {
      if (this.toast?.id === toast.id) this.toast = null;
    }, ms);
  }
}

/** One line on what a sync did: "Synced “team”: 2 keys added". */
export function syncSummary(r: SyncReport): string {
  const plural = (n: number, one: string): string => `${n.toLocaleString()} ${one}${n === 1 ? '' : 's'}`;
  const parts: string[] = [];
  if (r.accounts_added.length > 0) parts.push(`${plural(r.accounts_added.length, 'account')} added`);
  if (r.keys_added > 0) parts.push(`${plural(r.keys_added, 'key')} added`);
  if (r.keys_removed > 0) parts.push(`${plural(r.keys_removed, 'key')} removed`);
  if (r.uploaded > 0) parts.push(`${plural(r.uploaded, 'key')} uploaded`);
  if (r.conflicts.length > 0) parts.push(`${plural(r.conflicts.length, 'conflict')}: ${r.conflicts[0] ?? ''}`);
  return parts.length === 0 ? `“${r.store}” is up to date` : `Synced “${r.store}”: ${parts.join(', ')}`;
}

export const app = new AppState();
