// Quick access: the palette the global shortcut shows over any window
// (src-tauri/src/quick_access.rs). Type to search the inventory (the core's list query, the
// first page, the eight rows the window shows), Up/Down to choose, Enter copies the secret (in Rust, with
// the clipboard's clear timer), Ctrl+Enter the reference, Escape closes. It never receives a
// secret: its capability has no command that returns one.
//
// Plain DOM rather than Svelte: one input and a fixed number of rows, updated in place, so
// the page loads and paints with as little script as possible.
import './palette.css';
import { ApiError, copyKey, copyReference, hidePalette, listKeys, onInventoryChanged, onPaletteShown } from './lib/api';
import type { Key, KeyPage } from './lib/api';
import { applyTheme, darkQuery } from './lib/theme';
import { expiryOf } from './lib/time';

/** Rows under the search field: the window is sized for eight (src-tauri/src/webview.rs,
 * `PALETTE_SIZE`; palette.css). Fixed, because the page loads hidden, before any layout. */
const PAGE_SIZE = 8;

function must<T>(found: T | null, selector: string): T {
  if (found === null) throw new Error(`palette.html has no ${selector}`);
  return found;
}

const input = must(document.querySelector<HTMLInputElement>('#palette-search'), 'search field');
const list = must(document.querySelector<HTMLUListElement>('#palette-list'), 'list');
const empty = must(document.querySelector<HTMLParagraphElement>('[data-testid="palette-empty"]'), 'empty line');
const errorLine = must(document.querySelector<HTMLParagraphElement>('[data-testid="palette-error"]'), 'error line');
const count = must(document.querySelector<HTMLSpanElement>('[data-testid="palette-count"]'), 'count');

const pageSize = PAGE_SIZE;
list.dataset['pageSize'] = String(pageSize);

interface RowParts {
  li: HTMLLIElement;
  label: HTMLSpanElement;
  where: HTMLSpanElement;
  badge: HTMLSpanElement;
  hint: HTMLSpanElement;
}

function span(className: string): HTMLSpanElement {
  const s = document.createElement('span');
  s.className = className;
  return s;
}

// The rows exist once and are filled in place.
const rows: RowParts[] = Array.from({ length: pageSize }, (_, i) => {
  const li = document.createElement('li');
  li.id = `palette-option-${i}`;
  li.className = 'row';
  li.setAttribute('role', 'option');
  li.dataset['testid'] = 'key-row';
  const parts = { li, label: span('label'), where: span('where'), badge: span('badge'), hint: span('hint mono') };
  const text = span('text');
  text.append(parts.label, parts.where);
  li.append(text, parts.badge, parts.hint);
  // The keyboard stays in the search field; a click chooses and copies.
  li.addEventListener('mousedown', (e) => {
    e.preventDefault();
  });
  li.addEventListener('click', () => {
    select(i);
    void copySelected(false);
  });
  li.hidden = true;
  list.append(li);
  return parts;
});

let items: Key[] = [];
let total = 0;
let selected = 0;
/** Numbers each query; an answer to an older one is dropped. */
let asked = 0;
/** The first page without a search, shown at once when the palette opens. */
let start: KeyPage | null = null;
let busy = false;

function badgeOf(key: Key, now: number): string {
  switch (key.status) {
    case 'not_stored':
      return 'Not stored';
    case 'missing':
      return 'Missing';
    case 'interrupted':
      return 'Interrupted';
    case 'pending':
      return 'Pending';
    case 'stored':
      break;
  }
  if (key.superseded_by !== null) return 'Superseded';
  const expiry = expiryOf(key.expires_at, now);
  if (expiry.kind === 'expired') return 'Expired';
  if (expiry.kind === 'expiring') return `Expires in ${expiry.days} d`;
  return '';
}

