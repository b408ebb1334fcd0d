import { loadConfig, longestRedeliveryMs, redisConnectionUrl } from './app.config';

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
    ['OUTBOX_RETENTION', '7', /OUTBOX_RETENTION must be a duration such as 7d/],
    ['OUTBOX_RETENTION', '0d', /OUTBOX_RETENTION/],
    ['DEDUPE_RETENTION', '2w', /DEDUPE_RETENTION/],
    ['WEBHOOK_KEY_RETENTION', '1.5h', /WEBHOOK_KEY_RETENTION/],
    ['WEBHOOK_KEY_RETENTION', '-30d', /WEBHOOK_KEY_RETENTION/],
    ['CONSUMER_SHARED_COMMIT', '0', /CONSUMER_SHARED_COMMIT/],
    ['CONSUMER_SHARED_COMMIT_MS', '-1', /CONSUMER_SHARED_COMMIT_MS/],
    ['CONSUMER_SHARED_COMMIT_BUSY', '0', /CONSUMER_SHARED_COMMIT_BUSY/],
    ['CONSUMER_SHARED_COMMIT_BUSY', 'four', /CONSUMER_SHARED_COMMIT_BUSY/],
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

  it('accepts a Redis Cluster as seed nodes, and refuses a cluster URL without a port', () => {
    const url = 'redis-cluster://10.0.0.1:7000,10.0.0.2:7001';
    expect(loadConfig({ REDIS_URL: url }).redisUrl).toBe(url);
    expect(redisConnectionUrl(url)).toBe(url);
    expect(() => loadConfig({ REDIS_URL: 'redis-cluster://10.0.0.1' })).toThrow(/REDIS_URL/);
    expect(() => loadConfig({ REDIS_URL: 'redis-cluster://' })).toThrow(/REDIS_URL/);
    expect(() => loadConfig({ REDIS_URL: 'redis-cluster://a:1,,b:2' })).toThrow(/REDIS_URL/);
  });

  it('shares a COMMIT among up to 16 messages within 10 ms, waiting to join once 4 slots are busy; each is settable', () => {
    const { messaging: m } = loadConfig({});
    expect([m.sharedCommitMessages, m.sharedCommitMs, m.sharedCommitBusy]).toEqual([16, 10, 4]);
    const set = loadConfig({
      CONSUMER_SHARED_COMMIT: '1',
      CONSUMER_SHARED_COMMIT_MS: '0',
      CONSUMER_SHARED_COMMIT_BUSY: '1000',
    }).messaging;
    expect([set.sharedCommitMessages, set.sharedCommitMs, set.sharedCommitBusy]).toEqual([
      1, 0, 1000,
    ]);
  });

  it('takes MAX_TICKETS_PER_BOOKING', () => {
    expect(loadConfig({ MAX_TICKETS_PER_BOOKING: '500' }).maxTicketsPerBooking).toBe(500);
  });

  it('takes a subset of roles', () => {
    expect([...loadConfig({ ROLES: 'relay' }).roles]).toEqual(['relay']);
  });

  describe('retention (spec §10)', () => {
    it('defaults to 7d, 7d and 30d', () => {
      expect(loadConfig({}).retention).toEqual({
        outboxMs: 7 * 86_400_000,
        dedupeMs: 7 * 86_400_000,
        webhookKeyMs: 30 * 86_400_000,
      });
    });

    it('takes seconds, minutes, hours and days', () => {
      const c = loadConfig({
        OUTBOX_RETENTION: '45s',
        DEDUPE_RETENTION: '12h',
        WEBHOOK_KEY_RETENTION: '30m',
      });
      expect(c.retention).toEqual({
        outboxMs: 45_000,
        dedupeMs: 43_200_000,
        webhookKeyMs: 1_800_000,
      });
    });

    it('counts the stream retention and every delivery with its retries, claim and gateway time as redelivery', () => {
      const c = loadConfig({
        STREAM_RETENTION_MS: '60000',
        MAX_DELIVERIES: '3',
        RETRY_MAX_MS: '1000',
        CLAIM_IDLE_MS: '2000',
        GATEWAY_RETRIES: '1',
        GATEWAY_TIMEOUT_MS: '500',
        GATEWAY_RETRY_MAX_MS: '100',
      });
      expect(longestRedeliveryMs(c)).toBe(60_000 + 3 * (1000 + 2000 + 2 * 500 + 100));
    });

    it('refuses a dedupe retention that a redelivery could outlast, in one line naming it', () => {
      // Defaults: an hour of stream retention plus 10 deliveries of at most 36 s each.
      expect(() => loadConfig({ DEDUPE_RETENTION: '1h' })).toThrow(
        /^Invalid configuration: DEDUPE_RETENTION must exceed the longest possible redelivery, 66m .*\(got "1h"\)$/,
      );
      expect(() => loadConfig({ DEDUPE_RETENTION: '67m' })).not.toThrow();
      expect(() => loadConfig({ DEDUPE_RETENTION: '10s', STREAM_RETENTION_MS: '0' })).toThrow(
        /DEDUPE_RETENTION/,
      );
    });
  });

  describe('security (spec §9)', () => {
    const secret = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
    const token = 'staff-token-0123456789';

    it('is open by default: no secret, no tokens, not production', () => {
      expect(loadConfig({}).security).toMatchObject({
        webhookSecret: undefined,
        adminTokens: [],
        production: false,
      });
    });

    it('takes the webhook secret and comma-separated tokens, trimmed', () => {
      const c = loadConfig({
        DEAD_NATION_WEBHOOK_SECRET: secret,
        ADMIN_TOKENS: ` ${token} , other-token-abcdefghij `,
      });
      expect(c.security.webhookSecret).toBe(secret);
      expect(c.security.adminTokens).toEqual([token, 'other-token-abcdefghij']);
    });

    it.each([
      ['DEAD_NATION_WEBHOOK_SECRET', 'hunter2-not-whsec'],
      ['DEAD_NATION_WEBHOOK_SECRET', 'whsec_short'],
      ['ADMIN_TOKENS', 'short'],
      ['ADMIN_TOKENS', 'a token with spaces in it'],
    ])('refuses %s=%s naming the variable, never echoing the value', (key, value) => {
      expect(() => loadConfig({ [key]: value })).toThrow(key);
      expect(() => loadConfig({ [key]: value })).not.toThrow(value);
    });

    it.each([
      [{}, 'ADMIN_TOKENS and DEAD_NATION_WEBHOOK_SECRET'],
      [{ ADMIN_TOKENS: token }, 'DEAD_NATION_WEBHOOK_SECRET'],
      [{ DEAD_NATION_WEBHOOK_SECRET: secret }, 'ADMIN_TOKENS'],
    ])('NODE_ENV=production without %j: one line naming %s', (env, missing) => {
      let message = '';
      try {
        loadConfig({ NODE_ENV: 'production', ...env });
      } catch (e) {
        message = (e as Error).message;
      }
      expect(message).toBe(`Invalid configuration: NODE_ENV=production needs ${missing}`);
    });

    it('NODE_ENV=production with both starts, and refuses the test-only TICKETS_FAULT', () => {
      const env = {
        NODE_ENV: 'production',
        ADMIN_TOKENS: token,
        DEAD_NATION_WEBHOOK_SECRET: secret,
      };
      expect(loadConfig(env).security.production).toBe(true);
      expect(() => loadConfig({ ...env, TICKETS_FAULT: 'after-commit' })).toThrow(
        /TICKETS_FAULT.*NODE_ENV=production/,
      );
      expect(() => loadConfig({ TICKETS_FAULT: 'after-commit' })).not.toThrow();
    });
  });

  describe('rate limit and proxies', () => {
    it('is off, trusting no proxy, by default', () => {
      expect(loadConfig({}).security).toMatchObject({
        rateLimitPerMinute: undefined,
        trustProxy: false,
      });
    });

    it.each([
      ['true', true],
      ['false', false],
      ['1', 1],
      ['loopback', 'loopback'],
      ['loopback, 10.0.0.0/8', 'loopback, 10.0.0.0/8'],
    ])('TRUST_PROXY=%s', (value, expected) => {
      expect(loadConfig({ TRUST_PROXY: value }).security.trustProxy).toEqual(expected);
    });

    it('takes RATE_LIMIT_PER_MINUTE, refusing 0 and words', () => {
      expect(loadConfig({ RATE_LIMIT_PER_MINUTE: '60' }).security.rateLimitPerMinute).toBe(60);
      expect(() => loadConfig({ RATE_LIMIT_PER_MINUTE: '0' })).toThrow(/RATE_LIMIT_PER_MINUTE/);
      expect(() => loadConfig({ RATE_LIMIT_PER_MINUTE: 'lots' })).toThrow(/RATE_LIMIT_PER_MINUTE/);
      expect(() => loadConfig({ TRUST_PROXY: 'every one!' })).toThrow(/TRUST_PROXY/);
    });
  });
});
