import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { eventually, exited, listeningUrl, ROOT, TestEnv } from '../support/test-env';
import { freePort, http } from './support';

/** The compiled entry points: `npm run start:gateway` and `npm start` (built by `npm test`). */
describe('gateway entry points', () => {
  const env = new TestEnv();

  beforeAll(() => {
    for (const script of ['simulator/main.js', 'src/start-all.js', 'src/main.js']) {
      if (!existsSync(join(ROOT, 'dist', script)))
        throw new Error(`dist/${script} missing: build first`);
    }
  });
  afterAll(() => env.close());

  const isUp = (url: string) => () =>
    http.get(url, { timeout: 1000 }).then(
      (r) => r.status > 0,
      () => false,
    );
  const isDown = (url: string) => () =>
    http.get(url, { timeout: 1000 }).then(
      () => false,
      () => true,
    );

  it('start:gateway runs the simulator on GATEWAY_PORT with faults and webhook from SIM_* variables', async () => {
    const sim = env.spawn('simulator/main.js', {
      GATEWAY_PORT: '0', // a free port, chosen by the listen itself: no race for it
      LOG_LEVEL: 'info', // for the line naming the port
      APP_URL: 'http://127.0.0.1:1',
      SIM_RECEIPTS_ERROR_RATE: '1',
      SIM_WEBHOOK_REPEATS: '3',
      SIM_WEBHOOK_PRICE_AMOUNT: '12.50',
      SIM_WEBHOOK_PRICE_CURRENCY: 'USD',
    });
    const url = await listeningUrl(sim);
    await eventually(isUp(`${url}/_sim/health`), { what: `simulator up (${sim.output.join('')})` });

    const { data: settings } = await http.get(`${url}/_sim/config`);
    expect(settings.faults.receipts.error_rate).toBe(1);
    expect(settings.faults.payments.error_rate).toBe(0);
    expect(settings.webhook).toMatchObject({
      app_url: 'http://127.0.0.1:1',
      repeats: 3,
      price: { amount: '12.50', currency: 'USD' },
    });
    const receipt = await http.put(`${url}/receipts-api/receipts`, {
      ticket_id: '3f1d1d1e-1111-4111-8111-111111111111',
      price: { money_amount: '1.00', money_currency: 'EUR' },
    });
    expect(receipt.status).toBe(500);

    sim.kill('SIGTERM');
    expect(await exited(sim)).toBe(0);
  });

  it('start:gateway stops with one line naming an invalid variable', async () => {
    const sim = env.spawn('simulator/main.js', { GATEWAY_PORT: '0', SIM_ERROR_RATE: '2' });
    expect(await exited(sim)).toBe(1);
    expect(sim.output.join('').trim()).toBe(
      'Invalid configuration: SIM_ERROR_RATE: must be a number from 0 to 1 (got "2")',
    );
  });

  it('npm start runs the app and the simulator, pointed at each other, and stops both on SIGTERM', async () => {
    const [appPort, simPort] = [await freePort(), await freePort()];
    const all = env.spawn('src/start-all.js', {
      PORT: String(appPort),
      GATEWAY_PORT: String(simPort),
      GATEWAY_URL: '',
      APP_URL: '',
    });
    const app = `http://127.0.0.1:${appPort}/health`;
    const sim = `http://127.0.0.1:${simPort}/_sim/health`;
    await eventually(isUp(sim), {
      timeoutMs: 30_000,
      what: `simulator up (${all.output.join('')})`,
    });
    await eventually(isUp(app), { timeoutMs: 60_000, what: `app up (${all.output.join('')})` });

    const { data: settings } = await http.get(`http://127.0.0.1:${simPort}/_sim/config`);
    expect(settings.webhook.app_url).toBe(`http://127.0.0.1:${appPort}`);

    all.kill('SIGTERM');
    expect(await exited(all)).toBe(0);
    expect(await isDown(app)()).toBe(true);
    expect(await isDown(sim)()).toBe(true);
  });

  it('npm start stops the app and fails when the simulator dies', async () => {
    const [appPort, simPort] = [await freePort(), await freePort()];
    const all = env.spawn('src/start-all.js', {
      PORT: String(appPort),
      GATEWAY_PORT: String(simPort),
    });
    const app = `http://127.0.0.1:${appPort}/health`;
    const sim = `http://127.0.0.1:${simPort}/_sim/health`;
    await eventually(isUp(sim), { timeoutMs: 30_000, what: 'simulator up' });
    await eventually(isUp(app), { timeoutMs: 60_000, what: 'app up' });

    const { data } = await http.get(sim);
    process.kill(data.pid, 'SIGKILL');

    expect(await exited(all)).toBe(1);
    expect(all.output.join('')).toContain('gateway simulator exited (SIGKILL); stopping the rest');
    expect(await isDown(app)()).toBe(true);
  });
});
