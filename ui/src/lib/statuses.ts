// The status filters, in one place: the sidebar, the filter bar's select and the list heading
// all name them the same way.
import type { StatusFilter } from './api';
import { EXPIRING_WITHIN_DAYS } from './time';

export interface StatusInfo {
  value: StatusFilter;
  label: string;
  /** Colour of the sidebar's dot. */
  tone: 'amber' | 'red' | 'grey';
  /** What the filter lists, for its tooltip. */
  meaning: string;
}

export const STATUSES: readonly StatusInfo[] = [
  { value: 'active', label: 'Active', tone: 'grey', meaning: 'Keys that have not expired' },
  {
    value: 'expiring',
    label: 'Expiring soon',
    tone: 'amber',
    meaning: `Keys that expire within ${EXPIRING_WITHIN_DAYS} days`,
  },
  { value: 'expired', label: 'Expired', tone: 'red', meaning: 'Keys past their expiry' },
  { value: 'not_stored', label: 'Not stored', tone: 'grey', meaning: 'Keys whose secret is not in the keychain' },
  {
    value: 'interrupted',
    label: 'Interrupted',
    tone: 'amber',
    meaning: 'Creates cut off after the request was sent',
  },
  { value: 'superseded', label: 'Superseded', tone: 'grey', meaning: 'Keys replaced by a rotation' },
];

export function statusLabel(value: StatusFilter): string {
  return STATUSES.find((s) => s.value === value)?.label ?? value;
}
