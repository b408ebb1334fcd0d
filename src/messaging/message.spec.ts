import { IntegrationEvent, Message, MessageRegistry } from './message';
import { OrderPlaced_v1 } from './message.fixture';

describe('messages', () => {
  it('keep the fields given to the constructor and fill the header', () => {
    const e = new OrderPlaced_v1({
      order_id: 'b',
      shop_id: 's',
      quantity: 2,
      customer_email: 'a@b.c',
    });
    expect(e.order_id).toBe('b');
    expect(e.quantity).toBe(2);
    expect(e.header.id).toMatch(/^[0-9a-f-]{36}$/);
    expect(e.header.idempotency_key).toBe(e.header.id);
    expect(new Date(e.header.published_at).toISOString()).toBe(e.header.published_at);
  });

  it('take an idempotency key when the business fact has one', () => {
    const e = new OrderPlaced_v1({ order_id: 'b' }, { idempotency_key: 'k1' });
    expect(e.header.idempotency_key).toBe('k1');
  });

  it('are named by their decorator, not their class, and decode back to their class', () => {
    const e = new OrderPlaced_v1({ order_id: 'b' });
    const registration = MessageRegistry.of(e);
    expect(registration).toMatchObject({
      name: 'OrderPlaced_v1',
      destination: 'events.OrderPlaced_v1',
      stored: true,
    });
    const back = MessageRegistry.decode('OrderPlaced_v1', JSON.stringify(e));
    expect(back).toBeInstanceOf(OrderPlaced_v1);
    expect(back).toEqual(e);
  });

  it('refuse a second class with a name already taken', () => {
    expect(() => {
      @IntegrationEvent('OrderPlaced_v1')
      class Impostor extends Message {}
      return Impostor;
    }).toThrow(/used by two classes/);
  });

  it('refuse to decode unknown names and payloads without a header', () => {
    expect(() => MessageRegistry.decode('Nope_v9', '{}')).toThrow(/unknown message name/);
    expect(() => MessageRegistry.decode('OrderPlaced_v1', '{"order_id":"x"}')).toThrow(/header/);
    expect(() => MessageRegistry.decode('OrderPlaced_v1', 'not json')).toThrow();
  });
});
