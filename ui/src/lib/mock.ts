// In-memory stand-in for the Rust commands, loaded only when the page runs in a plain browser
// (no Tauri). It lets the UI be looked at and screenshotted without the app. URL parameters:
//   ?keys=N          number of generated keys (default 64; try 100000)
//   ?empty           no accounts and no keys (first-run state)
//   ?keychain=down   keychain_status reports the keychain as unavailable
//   ?storefail       create_key returns a secret that could not be stored
import type {
  Account,
  AccountInput,
  Created,
  CreateKeyInput,
  Descriptor,
  Field,
  ImportKeyInput,
  Key,
  KeyEvent,
  KeyPage,
  KeyQuery,
  Settings,
  StatusFilter,
} from './api';

const params = new URLSearchParams(window.location.search);
const DAY = 86_400_000;

const HELLGATE_CLOUD_SCOPES = [
  'admin:api-keys:create',
  'admin:api-keys:read',
  'admin:api-keys:update',
  'admin:api-keys:delete',
  'admin:webhooks:create',
  'admin:webhooks:read',
  'admin:webhooks:delete',
  'pci:tokens:create',
  'pci:tokens:read',
  'pci:tokens:update',
  'pci:tokens:delete',
  'pci:tokens:forward',
  'network:tokens:create',
  'network:tokens:read',
  'network:tokens:delete',
  'network:tokens:use',
  'generic:tokens:create',
  'generic:tokens:read',
  'generic:tokens:delete',
  'admin:types:create',
  'admin:types:read',
  'admin:types:delete',
];

function text(name: string, label: string, help: string, required = true): Field {
  return { name, label, help, required, kind: { type: 'text', max_len: 256 } };
}

const providers: Descriptor[] = [
  {
    id: 'hellgate-commerce',
    name: 'Hellgate Commerce',
    default_base_url: 'https://commerce1.on-hellgate.dev',
    credential: { kind: 'client_certificate', hint: 'Client certificate and private key (PEM)' },
    account_fields: [text('account_id', 'Account ID', 'The commerce account to create keys for')],
    key_fields: [],
    expiry: { kind: 'timestamp' },
  },
  {
    id: 'flexprice',
    name: 'Flexprice',
    default_base_url: null,
    credential: { kind: 'api_key_header', header: 'x-api-key', hint: 'A Flexprice API key' },
    account_fields: [
      {
        name: 'region',
        label: 'Region',
        help: 'Where the account lives: us or india',
        required: true,
        default: 'us',
        kind: { type: 'enum', options: ['us', 'india'] },
      },
    ],
    key_fields: [
      {
        name: 'type',
        label: 'Type',
        help: 'Kind of key',
        required: true,
        default: 'private_key',
        kind: { type: 'enum', options: ['private_key', 'publishable_key', 'integration'] },
      },
      text('service_account_id', 'Service account', 'Create the key for this service account', false),
    ],
    expiry: { kind: 'timestamp' },
  },
  {
    id: 'fireworks',
    name: 'Fireworks AI',
    default_base_url: 'https://api.fireworks.ai',
    credential: { kind: 'bearer', hint: 'A Fireworks API key (fw_…)' },
    account_fields: [
      text('account_id', 'Account ID', 'Your Fireworks account id'),
      text('user_id', 'User ID', 'The user who will own new keys'),
    ],
    key_fields: [],
    expiry: { kind: 'timestamp' },
  },
  {
    id: 'hellgate-cloud',
    name: 'Hellgate Cloud',
    default_base_url: 'https://{cluster_id}.on-hellgate.cloud',
    credential: { kind: 'api_key_header', header: 'x-api-key', hint: 'An admin API key' },
    account_fields: [
      {
        name: 'cluster_id',
        label: 'Cluster ID',
        help: 'DNS label: a–z, 0–9 and hyphens, 1–63 characters',
        required: true,
        kind: { type: 'text', max_len: 63, pattern: 'dns_label' },
      },
    ],
    key_fields: [
      {
        name: 'scopes',
        label: 'Scopes',
        help: 'At least one scope',
        required: true,
        kind: { type: 'multi_enum', options: HELLGATE_CLOUD_SCOPES, min: 1 },
      },
    ],
    expiry: { kind: 'seconds', max_seconds: 7_776_000 },
  },
  {
    id: 'hsrcpay',
    name: 'HSRC Pay',
    default_base_url: 'https://api.hsrcpay.com/v1',
    credential: { kind: 'bearer', hint: 'A secret key (sk_…) or a JWT; publishable pk_ keys cannot create keys' },
    account_fields: [text('account_id', 'Account ID', 'Account that will own new keys')],
    key_fields: [
      {
        name: 'permissions',
        label: 'Permissions',
        help: 'Maps a resource to a list of actions',
        required: false,
        kind: { type: 'json_object', values: 'string_list' },
      },
      {
        name: 'metadata',
        label: 'Metadata',
        help: 'Any JSON object, stored with the key at HSRC Pay',
        required: false,
        kind: { type: 'json_object', values: 'any' },
      },
    ],
    expiry: { kind: 'timestamp' },
  },
];

