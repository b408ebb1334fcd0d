import request from 'supertest';
import { RunningSimulator, startSimulator } from '../../simulator/gateway-simulator';
import { createShow } from '../flows/support';
import { eventually, TestEnv } from '../support/test-env';
import { jsonLines, spawnApp } from './support';

/**
 * Spec §9: an unexpected database error is a 500 whose body and log line carry no SQL and no
 * parameters. TypeORM's QueryFailedError carries the statement, its parameters and PostgreSQL's
 * `detail` ("Failing row contains (…, ada@example.com)"); pino would print them all.
 */
describe('a 500 from the database', () => {
  const env = new TestEnv();
  let sim: RunningSimulator;

  beforeAll(async () => {
    sim = await startSimulator({ webhook: { enabled: false } });
  });
  afterAll(async () => {
    await env.close();
    await sim.close();
  });

  it('logs the error class, message, SQL state and route, never the statement or its parameters', async () => {
    const { child, url } = await spawnApp(env, sim, { LOG_LEVEL: 'info' });
    const showId = await createShow(url);
    // PostgreSQL now refuses every new booking, as an unexpected failure would: its message
    // names the constraint, its detail quotes the row with the e-mail address.
    await env.query('ALTER TABLE bookings ADD CONSTRAINT disk_on_fire CHECK (false) NOT VALID');
    const email = 'grace.hopper.7731@example.com';

    const res = await request(url)
      .post('/api/book-tickets')
      .send({ show_id: showId, number_of_tickets: 2, customer_email: email })
      .expect(500);

    const lines = await eventually(
      () => {
        const all = jsonLines(child.output);
        return all.some((l) => l.err) && all.some((l) => l.res?.status === 500) && all;
      },
      { what: 'the error line and the request line' },
    );
    const text = child.output.join('');
    expect(text).not.toContain(email);
    expect(text).not.toContain(showId); // a parameter of the statement
    expect(text).not.toMatch(/INSERT INTO|"parameters"|"query"|"driverError"|"detail"/);
    const errorLines = lines.filter((l) => l.err);
    expect(errorLines).toEqual([
      expect.objectContaining({
        level: 'error',
        correlation_id: res.headers['correlation-id'],
        route: 'POST /api/book-tickets',
        err: expect.objectContaining({
          type: 'QueryFailedError',
          code: '23514',
          message: expect.stringContaining('violates check constraint "disk_on_fire"'),
        }),
      }),
    ]);
    // and the client learns nothing of the statement either
    expect(res.body).toEqual({
      statusCode: 500,
      error: 'Internal Server Error',
      message: 'Internal server error',
    });
  });
});
