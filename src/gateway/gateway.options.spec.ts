import { loadConfig } from '../platform/config/app.config';
import { gatewayOptionsFrom } from './gateway.options';

describe('gateway options', () => {
  it('defaults: base URL from the config, 5 s timeout, 3 retries', () => {
    expect(gatewayOptionsFrom(loadConfig({ GATEWAY_URL: 'http://gw:8888/' }))).toEqual({
      baseUrl: 'http://gw:8888',
      timeoutMs: 5000,
      retries: 3,
      retryBaseMs: 100,
      retryMaxMs: 2000,
    });
  });

  it('reads the GATEWAY_* variables', () => {
    const config = loadConfig({
      GATEWAY_TIMEOUT_MS: '250',
      GATEWAY_RETRIES: '0',
      GATEWAY_RETRY_BASE_MS: '5',
    });
    expect(gatewayOptionsFrom(config)).toMatchObject({
      timeoutMs: 250,
      retries: 0,
      retryBaseMs: 5,
    });
  });

  it('names an invalid variable', () => {
    expect(() => loadConfig({ GATEWAY_TIMEOUT_MS: '0' })).toThrow(
      /^Invalid configuration: GATEWAY_TIMEOUT_MS/,
    );
  });
});
