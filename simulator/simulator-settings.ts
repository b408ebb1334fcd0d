import { Money } from '../src/platform/common/money';
import { Fields, InvalidRequest } from './request-validation';

// Appended, never inserted: each service's fault sequence is seeded by its position.
export const SERVICES = [
  'dead-nation',
  'receipts',
  'payments',
  'files',
  'spreadsheets',
  'transportation',
] as const;
export type ServiceName = (typeof SERVICES)[number];

/** Faults of one service. Rates are shares of calls (0…1), drawn from a seeded generator. */
export interface ServiceFaults {
  /** Share of calls answered 500. */
  error_rate: number;
  /** Share of calls never answered (held for timeout_hold_ms, then the connection is dropped). */
  timeout_rate: number;
  /** Added to every call of the service. */
  latency_ms: number;
  /** The next N calls answer 500 / time out, whatever the rates: deterministic faults for tests. */
  fail_next: number;
  timeout_next: number;
  /**
   * false: a faulty call has no effect (as a service that is down). true: the call takes effect
   * and only the answer is lost, which is what idempotency keys are for.
   */
  after_effect: boolean;
}

export interface WebhookSettings {
  /** Dead Nation confirms bookings by posting to `{app_url}/api/tickets-status`. */
  enabled: boolean;
  app_url: string;
  /** How many times each webhook is sent, always with the same Idempotency-Key. */
  repeats: number;
  /** Wait after the booking before the first send. */
  delay_ms: number;
  /** The price of every confirmed ticket. */
  price: Money;
  /** Attempts per send while the app answers 5xx or is unreachable; then the send is dropped. */
  max_attempts: number;
  retry_initial_ms: number;
  retry_max_ms: number;
  /** Per attempt. */
  timeout_ms: number;
}

/** How Dead Nation judges bookings, beyond faults. */
export interface DeadNationSettings {
  /**
   * Events (the shows' dead_nation_id) Dead Nation refuses to book: a new booking for one of them
   * answers 422 and books nothing, as the real service does for an event off sale. A refusal for
   * good, unlike a fault: the app must give the seats back (BookingFailed_v1).
   */
  refused_event_ids: string[];
}

/** Flights and taxis of the Transportation service (spec §8), beyond faults. */
export interface TransportationSettings {
  /** Every flight has this many seats; a booking needs one per passenger, a cancellation frees it. */
  seats_per_flight: number;
  /** Flights with no seat left whatever was booked: a new booking answers 409. */
  sold_out_flight_ids: string[];
  /** false: every new taxi booking answers 409 (no taxi). */
  taxis_available: boolean;
}

export interface SimulatorSettings {
  seed: number;
  timeout_hold_ms: number;
  faults: Record<ServiceName, ServiceFaults>;
  webhook: WebhookSettings;
  dead_nation: DeadNationSettings;
  transportation: TransportationSettings;
}

/** What may change: every field optional; `faults.all` applies to every service. */
export interface SettingsPatch {
  seed?: number;
  timeout_hold_ms?: number;
  faults?: Partial<Record<ServiceName | 'all', Partial<ServiceFaults>>>;
  webhook?: Partial<Omit<WebhookSettings, 'price'>> & { price?: Money };
  dead_nation?: Partial<DeadNationSettings>;
  transportation?: Partial<TransportationSettings>;
}

export const NO_FAULTS: ServiceFaults = {
  error_rate: 0,
  timeout_rate: 0,
  latency_ms: 0,
  fail_next: 0,
  timeout_next: 0,
  after_effect: false,
};

export function defaultSettings(): SimulatorSettings {
  return {
    seed: 1,
    timeout_hold_ms: 30_000,
    faults: Object.fromEntries(
      SERVICES.map((s) => [s, { ...NO_FAULTS }]),
    ) as SimulatorSettings['faults'],
    webhook: {
      enabled: true,
      app_url: 'http://127.0.0.1:8080',
      repeats: 2,
      delay_ms: 50,
      price: { amount: '50.00', currency: 'EUR' },
      max_attempts: 30,
      retry_initial_ms: 100,
      retry_max_ms: 5000,
      timeout_ms: 5000,
    },
    dead_nation: { refused_event_ids: [] },
    transportation: { seats_per_flight: 100, sold_out_flight_ids: [], taxis_available: true },
  };
}

