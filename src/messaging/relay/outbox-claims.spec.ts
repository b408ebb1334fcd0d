import { DataSource } from 'typeorm';
import { PgOutboxClaims } from './outbox-claims';

/** A DataSource whose one connection records what is sent and answers like PostgreSQL's simple protocol. */
function fakeDb(claimed: { id: string }[], failOn?: RegExp) {
  const sent: string[] = [];
  const log: string[] = [];
  const client = {
    query: async (sql: string) => {
      sent.push(sql);
      if (failOn?.test(sql)) throw new Error('connection terminated');
      const statements = sql.split(';').filter((s) => s.trim());
      const results = statements.map((s) => ({ rows: /^\s*SELECT/.test(s) ? claimed : [] }));
      return results.length === 1 ? results[0] : results;
    },
  };
  const db = {
    createQueryRunner: () => ({
      connect: async () => client,
      release: async () => log.push('release'),
    }),
  };
  return { claims: new PgOutboxClaims(db as unknown as DataSource), sent, log };
}

describe('PgOutboxClaims', () => {
  it('claims in the round trip that begins the transaction, and marks with the one that commits', async () => {
    const { claims, sent, log } = fakeDb([{ id: '7' }, { id: '9' }]);
    const claim = await claims.claim(500);
    expect(claim.rows).toEqual([{ id: '7' }, { id: '9' }]);
    await claim.publish(['7', '9']);
    expect(sent).toHaveLength(2);
    expect(sent[0]).toMatch(/^START TRANSACTION; SELECT .* LIMIT 500 FOR UPDATE SKIP LOCKED$/s);
    expect(sent[1]).toBe(
      `UPDATE outbox SET published_at = now() WHERE id = ANY('{7,9}'::bigint[]); COMMIT`,
    );
    expect(log).toEqual(['release']);
  });

  it('rolls an abandoned claim back and releases its connection once, however often it is ended', async () => {
    const { claims, sent, log } = fakeDb([{ id: '7' }]);
    const claim = await claims.claim(10);
    await claim.abandon();
    await claim.abandon();
    await claim.publish(['7']);
    expect(sent.slice(1)).toEqual(['ROLLBACK']);
    expect(log).toEqual(['release']);
  });

  it('rolls back and releases when the mark fails, and passes the error on', async () => {
    const { claims, sent, log } = fakeDb([{ id: '7' }], /^UPDATE/);
    const claim = await claims.claim(10);
    await expect(claim.publish(['7'])).rejects.toThrow('connection terminated');
    expect(sent.slice(1)).toEqual([expect.stringMatching(/^UPDATE/), 'ROLLBACK']);
    expect(log).toEqual(['release']);
  });

  it('rolls back and releases when the claim fails', async () => {
    const { claims, sent, log } = fakeDb([], /^START/);
    await expect(claims.claim(10)).rejects.toThrow('connection terminated');
    expect(sent).toEqual([expect.stringMatching(/^START/), 'ROLLBACK']);
    expect(log).toEqual(['release']);
  });

  it('writes nothing but integers into its statements', async () => {
    const { claims } = fakeDb([{ id: '7' }]);
    await expect(claims.claim(0)).rejects.toThrow(/bad relay batch/);
    await expect(claims.claim(1.5)).rejects.toThrow(/bad relay batch/);
    const claim = await claims.claim(10);
    expect(() => claim.publish(["7') OR true; --"])).toThrow(/bad outbox id/);
  });
});
