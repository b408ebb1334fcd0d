import { applyPatch, defaultSettings, parsePatch, patchFromEnv } from './simulator-settings';
import { FaultInjector } from './fault-injector';

describe('simulator settings from the environment', () => {
  it('reads faults for all services and per service, the latter winning', () => {
    const settings = defaultSettings();
    applyPatch(
      settings,
      patchFromEnv({
        SIM_SEED: '42',
        SIM_ERROR_RATE: '0.1',
        SIM_LATENCY_MS: '20',
        SIM_RECEIPTS_ERROR_RATE: '0.5',
        SIM_DEAD_NATION_TIMEOUT_RATE: '0.2',
        SIM_FILES_FAULTS_AFTER_EFFECT: 'true',
      }),
    );
    expect(settings.seed).toBe(42);
    expect(settings.faults.payments).toMatchObject({
      error_rate: 0.1,
      latency_ms: 20,
      timeout_rate: 0,
    });
    expect(settings.faults.receipts).toMatchObject({ error_rate: 0.5, latency_ms: 20 });
    expect(settings.faults['dead-nation']).toMatchObject({ error_rate: 0.1, timeout_rate: 0.2 });
    expect(settings.faults.files.after_effect).toBe(true);
  });

  it('reads the webhook settings and APP_URL', () => {
    const settings = defaultSettings();
    applyPatch(
      settings,
      patchFromEnv({
        APP_URL: 'http://app:8080/',
        SIM_ALLOW_REMOTE_APP_URL: 'true', // a host name beyond loopback (see the SSRF guard)
        SIM_WEBHOOK_ENABLED: 'false',
        SIM_WEBHOOK_REPEATS: '1',
        SIM_WEBHOOK_DELAY_MS: '0',
        SIM_WEBHOOK_PRICE_CURRENCY: 'PLN',
      }),
    );
    expect(settings.webhook).toMatchObject({
      app_url: 'http://app:8080',
      enabled: false,
      repeats: 1,
      delay_ms: 0,
      price: { amount: '50.00', currency: 'PLN' },
    });
  });

  it.each([
    [
      { SIM_PAYMENTS_LATENCY_MS: '-1' },
      'SIM_PAYMENTS_LATENCY_MS: must be an integer from 0 to 600000 (got "-1")',
    ],
    [
      { SIM_WEBHOOK_REPEATS: 'two' },
      'SIM_WEBHOOK_REPEATS: must be an integer from 1 to 100 (got "two")',
    ],
    [{ SIM_WEBHOOK_ENABLED: 'yes' }, 'SIM_WEBHOOK_ENABLED: must be true or false (got "yes")'],
    [
      { SIM_ERROR_RATE: '0.6', SIM_TIMEOUT_RATE: '0.6' },
      'SIM_ERROR_RATE: error_rate + timeout_rate must not exceed 1 (got "0.6")',
    ],
  ])('names the variable at fault: %j', (env, message) => {
    expect(() => patchFromEnv(env)).toThrow(`Invalid configuration: ${message}`);
  });
});

describe('fault injector', () => {
  it('serves fail_next and timeout_next before the rates, then stops', () => {
    const settings = defaultSettings();
    applyPatch(settings, { faults: { files: { fail_next: 1, timeout_next: 1 } } });
    const faults = new FaultInjector(settings);
    expect([1, 2, 3].map(() => faults.draw('files'))).toEqual(['timeout', 'error', null]);
    expect(faults.draw('receipts')).toBeNull();
  });

  it('draws each service from its own sequence', () => {
    const settings = defaultSettings();
    applyPatch(settings, { faults: { all: { error_rate: 0.5 } } });
    const alone = new FaultInjector(settings);
    const receiptsAlone = Array.from({ length: 20 }, () => alone.draw('receipts'));

    const mixed = new FaultInjector(settings);
    const receiptsMixed = Array.from(
      { length: 20 },
      () => (mixed.draw('files'), mixed.draw('receipts')),
    );
    expect(receiptsMixed).toEqual(receiptsAlone);
  });
});

