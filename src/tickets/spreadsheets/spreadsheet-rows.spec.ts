import { loadConfig } from '../../platform/config/app.config';
import { leaseMsFor } from './spreadsheet-rows';

describe('leaseMsFor', () => {
  it('outlasts a read-back and an append that both use every attempt and every backoff', () => {
    const gateway = loadConfig({}).gateway; // 5 s per attempt, 3 retries, backoff capped at 2 s
    const attemptsAndBackoff = 4 * 5000 + 3 * 2000 * 1.2;
    expect(leaseMsFor(gateway)).toBeGreaterThan(2 * attemptsAndBackoff);
    expect(leaseMsFor(gateway)).toBe(59_400);
  });

  it('grows with the gateway timeout and the retries', () => {
    const base = leaseMsFor(loadConfig({}).gateway);
    expect(leaseMsFor(loadConfig({ GATEWAY_TIMEOUT_MS: '20000' }).gateway)).toBeGreaterThan(
      2 * 4 * 20_000,
    );
    expect(leaseMsFor(loadConfig({ GATEWAY_RETRIES: '5' }).gateway)).toBeGreaterThan(base);
  });
});
