import { GatewayError } from './gateway.error';

describe('GatewayError.refused', () => {
  const error = (status: number | undefined) =>
    new GatewayError('DeadNation bookTickets', 'why', status, (status ?? 500) >= 500, 1);

  it('is a refusal for good for a 4xx that does not mean "not now"', () => {
    expect([400, 403, 404, 409, 422].map((s) => error(s).refused)).toEqual([
      true,
      true,
      true,
      true,
      true,
    ]);
  });

  it('is not for "not now" answers, 5xx, timeouts and network errors', () => {
    expect([408, 425, 429, 500, 503, undefined].map((s) => error(s).refused)).toEqual([
      false,
      false,
      false,
      false,
      false,
      false,
    ]);
  });
});