// ---- Deterministic sample data ----------------------------------------------------------------

// mulberry32: small, 32-bit clean (Math.imul), so ids stay unique across 100k keys.
let seed = 42;
function rand(): number {
  seed = (seed + 0x6d2b79f5) | 0;
  let t = seed;
  t = Math.imul(t ^ (t >>> 15), t | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
}
function pick<T>(items: readonly T[]): T {
  return items[Math.floor(rand() * items.length)] as T;
}
function hex(n: number): string {
  let s = '';
  for (let i = 0; i < n; i++) s += Math.floor(rand() * 16).toString(16);
  return s;
}
function uuid(): string {
  return `${hex(8)}-${hex(4)}-${hex(4)}-${hex(4)}-${hex(12)}`;
}

const now = Date.now();
const iso = (t: number): string => new Date(t).toISOString().replace(/\.\d{3}Z$/, 'Z');

const accounts: Account[] = params.has('empty')
  ? []
  : [
      account('prod-payments', 'hsrcpay', { account_id: 'acc_8KfW2' }, false),
      account('sandbox-payments', 'hsrcpay', { account_id: 'acc_test_1' }, true),
      account('inference', 'fireworks', { account_id: 'acme', user_id: 'ops' }),
      account('billing-us', 'flexprice', { region: 'us' }),
      account('vault-eu', 'hellgate-cloud', { cluster_id: 'acme-eu-1' }),
      account('checkout', 'hellgate-commerce', { account_id: 'b7e0c2a4' }),
    ];

function account(name: string, provider: string, fields: Record<string, string>, sandbox = false): Account {
  const d = providers.find((p) => p.id === provider);
  const base = (d?.default_base_url ?? 'https://us.api.flexprice.io/v1').replace(
    '{cluster_id}',
    fields['cluster_id'] ?? '',
  );
  return {
    id: uuid(),
    name,
    provider,
    base_url: base,
    base_url_override: null,
    fields,
    has_ca_cert: false,
    sandbox,
    key_count: 0,
    created_at: iso(now - 200 * DAY),
  };
}

const LABELS = [
  'ci-deploy', 'staging-worker', 'billing-cron', 'analytics-export', 'local-dev', 'webhook-relay',
  'support-tool', 'batch-embeddings', 'nightly-backup', 'edge-proxy', 'mobile-backend', 'grafana',
  'terraform', 'github-actions', 'preview-envs', 'data-pipeline', 'customer-portal', 'load-test',
];

function sampleScopes(provider: string): unknown {
  switch (provider) {
    case 'hellgate-cloud':
      return HELLGATE_CLOUD_SCOPES.filter(() => rand() < 0.2).slice(0, 5);
    case 'hsrcpay':
      return { payments: ['read', 'write'], refunds: ['read'] };
    case 'flexprice':
      return ['admin'];
    default:
      return null;
  }
}

function sampleHint(provider: string): string {
  switch (provider) {
    case 'fireworks':
      return `fw_${hex(4)}`;
    case 'hsrcpay':
      return `sk_l…${hex(4)}`;
    case 'flexprice':
      return `sk_${hex(1)}…${hex(4)}`;
    default:
      return `${hex(4)}…${hex(4)}`;
  }
}

function makeKey(i: number): Key {
  const acc = accounts[i % accounts.length] as Account;
  const created = now - Math.floor(rand() * 400 * DAY) - i * 1000;
  const roll = rand();
  let expires: string | null = null;
  if (roll < 0.12) expires = iso(now - Math.floor(rand() * 60 * DAY) - DAY);
  else if (roll < 0.3) expires = iso(now + Math.floor(rand() * 14 * DAY) + 3_600_000);
  else if (roll < 0.6) expires = iso(now + Math.floor(rand() * 300 * DAY) + 20 * DAY);
  const label = i < LABELS.length ? (LABELS[i] as string) : `${pick(LABELS)}-${(i % 997).toString()}`;
  return {
    id: uuid(),
    account: acc.name,
    provider: acc.provider,
    label,
    remote_id: acc.provider === 'hellgate-commerce' || acc.provider === 'hellgate-cloud' ? uuid() : `key_${hex(10)}`,
    hint: sampleHint(acc.provider),
    scopes: sampleScopes(acc.provider),
    created_at: iso(created),
    expires_at: expires,
    status: ((r) => (r < 0.03 ? 'not_stored' : r < 0.05 ? 'interrupted' : 'stored'))(rand()),
    sandbox: acc.sandbox,
    extra: acc.provider === 'fireworks' ? { prefix: 'fw_3', email: 'ops@acme.dev' } : {},
  };
}

const keyCount = accounts.length === 0 ? 0 : Number(params.get('keys') ?? 64);
let keys: Key[] = Array.from({ length: keyCount }, (_, i) => makeKey(i));
let settings: Settings = { clipboard_clear_secs: 30, reveal_timeout_secs: 20, reminders: true, reminder_days: [14], theme: 'system' };
const events = new Map<string, KeyEvent[]>();
recount();

function recount(): void {
  const counts = new Map<string, number>();
  for (const k of keys) counts.set(k.account, (counts.get(k.account) ?? 0) + 1);
  for (const a of accounts) a.key_count = counts.get(a.name) ?? 0;
}

// ---- Behaviour --------------------------------------------------------------------------------

function fail(code: string, message: string, field?: string): never {
  // Thrown as a plain object, exactly like a Tauri command error.
  // eslint-disable-next-line @typescript-eslint/only-throw-error
  throw field === undefined ? { code, message } : { code, message, field };
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    const t = setTimeout(resolve, ms);
    signal?.addEventListener('abort', () => {
      clearTimeout(t);
      reject(new Error('aborted'));
    });
  });
}

