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
