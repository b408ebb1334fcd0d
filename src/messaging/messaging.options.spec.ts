import { MessagingOptions, validateMessagingOptions } from './messaging.options';
import { StreamNames } from './messaging.tokens';

const options = (o: Partial<MessagingOptions>) =>
  ({
    serviceName: 'svc',
    retry: { maxDeliveries: 3, initialMs: 10, maxMs: 100 },
    ...o,
  }) as MessagingOptions;

describe('messaging names', () => {
  it('come from the service name and the key prefix, nothing else', () => {
    const names = new StreamNames('p:', 'shop');
    expect(names.group('send-mail')).toBe('shop.send-mail');
    expect(names.outboxChannel).toBe('shop_outbox');
    expect(names.stream('events.Paid_v1')).toBe('p:events.Paid_v1');
    expect(names.deadLetters).toBe('p:dead-letters');
  });

  it('refuse a service name that would not make a LISTEN channel or a group name', () => {
    expect(() => validateMessagingOptions(options({ serviceName: 'shop' }))).not.toThrow();
    for (const bad of ['', '1shop', 'my shop', 'shop"; DROP', 'shop-x']) {
      expect(() => validateMessagingOptions(options({ serviceName: bad }))).toThrow(/serviceName/);
    }
  });

  it('refuse a retry cap below the first backoff', () => {
    expect(() =>
      validateMessagingOptions(options({ retry: { maxDeliveries: 3, initialMs: 100, maxMs: 10 } })),
    ).toThrow(/retry.maxMs/);
  });
});