/** The core's status filter (store/keys.rs): expiry for the first three, the keychain for the rest. */
function matchesStatus(k: Key, status: StatusFilter, t: number): boolean {
  if (status === 'interrupted') return k.status === 'interrupted';
  if (status === 'not_stored') return k.status !== 'stored';
  const left = k.expires_at === null ? Infinity : Date.parse(k.expires_at) - t;
  if (status === 'expired') return left <= 0;
  if (status === 'expiring') return left > 0 && left <= 14 * DAY;
  return left > 0;
}

let lastQuery = '';
let lastResult: Key[] = [];

function listKeys(q: KeyQuery): KeyPage {
  const cacheKey = JSON.stringify({ ...q, offset: 0, limit: 0 });
  if (cacheKey !== lastQuery) {
    const search = q.search?.trim().toLowerCase() ?? '';
    const t = Date.now();
    const rows = keys.filter(
      (k) =>
        (q.provider === undefined || k.provider === q.provider) &&
        (q.account === undefined || k.account === q.account) &&
        (q.status === undefined || matchesStatus(k, q.status, t)) &&
        (search === '' ||
          k.label.toLowerCase().includes(search) ||
          k.account.toLowerCase().includes(search) ||
          (k.hint ?? '').toLowerCase().includes(search) ||
          k.id.startsWith(search)),
    );
    const sort = q.sort ?? 'created';
    rows.sort((a, b) => {
      if (sort === 'label') return a.label.localeCompare(b.label);
      if (sort === 'expiry') {
        const ea = a.expires_at === null ? Infinity : Date.parse(a.expires_at);
        const eb = b.expires_at === null ? Infinity : Date.parse(b.expires_at);
        return ea - eb;
      }
      return b.created_at.localeCompare(a.created_at);
    });
    lastQuery = cacheKey;
    lastResult = rows;
  }
  return { total: lastResult.length, items: lastResult.slice(q.offset, q.offset + q.limit) };
}

function invalidate(): void {
  lastQuery = '';
  recount();
}

function findKey(id: string): Key {
  return keys.find((k) => k.id === id) ?? fail('not_found', `no key with id ${id}`);
}

