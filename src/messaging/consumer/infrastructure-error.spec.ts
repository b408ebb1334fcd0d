import { isInfrastructureError } from './infrastructure-error';

describe('isInfrastructureError', () => {
  it.each([
    [{ code: '57P01', message: 'terminating connection due to administrator command' }],
    [{ code: '08006', message: 'connection failure' }],
    [{ code: 'ECONNREFUSED', message: 'connect ECONNREFUSED 127.0.0.1:5432' }],
    [new Error('timeout exceeded when trying to connect')],
    [new Error('Connection terminated unexpectedly')],
    [{ name: 'QueryFailedError', message: 'x', driverError: { code: '57P01' } }],
    [new Error('Query runner already released. Cannot run queries anymore.')],
  ])('counts %j as the database going away', (e) => {
    expect(isInfrastructureError(e)).toBe(true);
  });

  it.each([
    [new Error('ticket 1 is not stored yet')],
    [{ code: '23505', message: 'duplicate key value violates unique constraint' }],
    [
      {
        name: 'GatewayError',
        code: 'ECONNREFUSED',
        message: 'Receipts issueReceipt: connect ECONNREFUSED',
      },
    ],
    [{ isAxiosError: true, code: 'ECONNRESET', message: 'socket hang up' }],
    [undefined],
  ])('counts %j as the handler failing', (e) => {
    expect(isInfrastructureError(e)).toBe(false);
  });
});
