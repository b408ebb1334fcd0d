import { MessagingOptions, MessagingRole } from '../messaging.options';
import { ConsumerHost } from './consumer-host';

const options = (roles: MessagingRole[]): MessagingOptions => ({
  serviceName: 'svc',
  keyPrefix: 'svc:',
  redisUrl: 'redis://127.0.0.1:6379',
  postgresUrl: 'postgres://postgres@127.0.0.1:5432/svc',
  roles: new Set(roles),
  shutdownTimeoutMs: 1000,
  retry: { maxDeliveries: 3, initialMs: 10, maxMs: 100 },
  consumer: { batch: 10, concurrency: 2, claimIdleMs: 1000, connectionSlots: 2 },
  relay: { batch: 10, sweepMs: 1000 },
  retention: { streamMs: 1000, outboxMs: 1000, dedupeMs: 1000, longestRedeliveryMs: 1000 },
});

describe('ConsumerHost health', () => {
  const host = (roles: MessagingRole[]) =>
    // Only the roles matter before start-up; the collaborators are never touched.
    new ConsumerHost(options(roles), ...(Array(7).fill({}) as [any, any, any, any, any, any, any]));

  it('is not healthy before its consumer groups run', () => {
    expect(host(['worker']).problem()).toBe('consumers not started');
  });

  it('has nothing to report in a process without the worker role', () => {
    expect(host(['relay']).problem()).toBeNull();
  });
});