function findAccount(name: string): Account {
  return accounts.find((a) => a.name === name) ?? fail('not_found', `no account named ${name}`);
}

function logEvent(id: string, kind: string, detail: string | null = null): void {
  const list = events.get(id) ?? [];
  list.unshift({ at: iso(Date.now()), kind, detail });
  events.set(id, list);
}

function checkAccountInput(input: AccountInput, isNew: boolean): Descriptor {
  const d = providers.find((p) => p.id === input.provider) ?? fail('validation', 'choose a provider', 'provider');
  if (input.name.trim() === '') fail('validation', 'give the account a name', 'name');
  if (isNew && accounts.some((a) => a.name === input.name))
    fail('validation', `an account named ${input.name} already exists; choose another name`, 'name');
  for (const f of d.account_fields) {
    const v = input.fields[f.name] ?? '';
    if (f.required && v.trim() === '') fail('validation', `${f.label} is required: ${f.help}`, f.name);
    if (f.kind.type === 'text' && f.kind.pattern === 'dns_label' && !/^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/.test(v))
      fail('validation', `${f.name} must be a DNS label: a-z, 0-9 and hyphens, no hyphen at either end`, f.name);
  }
  if (d.credential.kind === 'client_certificate') {
    if (isNew && !input.client_cert_pem?.includes('BEGIN CERTIFICATE'))
      fail('validation', 'paste or choose the client certificate (PEM)', 'client_cert_pem');
    if (isNew && !input.client_key_pem?.includes('PRIVATE KEY'))
      fail('validation', 'paste or choose the private key (PEM)', 'client_key_pem');
  } else if (isNew && (input.credential ?? '').trim() === '') {
    fail('validation', 'paste the credential; it is stored in the keychain only', 'credential');
  } else if (input.provider === 'hsrcpay' && input.credential?.startsWith('pk_')) {
    fail('validation', 'a publishable pk_ key cannot create keys; paste a secret key (sk_…) or a JWT', 'credential');
  }
  return d;
}

let createAbort: AbortController | null = null;

async function createKey(input: CreateKeyInput): Promise<Created> {
  const acc = findAccount(input.account);
  if (input.label.trim() === '') fail('validation', 'give the key a label', 'label');
  if (input.expires !== undefined && !/^(\d+[dhs]|\d{4}-\d\d-\d\dT.+)$/.test(input.expires))
    fail('validation', 'expiry must be a duration like 90d, 12h, 3600s or an RFC 3339 time', 'expires');
  if (acc.provider === 'hellgate-cloud') {
    const scopes = input.fields['scopes'];
    if (!Array.isArray(scopes) || scopes.length === 0) fail('validation', 'scopes: choose at least 1', 'scopes');
  }
  createAbort = new AbortController();
  try {
    await sleep(1600, createAbort.signal);
  } catch {
    fail('cancelled', 'cancelled');
  } finally {
    createAbort = null;
  }
  const secret = `sk_live_${hex(40)}`;
  const stored = !params.has('storefail');
  const key: Key = {
    ...makeKey(keys.length),
    account: acc.name,
    provider: acc.provider,
    label: input.label,
    hint: `${secret.slice(0, 4)}…${secret.slice(-4)}`,
    created_at: iso(Date.now()),
    expires_at: input.expires?.endsWith('d') ? iso(Date.now() + parseInt(input.expires, 10) * DAY) : null,
    scopes: input.fields['scopes'] ?? input.fields['permissions'] ?? null,
    status: stored ? 'stored' : 'not_stored',
  };
  keys.unshift(key);
  logEvent(key.id, 'created');
  invalidate();
  return {
    key: stored ? key : null,
    secret,
    stored,
    warnings: stored
      ? []
      : ['The keychain refused the secret (org.freedesktop.secrets is locked). Copy it now; it is not saved anywhere.'],
  };
}