describe('Dead Nation settings', () => {
  it('takes the events Dead Nation refuses, lower-cased', () => {
    const settings = defaultSettings();
    const id = 'A1B2C3D4-0000-4000-8000-000000000001';
    applyPatch(settings, parsePatch({ dead_nation: { refused_event_ids: [id] } }));
    expect(settings.dead_nation.refused_event_ids).toEqual([id.toLowerCase()]);
    applyPatch(settings, parsePatch({ dead_nation: { refused_event_ids: [] } }));
    expect(settings.dead_nation.refused_event_ids).toEqual([]);
  });

  it.each([
    [{ refused_event_ids: ['nope'] }, 'dead_nation.refused_event_ids must hold UUIDs only'],
    [{ refused_event_ids: 'x' }, 'dead_nation.refused_event_ids must be an array of strings'],
    [{ refuse: [] }, 'dead_nation.refuse is not a known setting'],
  ])('refuses %j naming the field', (deadNation, message) => {
    expect(() => parsePatch({ dead_nation: deadNation })).toThrow(message);
  });
});

describe('Transportation settings', () => {
  it('takes seats per flight, sold-out flights (lower-cased) and taxi availability', () => {
    const settings = defaultSettings();
    expect(settings.transportation).toEqual({
      seats_per_flight: 100,
      sold_out_flight_ids: [],
      taxis_available: true,
    });
    const id = 'A1B2C3D4-0000-4000-8000-000000000001';
    applyPatch(
      settings,
      parsePatch({
        transportation: { seats_per_flight: 2, sold_out_flight_ids: [id], taxis_available: false },
      }),
    );
    expect(settings.transportation).toEqual({
      seats_per_flight: 2,
      sold_out_flight_ids: [id.toLowerCase()],
      taxis_available: false,
    });
    applyPatch(settings, parsePatch({ transportation: { taxis_available: true } }));
    expect(settings.transportation.seats_per_flight).toBe(2);
  });

  it('takes the Transportation faults from SIM_TRANSPORTATION_*', () => {
    expect(patchFromEnv({ SIM_TRANSPORTATION_ERROR_RATE: '0.5' }).faults).toEqual({
      transportation: { error_rate: 0.5 },
    });
  });

  it.each([
    [{ seats_per_flight: -1 }, 'transportation.seats_per_flight must be an integer from 0'],
    [{ sold_out_flight_ids: ['nope'] }, 'transportation.sold_out_flight_ids must hold UUIDs only'],
    [{ taxis: false }, 'transportation.taxis is not a known setting'],
  ])('refuses %j naming the field', (transportation, message) => {
    expect(() => parsePatch({ transportation })).toThrow(message);
  });
});

describe('the webhook target (SSRF guard)', () => {
  it.each([
    'http://127.0.0.1:8080',
    'http://localhost:3000/',
    'https://127.10.0.1',
    'http://[::1]:8080',
  ])('takes the loopback URL %s', (app_url) => {
    expect(parsePatch({ webhook: { app_url } }).webhook?.app_url).toBe(app_url.replace(/\/$/, ''));
  });

  it.each([
    'http://169.254.169.254/latest/meta-data',
    'http://10.0.0.5:8080',
    'http://example.com',
    'http://127.0.0.1.nip.io',
    'http://localhost.evil.example',
    'http://0.0.0.0:8080',
  ])('refuses %s naming webhook.app_url', (app_url) => {
    expect(() => parsePatch({ webhook: { app_url } })).toThrow(
      /^webhook\.app_url must be a loopback URL .*SIM_ALLOW_REMOTE_APP_URL=true/,
    );
  });

  it('takes any http(s) URL with allowRemoteAppUrl', () => {
    const app_url = 'http://app.internal:8080';
    expect(parsePatch({ webhook: { app_url } }, { allowRemoteAppUrl: true }).webhook?.app_url).toBe(
      app_url,
    );
  });

  it('from the environment: APP_URL beyond loopback only with SIM_ALLOW_REMOTE_APP_URL=true', () => {
    const APP_URL = 'http://169.254.169.254';
    expect(() => patchFromEnv({ APP_URL })).toThrow(
      /^Invalid configuration: APP_URL: must be a loopback URL/,
    );
    expect(patchFromEnv({ APP_URL, SIM_ALLOW_REMOTE_APP_URL: 'true' }).webhook?.app_url).toBe(
      APP_URL,
    );
  });
});
