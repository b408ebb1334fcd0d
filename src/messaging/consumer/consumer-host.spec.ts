import { loadConfig } from '../../platform/config/app.config';
import { ConsumerHost } from './consumer-host';

describe('ConsumerHost health', () => {
  const host = (roles: string) =>
    // Only the configuration matters before start-up; the collaborators are never touched.
    new ConsumerHost(
      loadConfig({ ROLES: roles }),
      ...(Array(7).fill({}) as [any, any, any, any, any, any, any]),
    );

  it('is not healthy before its consumer groups run', () => {
    expect(host('worker').problem()).toBe('consumers not started');
  });

  it('has nothing to report in a process without the worker role', () => {
    expect(host('api').problem()).toBeNull();
  });
});