const handlers: Record<string, (args: Record<string, unknown>) => unknown> = {
  keychain_status: () =>
    params.get('keychain') === 'down'
      ? {
          ok: false,
          code: 'keychain_unavailable',
          message:
            'keychain unavailable: no Secret Service provider on the session bus. Install and start gnome-keyring (or KeePassXC with Secret Service enabled), then retry.',
        }
      : { ok: true },
  list_providers: () => providers,
  // Copies, as the real command returns fresh objects every call.
  list_accounts: () => accounts.map((a) => ({ ...a })),
  add_account: (a) => {
    const input = a['input'] as AccountInput;
    checkAccountInput(input, true);
    const acc = account(input.name, input.provider, input.fields);
    acc.base_url_override = input.base_url ?? null;
    if (input.base_url !== undefined) acc.base_url = input.base_url;
    acc.has_ca_cert = input.ca_cert_pem !== undefined;
    acc.sandbox = input.credential?.includes('_test_') ?? false;
    accounts.push(acc);
    return acc;
  },
  update_account: (a) => {
    const input = a['input'] as AccountInput;
    const acc = findAccount(a['name'] as string);
    checkAccountInput(input, false);
    const fresh = account(input.name, input.provider, input.fields);
    Object.assign(acc, {
      name: input.name,
      fields: input.fields,
      base_url_override: input.base_url ?? null,
      base_url: input.base_url ?? fresh.base_url,
      has_ca_cert: input.ca_cert_pem !== undefined || acc.has_ca_cert,
    });
    invalidate();
    return acc;
  },
  remove_account: (a) => {
    const acc = findAccount(a['name'] as string);
    accounts.splice(accounts.indexOf(acc), 1);
    if (a['forgetKeys'] === true) keys = keys.filter((k) => k.account !== acc.name);
    invalidate();
    return null;
  },
  list_keys: (a) => listKeys(a['query'] as KeyQuery),
  create_key: (a) => createKey(a['input'] as CreateKeyInput),
  cancel_create: () => {
    createAbort?.abort();
    return null;
  },
  copy_key: (a) => {
    const k = findKey(a['id'] as string);
    if (k.status !== 'stored') fail('secret_missing', 'the keychain holds no secret for this key; import it again');
    logEvent(k.id, 'copied');
    return { clear_after_secs: 30 };
  },
  reveal_key: (a) => {
    const k = findKey(a['id'] as string);
    if (k.status !== 'stored') fail('secret_missing', 'the keychain holds no secret for this key; import it again');
    logEvent(k.id, 'revealed');
    return `sk_live_${k.id.replace(/-/g, '')}`;
  },
  forget_key: (a) => {
    const k = findKey(a['id'] as string);
    keys = keys.filter((x) => x !== k);
    invalidate();
    return null;
  },
  import_key: (a) => {
    const input = a['input'] as ImportKeyInput;
    const acc = findAccount(input.account);
    if (input.label.trim() === '') fail('validation', 'give the key a label', 'label');
    if (input.secret.trim() === '') fail('validation', 'paste the secret', 'secret');
    const key: Key = {
      ...makeKey(keys.length),
      account: acc.name,
      provider: acc.provider,
      label: input.label,
      remote_id: input.remote_id ?? null,
      hint: input.secret.length >= 24 ? `${input.secret.slice(0, 4)}…${input.secret.slice(-4)}` : null,
      created_at: iso(Date.now()),
      expires_at: null,
      status: 'stored',
    };
    keys.unshift(key);
    logEvent(key.id, 'imported');
    invalidate();
    return key;
  },
  key_events: (a) => {
    const k = findKey(a['id'] as string);
    if (!events.has(k.id)) {
      events.set(k.id, [
        { at: iso(Math.min(Date.now(), Date.parse(k.created_at) + 5 * DAY)), kind: 'copied', detail: null },
        { at: k.created_at, kind: 'created', detail: `remote id ${k.remote_id ?? '—'}` },
      ]);
    }
    return events.get(k.id);
  },
  get_settings: () => ({ ...settings }),
  save_settings: (a) => {
    const next = a['settings'] as Settings;
    if (next.clipboard_clear_secs < 5 || next.clipboard_clear_secs > 600) {
      fail('validation', 'clipboard_clear_secs must be a number of seconds from 5 to 600', 'clipboard_clear_secs');
    }
    settings = { ...next };
    return { ...settings };
  },
  export_calendar: () => '/home/you/Downloads/keymint-expiries.ics',
};

/** Same contract as Tauri's `invoke`: resolves with the result or rejects with `{code, message}`. */
export async function mockInvoke<T>(cmd: string, args: Record<string, unknown> = {}): Promise<T> {
  if (cmd !== 'create_key') await sleep(cmd === 'list_keys' ? 40 + Math.random() * 60 : 30);
  const handler = handlers[cmd] ?? fail('internal', `mock: unknown command ${cmd}`);
  return (await handler(args)) as T;
}