const FAULT_KEYS = Object.keys(NO_FAULTS) as Array<keyof ServiceFaults>;
const WEBHOOK_KEYS = Object.keys(defaultSettings().webhook) as Array<keyof WebhookSettings>;

/** What a patch may ask for beyond its shape. */
export interface PatchRules {
  /**
   * SIM_ALLOW_REMOTE_APP_URL=true: the webhook may go to any host. Otherwise only to loopback:
   * anyone reaching `/_sim/config` could else have Dead Nation post customers' e-mail addresses
   * to any address the simulator reaches, cloud metadata endpoints included (SSRF).
   */
  allowRemoteAppUrl?: boolean;
}

/** Validates a patch (from JSON or the environment); throws InvalidRequest naming the field. */
export function parsePatch(value: unknown, rules: PatchRules = {}): SettingsPatch {
  const body = Fields.of(value, '');
  body.onlyKnown(['seed', 'timeout_hold_ms', 'faults', 'webhook', 'dead_nation', 'transportation']);
  const patch: SettingsPatch = {};
  if (body.has('seed')) patch.seed = body.int('seed', 0, 2 ** 32 - 1);
  if (body.has('timeout_hold_ms')) patch.timeout_hold_ms = body.int('timeout_hold_ms', 1, 600_000);
  if (body.has('faults')) {
    const faults = body.object('faults');
    faults.onlyKnown([...SERVICES, 'all']);
    patch.faults = {};
    for (const service of [...SERVICES, 'all'] as const) {
      if (faults.has(service)) patch.faults[service] = parseFaults(faults.object(service));
    }
  }
  if (body.has('webhook')) patch.webhook = parseWebhook(body.object('webhook'), rules);
  if (body.has('dead_nation')) {
    const deadNation = body.object('dead_nation');
    deadNation.onlyKnown(['refused_event_ids']);
    if (deadNation.has('refused_event_ids')) {
      const ids = deadNation.strings('refused_event_ids');
      if (ids.some((id) => !UUID.test(id)))
        throw new InvalidRequest('dead_nation.refused_event_ids', 'must hold UUIDs only');
      patch.dead_nation = { refused_event_ids: ids.map((id) => id.toLowerCase()) };
    }
  }
  if (body.has('transportation'))
    patch.transportation = parseTransportation(body.object('transportation'));
  return patch;
}