function render(page: KeyPage, query: string): void {
  items = page.items.slice(0, pageSize);
  total = page.total;
  selected = Math.min(selected, Math.max(0, items.length - 1));
  const now = Date.now();
  rows.forEach((row, i) => {
    const key = items[i];
    if (key === undefined) {
      row.li.hidden = true;
      delete row.li.dataset['keyId'];
      return;
    }
    row.li.hidden = false;
    row.li.dataset['keyId'] = key.id;
    row.label.textContent = key.label;
    row.where.textContent = `${key.account} · ${key.provider}`;
    const badge = badgeOf(key, now);
    row.badge.textContent = badge;
    row.badge.hidden = badge === '';
    row.hint.textContent = key.hint ?? '';
  });
  list.dataset['total'] = String(total);
  const more = page.total_is_lower_bound ? '+' : '';
  count.textContent = total === 1 ? '1 key' : `${total}${more} keys`;
  empty.hidden = items.length > 0;
  list.hidden = items.length === 0;
  empty.textContent = query === '' ? 'No keys yet: create or import one in Keymint' : `No key matches “${query}”`;
  list.setAttribute('aria-label', query === '' ? 'Newest keys' : `Keys matching ${query}`);
  showSelection();
}

function showSelection(): void {
  rows.forEach((row, i) => {
    row.li.setAttribute('aria-selected', String(i === selected && items[i] !== undefined));
  });
  if (items[selected] === undefined) input.removeAttribute('aria-activedescendant');
  else input.setAttribute('aria-activedescendant', `palette-option-${selected}`);
}

function select(i: number): void {
  if (items.length === 0) return;
  selected = Math.max(0, Math.min(items.length - 1, i));
  showSelection();
}

function showError(message: string | null): void {
  errorLine.hidden = message === null;
  errorLine.textContent = message ?? '';
}

/** Asks the core for the first page of `query` and shows it, unless a newer query was asked. */
async function search(query: string): Promise<void> {
  const mine = ++asked;
  try {
    const page = await listKeys(query === '' ? { limit: pageSize } : { search: query, limit: pageSize });
    if (query === '') start = page;
    if (mine !== asked) return;
    selected = 0;
    render(page, query);
  } catch (e) {
    if (mine === asked) showError(ApiError.from(e).message);
  }
}

/** Back to an empty search, ready for the next time the palette opens. */
function reset(): void {
  input.value = '';
  selected = 0;
  busy = false;
  showError(null);
  asked++;
  if (start !== null) render(start, '');
  void search('');
}

async function close(): Promise<void> {
  reset();
  try {
    await hidePalette();
  } catch (e) {
    showError(ApiError.from(e).message);
  }
}

async function copySelected(reference: boolean): Promise<void> {
  const key = items[selected];
  if (key === undefined || busy) return;
  busy = true;
  showError(null);
  try {
    if (reference) await copyReference(key.id);
    else await copyKey(key.id);
    await close();
  } catch (e) {
    showError(ApiError.from(e).message);
  } finally {
    busy = false;
  }
}

input.addEventListener('input', () => {
  showError(null);
  void search(input.value.trim());
});

input.addEventListener('keydown', (e) => {
  switch (e.key) {
    case 'ArrowDown':
      e.preventDefault();
      select(selected + 1);
      break;
    case 'ArrowUp':
      e.preventDefault();
      select(selected - 1);
      break;
    case 'PageDown':
    case 'End':
      if (e.key === 'End' && input.value !== '' && !e.ctrlKey) break;
      e.preventDefault();
      select(items.length - 1);
      break;
    case 'PageUp':
    case 'Home':
      if (e.key === 'Home' && input.value !== '' && !e.ctrlKey) break;
      e.preventDefault();
      select(0);
      break;
    case 'Enter':
      e.preventDefault();
      void copySelected(e.ctrlKey || e.metaKey);
      break;
    case 'Escape':
      e.preventDefault();
      void close();
      break;
  }
});

// Nothing but the search field takes the keyboard.
document.addEventListener('mousedown', (e) => {
  if (e.target !== input) e.preventDefault();
});

let theme: 'system' | 'light' | 'dark' = 'system';
applyTheme(theme);
darkQuery.addEventListener('change', () => {
  applyTheme(theme);
});

void onPaletteShown(
  (open) => {
    theme = open.theme;
    applyTheme(theme);
    input.focus();
    // For anyone timing the palette (the bench): it is up, with this page's state.
    window.dispatchEvent(new CustomEvent('keymint-palette-open'));
    // The inventory may have changed while it was hidden.
    if (input.value === '') void search('');
  },
  reset,
);
void onInventoryChanged(() => {
  void search(input.value.trim());
});

input.focus();
void search('');
