import { loadConfig } from '../config/app.config';
import { GATEWAY_DEFAULTS, gatewayOptionsFrom } from './gateway.options';

describe('gateway options', () => {
  const config = loadConfig({ GATEWAY_URL: 'http://gw:8888/' });

  it('defaults: base URL from the config, 5 s timeout, 3 retries', () => {
    expect(gatewayOptionsFrom(config, {})).toEqual({
      baseUrl: 'http://gw:8888',
      ...GATEWAY_DEFAULTS,
    });
  });

  it('reads GATEWAY_* variables, and config.gateway before them', () => {
    const env = { GATEWAY_TIMEOUT_MS: '250', GATEWAY_RETRIES: '0', GATEWAY_RETRY_BASE_MS: '5' };
    expect(gatewayOptionsFrom(config, env)).toMatchObject({
      timeoutMs: 250,
      retries: 0,
      retryBaseMs: 5,
    });
    expect(gatewayOptionsFrom({ ...config, gateway: { retries: 7 } }, env).retries).toBe(7);
  });

  it('names an invalid variable', () => {
    expect(() => gatewayOptionsFrom(config, { GATEWAY_TIMEOUT_MS: '0' })).toThrow(
      'Invalid configuration: GATEWAY_TIMEOUT_MS: must be an integer of at least 1 (got "0")',
    );
  });
});
