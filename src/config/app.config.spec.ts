import { loadConfig, redisConnectionUrl } from './app.config';

describe('loadConfig', () => {
  it('gives the defaults of spec §1 for an empty environment', () => {
    const c = loadConfig({});
    expect(c.port).toBe(8080);
    expect(c.postgresUrl).toBe('postgres://postgres@127.0.0.1:5432/tickets');
    expect(c.redisUrl).toBe('127.0.0.1:6379');
    expect(c.gatewayUrl).toBe('http://127.0.0.1:8888');
    expect([...c.roles].sort()).toEqual(['api', 'relay', 'worker']);
    expect(c.messaging.maxDeliveries).toBe(10);
    expect(c.maxTicketsPerBooking).toBe(50);
  });

  it.each([
    ['PORT', 'eighty', /PORT/],
    ['PORT', '70000', /PORT/],
    ['POSTGRES_URL', 'mysql://x/y', /POSTGRES_URL/],
    ['REDIS_URL', 'not a url', /REDIS_URL/],
    ['ROLES', 'api,cook', /ROLES/],
    ['LOG_LEVEL', 'loud', /LOG_LEVEL/],
    ['GATEWAY_URL', 'nowhere', /GATEWAY_URL/],
    ['MAX_DELIVERIES', '0', /MAX_DELIVERIES/],
    ['MAX_TICKETS_PER_BOOKING', '0', /MAX_TICKETS_PER_BOOKING/],
    ['MAX_TICKETS_PER_BOOKING', 'fifty', /MAX_TICKETS_PER_BOOKING/],
    ['MAX_TICKETS_PER_BOOKING', '2147483648', /MAX_TICKETS_PER_BOOKING/],
  ])('rejects %s=%s with one line naming it', (key, value, pattern) => {
    expect(() => loadConfig({ [key]: value })).toThrow(pattern);
    try {
      loadConfig({ [key]: value });
    } catch (e) {
      expect((e as Error).message).not.toContain('\n');
      expect((e as Error).message).toContain(value);
    }
  });

  it('accepts both REDIS_URL forms, with a database index', () => {
    expect(loadConfig({ REDIS_URL: 'localhost:6380/2' }).redisUrl).toBe('localhost:6380/2');
    expect(redisConnectionUrl('localhost:6380/2')).toBe('redis://localhost:6380/2');
    expect(redisConnectionUrl('redis://h:1/3')).toBe('redis://h:1/3');
  });

  it('takes MAX_TICKETS_PER_BOOKING', () => {
    expect(loadConfig({ MAX_TICKETS_PER_BOOKING: '500' }).maxTicketsPerBooking).toBe(500);
  });

  it('takes a subset of roles', () => {
    expect([...loadConfig({ ROLES: 'relay' }).roles]).toEqual(['relay']);
  });
});
