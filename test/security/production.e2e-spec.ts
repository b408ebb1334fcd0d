import { exited, TestEnv } from '../support/test-env';
import { newAdminToken, newWebhookSecret } from './support';

/** Spec §9: NODE_ENV=production will not start open; the compiled app is what is run. */
describe('NODE_ENV=production', () => {
  const env = new TestEnv();
  afterAll(() => env.close());

  const run = async (overrides: Record<string, string>) => {
    const child = env.spawn('src/main.js', {
      NODE_ENV: 'production',
      ADMIN_TOKENS: '',
      DEAD_NATION_WEBHOOK_SECRET: '',
      TICKETS_FAULT: '',
      ...overrides,
    });
    const code = await exited(child);
    return { code, lines: child.output.join('').trim().split('\n') };
  };

  it.each([
    [{}, 'ADMIN_TOKENS and DEAD_NATION_WEBHOOK_SECRET'],
    [{ ADMIN_TOKENS: newAdminToken() }, 'DEAD_NATION_WEBHOOK_SECRET'],
    [{ DEAD_NATION_WEBHOOK_SECRET: newWebhookSecret() }, 'ADMIN_TOKENS'],
  ])('with %j set, exits 1 with one line naming %s', async (set, missing) => {
    const { code, lines } = await run(set);
    expect(code).toBe(1);
    expect(lines).toEqual([`Invalid configuration: NODE_ENV=production needs ${missing}`]);
  });

  it('refuses the test-only TICKETS_FAULT switch', async () => {
    const { code, lines } = await run({
      ADMIN_TOKENS: newAdminToken(),
      DEAD_NATION_WEBHOOK_SECRET: newWebhookSecret(),
      TICKETS_FAULT: 'after-commit',
    });
    expect(code).toBe(1);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/TICKETS_FAULT/);
  });
});
