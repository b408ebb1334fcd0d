import { recordWith } from './message-processor';

describe('recordWith: the statement that ends a deferWrites handler', () => {
  it('without a deferred change, is the dedupe record alone, gating the messages', () => {
    const { ctes, params } = recordWith(undefined, 'issue_receipt', 'm-1');
    expect(ctes.map(([name]) => name)).toEqual(['fresh']);
    expect(ctes[0][1]).toMatch(/VALUES \(\$1, \$2\)/);
    expect(params).toEqual(['issue_receipt', 'm-1']);
  });

  it('with one, numbers the record after the change and gates the messages on both', () => {
    const change = {
      ctes: [['refund', 'INSERT INTO refunds (ticket_id) VALUES ($1) RETURNING 1']] as [
        string,
        string,
      ][],
      params: ['t-1'],
    };
    const { ctes, params } = recordWith(change, 'refund_ticket', 'm-1');
    expect(ctes.map(([name]) => name)).toEqual(['refund', 'fresh_record', 'fresh']);
    expect(ctes[1][1]).toMatch(/VALUES \(\$2, \$3\)/);
    expect(ctes[2][1]).toBe('SELECT 1 FROM fresh_record WHERE EXISTS (SELECT 1 FROM refund)');
    expect(params).toEqual(['t-1', 'refund_ticket', 'm-1']);
  });
});