function parseTransportation(t: Fields): Partial<TransportationSettings> {
  t.onlyKnown(['seats_per_flight', 'sold_out_flight_ids', 'taxis_available']);
  const out: Partial<TransportationSettings> = {};
  if (t.has('seats_per_flight')) out.seats_per_flight = t.int('seats_per_flight', 0, 1_000_000);
  if (t.has('sold_out_flight_ids')) {
    const ids = t.strings('sold_out_flight_ids');
    if (ids.some((id) => !UUID.test(id)))
      throw new InvalidRequest('transportation.sold_out_flight_ids', 'must hold UUIDs only');
    out.sold_out_flight_ids = ids.map((id) => id.toLowerCase());
  }
  if (t.has('taxis_available')) out.taxis_available = t.boolean('taxis_available');
  return out;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function parseFaults(f: Fields): Partial<ServiceFaults> {
  f.onlyKnown(FAULT_KEYS);
  const out: Partial<ServiceFaults> = {};
  if (f.has('error_rate')) out.error_rate = f.number('error_rate', 0, 1);
  if (f.has('timeout_rate')) out.timeout_rate = f.number('timeout_rate', 0, 1);
  if (f.has('latency_ms')) out.latency_ms = f.int('latency_ms', 0, 600_000);
  if (f.has('fail_next')) out.fail_next = f.int('fail_next', 0, 1_000_000);
  if (f.has('timeout_next')) out.timeout_next = f.int('timeout_next', 0, 1_000_000);
  if (f.has('after_effect')) out.after_effect = f.boolean('after_effect');
  return out;
}

/** localhost, 127.0.0.0/8 and ::1, by name as written: nothing is resolved. */
export function isLoopbackUrl(url: string): boolean {
  let host: string;
  try {
    host = new URL(url).hostname.toLowerCase();
  } catch {
    return false;
  }
  return host === 'localhost' || host === '[::1]' || /^127(\.\d{1,3}){3}$/.test(host);
}

function parseWebhook(w: Fields, rules: PatchRules): SettingsPatch['webhook'] {
  w.onlyKnown(WEBHOOK_KEYS);
  const out: NonNullable<SettingsPatch['webhook']> = {};
  if (w.has('enabled')) out.enabled = w.boolean('enabled');
  if (w.has('app_url')) {
    const url = w.string('app_url');
    if (!/^https?:\/\/[^\s/]+/.test(url))
      throw new InvalidRequest('webhook.app_url', 'must be an http(s) URL');
    if (!rules.allowRemoteAppUrl && !isLoopbackUrl(url)) {
      throw new InvalidRequest(
        'webhook.app_url',
        'must be a loopback URL (localhost, 127.x.x.x, [::1]) unless SIM_ALLOW_REMOTE_APP_URL=true',
      );
    }
    out.app_url = url.replace(/\/$/, '');
  }
  if (w.has('repeats')) out.repeats = w.int('repeats', 1, 100);
  if (w.has('delay_ms')) out.delay_ms = w.int('delay_ms', 0, 600_000);
  if (w.has('max_attempts')) out.max_attempts = w.int('max_attempts', 1, 1000);
  if (w.has('retry_initial_ms')) out.retry_initial_ms = w.int('retry_initial_ms', 1, 600_000);
  if (w.has('retry_max_ms')) out.retry_max_ms = w.int('retry_max_ms', 1, 600_000);
  if (w.has('timeout_ms')) out.timeout_ms = w.int('timeout_ms', 1, 600_000);
  if (w.has('price')) {
    const price = w.object('price');
    price.onlyKnown(['amount', 'currency']);
    out.price = { amount: price.decimal('amount'), currency: price.currency('currency') };
  }
  return out;
}

/** Applies a validated patch in place. */
export function applyPatch(settings: SimulatorSettings, patch: SettingsPatch): void {
  if (patch.seed !== undefined) settings.seed = patch.seed;
  if (patch.timeout_hold_ms !== undefined) settings.timeout_hold_ms = patch.timeout_hold_ms;
  for (const service of SERVICES) {
    Object.assign(settings.faults[service], patch.faults?.all, patch.faults?.[service]);
    const f = settings.faults[service];
    if (f.error_rate + f.timeout_rate > 1) {
      throw new InvalidRequest(`faults.${service}`, 'error_rate + timeout_rate must not exceed 1');
    }
  }
  Object.assign(settings.webhook, patch.webhook);
  Object.assign(settings.dead_nation, patch.dead_nation);
  Object.assign(settings.transportation, patch.transportation);
  if (settings.webhook.retry_max_ms < settings.webhook.retry_initial_ms) {
    settings.webhook.retry_max_ms = settings.webhook.retry_initial_ms;
  }
}

const ENV_SERVICES: Record<ServiceName | 'all', string> = {
  all: 'SIM_',
  'dead-nation': 'SIM_DEAD_NATION_',
  receipts: 'SIM_RECEIPTS_',
  payments: 'SIM_PAYMENTS_',
  files: 'SIM_FILES_',
  spreadsheets: 'SIM_SPREADSHEETS_',
  transportation: 'SIM_TRANSPORTATION_',
};
const ENV_FAULTS: Partial<Record<keyof ServiceFaults, string>> = {
  error_rate: 'ERROR_RATE',
  timeout_rate: 'TIMEOUT_RATE',
  latency_ms: 'LATENCY_MS',
  after_effect: 'FAULTS_AFTER_EFFECT',
};
const ENV_WEBHOOK: Partial<Record<keyof WebhookSettings, string>> = {
  enabled: 'SIM_WEBHOOK_ENABLED',
  repeats: 'SIM_WEBHOOK_REPEATS',
  delay_ms: 'SIM_WEBHOOK_DELAY_MS',
  max_attempts: 'SIM_WEBHOOK_MAX_ATTEMPTS',
  retry_initial_ms: 'SIM_WEBHOOK_RETRY_INITIAL_MS',
  retry_max_ms: 'SIM_WEBHOOK_RETRY_MAX_MS',
  timeout_ms: 'SIM_WEBHOOK_TIMEOUT_MS',
};

/**
 * The SIM_* environment as a patch, validated like `POST /_sim/config`; an invalid variable
 * throws an Error whose one line names the variable.
 */
export function patchFromEnv(env: NodeJS.ProcessEnv): SettingsPatch {
  const names = new Map<string, string>(); // field path -> variable
  const raw: Record<string, any> = { faults: {}, webhook: {} };
  const take = (variable: string, field: string, set: (v: unknown) => void) => {
    const value = env[variable];
    if (value === undefined || value === '') return;
    names.set(field, variable);
    set(
      /^(true|false)$/.test(value)
        ? value === 'true'
        : /^-?\d+(\.\d+)?$/.test(value)
          ? Number(value)
          : value,
    );
  };
  take('SIM_SEED', 'seed', (v) => (raw.seed = v));
  take('SIM_TIMEOUT_HOLD_MS', 'timeout_hold_ms', (v) => (raw.timeout_hold_ms = v));
  for (const [service, prefix] of Object.entries(ENV_SERVICES)) {
    for (const [key, suffix] of Object.entries(ENV_FAULTS)) {
      take(
        prefix + suffix,
        `faults.${service}.${key}`,
        (v) => ((raw.faults[service] ??= {})[key] = v),
      );
    }
  }
  for (const [key, variable] of Object.entries(ENV_WEBHOOK)) {
    take(variable, `webhook.${key}`, (v) => (raw.webhook[key] = v));
  }
  take('APP_URL', 'webhook.app_url', (v) => (raw.webhook.app_url = String(v)));
  const amount = env.SIM_WEBHOOK_PRICE_AMOUNT;
  const currency = env.SIM_WEBHOOK_PRICE_CURRENCY;
  if (amount || currency) {
    names.set('webhook.price.amount', 'SIM_WEBHOOK_PRICE_AMOUNT');
    names.set('webhook.price.currency', 'SIM_WEBHOOK_PRICE_CURRENCY');
    raw.webhook.price = { amount: amount ?? '50.00', currency: currency ?? 'EUR' };
  }
  try {
    const patch = parsePatch(raw, { allowRemoteAppUrl: env.SIM_ALLOW_REMOTE_APP_URL === 'true' });
    applyPatch(defaultSettings(), patch); // cross-field checks
    return patch;
  } catch (e) {
    if (!(e instanceof InvalidRequest)) throw e;
    // A cross-field rule names the service; the variable may be the one for all services.
    const within = (prefix: string) =>
      [...names.entries()].find(([f]) => f.startsWith(`${prefix}.`))?.[1];
    const variable =
      names.get(e.field) ??
      within(e.field) ??
      (e.field.startsWith('faults.') ? within('faults.all') : undefined);
    const rule = e.message.slice(e.field.length + 1);
    throw new Error(
      `Invalid configuration: ${variable ?? e.field}: ${rule} (got "${variable ? env[variable] : ''}")`,
    );
  }
}
