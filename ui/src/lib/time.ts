// Dates as the inventory shows them, and the expiry badge rules (SPEC §3: expired, or
// expiring within 14 days).

const DAY_MS = 86_400_000;
export const EXPIRING_WITHIN_DAYS = 14;

const dateFormat = new Intl.DateTimeFormat(undefined, { year: 'numeric', month: 'short', day: 'numeric' });
const dateTimeFormat = new Intl.DateTimeFormat(undefined, {
  year: 'numeric',
  month: 'short',
  day: 'numeric',
  hour: '2-digit',
  minute: '2-digit',
});

/** `Nov 2, 2025`; the raw string when it does not parse. */
export function formatDate(iso: string): string {
  const t = Date.parse(iso);
  return Number.isNaN(t) ? iso : dateFormat.format(t);
}

/** `Nov 2, 2025, 14:05`. */
export function formatDateTime(iso: string): string {
  const t = Date.parse(iso);
  return Number.isNaN(t) ? iso : dateTimeFormat.format(t);
}

/** `just now`, `5 min ago`, `3 h ago`, `2 d ago`, then the date. */
export function timeAgo(iso: string, now: number = Date.now()): string {
  const t = Date.parse(iso);
  if (Number.isNaN(t)) return iso;
  const secs = (now - t) / 1000;
  if (secs < 45) return 'just now';
  const mins = Math.round(secs / 60);
  if (mins < 60) return `${mins} min ago`;
  const hours = Math.round(mins / 60);
  if (hours < 24) return `${hours} h ago`;
  const days = Math.round(hours / 24);
  return days < 14 ? `${days} d ago` : formatDate(iso);
}

export type Expiry =
  | { kind: 'never'; text: string }
  | { kind: 'expired'; text: string }
  | { kind: 'expiring'; text: string; days: number }
  | { kind: 'later'; text: string };

/** What the expiry badge says for `expiresAt`, relative to `now`. */
export function expiryOf(expiresAt: string | null, now: number = Date.now()): Expiry {
  if (expiresAt === null) return { kind: 'never', text: 'never' };
  const t = Date.parse(expiresAt);
  if (Number.isNaN(t)) return { kind: 'later', text: expiresAt };
  const left = t - now;
  if (left <= 0) return { kind: 'expired', text: 'expired' };
  if (left <= EXPIRING_WITHIN_DAYS * DAY_MS) {
    const days = Math.ceil(left / DAY_MS);
    return { kind: 'expiring', text: `expires in ${days} d`, days };
  }
  return { kind: 'later', text: formatDate(expiresAt) };
}

// ---- The expiry a form will send ------------------------------------------------------------
// The core's grammar (keymint-core/src/expiry.rs), repeated only to show the resolved date as
// the user types: the core parses again and has the last word. Digits and a unit (s, m, h, d,
// w), or an RFC 3339 time, at most 100 years ahead; empty (or "never") means no expiry.

const SPAN = /^(\d+)([smhdw])$/;
const UNIT_SECONDS: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86_400, w: 7 * 86_400 };
const RFC3339 = /^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$/;
const MAX_AHEAD_MS = 36_500 * DAY_MS;

export type ResolvedExpiry =
  | { kind: 'never' }
  | { kind: 'at'; at: number; text: string }
  | { kind: 'invalid'; reason: string };

/** What the expiry field's text resolves to now; `maxSeconds` is the provider's limit. */
export function resolveExpiry(input: string, maxSeconds?: number, now: number = Date.now()): ResolvedExpiry {
  const s = input.trim();
  if (expiryValue(s) === undefined) return { kind: 'never' };
  const span = SPAN.exec(s);
  let at: number;
  if (span !== null) {
    at = now + Number(span[1]) * (UNIT_SECONDS[span[2] ?? ''] ?? 0) * 1000;
  } else if (RFC3339.test(s)) {
    at = Date.parse(s.replace(' ', 'T'));
  } else {
    return { kind: 'invalid', reason: 'not a duration or time yet' };
  }
  if (Number.isNaN(at)) return { kind: 'invalid', reason: 'not a valid time' };
  if (at <= now) return { kind: 'invalid', reason: 'in the past' };
  if (at - now > MAX_AHEAD_MS) return { kind: 'invalid', reason: 'more than 100 years away' };
  if (maxSeconds !== undefined && at - now > maxSeconds * 1000) {
    return { kind: 'invalid', reason: 'further away than this provider allows' };
  }
  // Whole days read as a date; anything finer with the time of day.
  const dateOnly = span !== null && (span[2] === 'd' || span[2] === 'w');
  const iso = new Date(at).toISOString();
  return { kind: 'at', at, text: dateOnly ? formatDate(iso) : formatDateTime(iso) };
}

/** The expiry as a form sends it: undefined for none (empty or "never"). */
export function expiryValue(input: string): string | undefined {
  const s = input.trim();
  return s === '' || s.toLowerCase() === 'never' ? undefined : s;
}
