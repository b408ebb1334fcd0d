import { loadConfig } from '../../config/app.config';
import { ConsumerHost } from './consumer-host';

describe('ConsumerHost health', () => {
  const host = (roles: string) =>
    new ConsumerHost(
      loadConfig({ ROLES: roles }),
      {} as any,
      {} as any,
      {} as any,
      {} as any,
      {} as any,
      {} as any,
    );

  it('is not healthy before its consumer groups run', () => {
    expect(host('worker').problem()).toBe('consumers not started');
  });

  it('has nothing to report in a process without the worker role', () => {
    expect(host('api').problem()).toBeNull();
  });
});
