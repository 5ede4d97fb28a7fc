// The key list's columns, sized from their content. Every row is a grid of its own (the list
// is virtualized), so the widths must not depend on the rows in view: they come from what the
// app knows in full — the account and provider names, the date format, the longest hint —
// measured once with the list's fonts. The label gets all the room the others do not need; when
// the room runs short, account, provider and hint give way first (cut, with a tooltip), then
// whole columns are dropped.
import { formatDate } from './time';

export type ColumnId = 'label' | 'account' | 'provider' | 'hint' | 'created' | 'expiry';

/** A column besides the label: the width its content wants, and the least it may get. */
export interface ColumnWant {
  id: Exclude<ColumnId, 'label'>;
  want: number;
  min: number;
}

export interface ColumnLayout {
  /** The columns shown, label first. */
  shown: ReadonlySet<ColumnId>;
  /** The value for `grid-template-columns`. */
  template: string;
}

const GAP = 12;
/** The label never gets less than this... */
const LABEL_MIN = 180;
/** ...and, when the room runs short, this share of the row before the others are cut. */
const LABEL_SHARE = 0.42;
/** Columns dropped when even the least widths do not fit, first to last. */
const DROP_ORDER: readonly ColumnId[] = ['provider', 'created', 'hint'];
/** A hint is at most 12 characters (the core's rule), in the mono font. */
const HINT_CHARS = 12;
/** Horizontal padding of a badge (the expiry column's "expires in 14 d"). */
const BADGE_PADDING = 12;
/** Room for the sort arrow after a sortable header's name. */
const SORT_ARROW = 16;

let context: CanvasRenderingContext2D | null | undefined;

function textWidth(text: string, font: string): number {
  context ??= document.createElement('canvas').getContext('2d');
  if (context === null) return text.length * 7;
  context.font = font;
  return context.measureText(text).width;
}

function widest(texts: Iterable<string>, font: string): number {
  let max = 0;
  for (const t of texts) max = Math.max(max, textWidth(t, font));
  return Math.ceil(max) + 2;
}

/** What each column wants, from the names the app knows and the fonts of `el` (the list). */
export function columnWants(el: HTMLElement, accounts: string[], providers: string[]): ColumnWant[] {
  const style = getComputedStyle(el);
  const sans = style.getPropertyValue('--font').trim() || 'sans-serif';
  const mono = style.getPropertyValue('--mono').trim() || 'monospace';
  const body = `13px ${sans}`;
  // Headers: 11px semibold capitals, with a little letter spacing.
  const header = (name: string, sortable = false): number =>
    Math.ceil(textWidth(name.toUpperCase(), `600 11px ${sans}`) + name.length * 0.22) + (sortable ? SORT_ARROW : 0);
  const dates = Array.from({ length: 12 }, (_, month) => formatDate(new Date(Date.UTC(2026, month, 28)).toISOString()));
  const badge = widest(['expires in 14 d', 'expired'], `600 11px ${sans}`) + BADGE_PADDING;

  const account = Math.max(widest(accounts, body), header('Account'));
  const provider = Math.max(widest(providers, body), header('Provider'));
  const hint = Math.max(widest(['0'.repeat(HINT_CHARS)], `12px ${mono}`), header('Hint'));
  const created = Math.max(widest(dates, body), header('Created', true));
  const expiry = Math.max(widest([...dates, 'never'], body), badge, header('Expiry', true));
  return [
    { id: 'account', want: account, min: Math.min(account, 64) },
    { id: 'provider', want: provider, min: Math.min(provider, 64) },
    { id: 'hint', want: hint, min: Math.min(hint, 56) },
    { id: 'created', want: created, min: created },
    { id: 'expiry', want: expiry, min: expiry },
  ];
}

/** The columns for a row `width` px wide (inside its padding). */
export function fitColumns(width: number, wants: ColumnWant[]): ColumnLayout {
  let cols = wants;
  const least = (cs: ColumnWant[]): number => LABEL_MIN + cs.reduce((n, c) => n + c.min + GAP, 0);
  if (width > 0) {
    for (const id of DROP_ORDER) {
      if (least(cols) <= width) break;
      cols = cols.filter((c) => c.id !== id);
    }
  }
  const space = width - GAP * cols.length;
  const rest = space - cols.reduce((n, c) => n + c.want, 0);
  const labelFloor = Math.max(LABEL_MIN, LABEL_SHARE * width);
  // Short of room: the shrinkable columns give way in proportion to what they can give.
  const slack = cols.reduce((n, c) => n + c.want - c.min, 0);
  const give = width > 0 && rest < labelFloor && slack > 0 ? Math.min(1, (labelFloor - rest) / slack) : 0;
  const widths = cols.map((c) => `${Math.floor(c.want - (c.want - c.min) * give)}px`);
  return {
    shown: new Set<ColumnId>(['label', ...cols.map((c) => c.id)]),
    template: ['minmax(0, 1fr)', ...widths].join(' '),
  };
}
