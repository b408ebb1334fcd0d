import { probeCheck } from './readiness';

describe('probeCheck', () => {
  it('has no problem when the probe answers in time', async () => {
    await expect(probeCheck('redis', async () => 'PONG', 100).problem()).resolves.toBeNull();
  });

  it("names the probe's error", async () => {
    const check = probeCheck('redis', () => Promise.reject(new Error('ECONNREFUSED')), 100);
    await expect(check.problem()).resolves.toBe('ECONNREFUSED');
  });

  it('is a timeout when the probe does not answer within the bound', async () => {
    const check = probeCheck('redis', () => new Promise(() => undefined), 20);
    await expect(check.problem()).resolves.toBe('timeout');
  });

  it('hands close on', () => {
    const close = jest.fn();
    probeCheck('redis', async () => 'PONG', 100, close).close?.();
    expect(close).toHaveBeenCalledTimes(1);
  });
});
