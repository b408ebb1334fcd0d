import {
  compareIds,
  deadLetterFields,
  decodeDeadLetter,
  decodeEntry,
  encodeEntry,
  OutgoingMessage,
  redriveFields,
  redriveFor,
  toFields,
} from './stream-entry';

const row: OutgoingMessage = {
  name: 'Paid_v1',
  payload: '{"a":1}',
  message_id: 'M-1',
  correlation_id: 'c-1',
  traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01',
  tracestate: null,
};

describe('the stream-entry wire format', () => {
  it('reads back what the relay writes, trace context only when there is one', () => {
    const flat = encodeEntry(row);
    const entry = decodeEntry('p:events.Paid_v1', 'events.Paid_v1', '5-0', flat);
    expect(entry).toEqual({
      key: 'p:events.Paid_v1',
      destination: 'events.Paid_v1',
      id: '5-0',
      fields: {
        name: 'Paid_v1',
        payload: '{"a":1}',
        message_id: 'M-1',
        correlation_id: 'c-1',
        traceparent: row.traceparent,
      },
    });
    const bare = toFields(encodeEntry({ ...row, correlation_id: null, traceparent: null }));
    expect(bare).toEqual({
      name: 'Paid_v1',
      payload: '{"a":1}',
      message_id: 'M-1',
      correlation_id: '',
    });
    expect(redriveFor(entry)).toBeUndefined();
  });

  it('keeps the entry and why it failed in a dead letter, and re-drives the entry to that group only', () => {
    const entry = decodeEntry('p:events.Paid_v1', 'events.Paid_v1', '7-1', encodeEntry(row));
    const at = new Date('2026-01-02T03:04:05.000Z');
    const flat = deadLetterFields(entry, {
      group: 'svc.mail',
      handler: 'mail',
      error: new Error('x'.repeat(3000)),
      deliveries: 10,
      at,
    });
    const letter = decodeDeadLetter('9-0', flat);
    expect(letter).toMatchObject({
      id: '9-0',
      stream: 'events.Paid_v1',
      group: 'svc.mail',
      handler: 'mail',
      name: 'Paid_v1',
      messageId: 'M-1',
      deliveries: 10,
      at: '2026-01-02T03:04:05.000Z',
    });
    expect(letter.error).toBe('x'.repeat(2000));
    expect(letter.fields.dlq_entry_id).toBe('7-1');

    const again = decodeEntry(entry.key, entry.destination, '10-0', redriveFields(letter));
    expect(again.fields).toEqual({ ...entry.fields, redrive_for: 'svc.mail' });
    expect(redriveFor(again)).toBe('svc.mail');

    // A re-driven copy that fails again is re-driven once more for its group, not for two.
    const twice = decodeDeadLetter(
      '11-0',
      deadLetterFields(again, { group: 'svc.mail', handler: 'mail', error: 'no', deliveries: 1 }),
    );
    expect(twice.error).toBe('no');
    expect(toFields(redriveFields(twice))).toEqual(again.fields);
  });

  it('compares stream ids numerically, milliseconds first', () => {
    expect(compareIds('9-0', '10-0')).toBeLessThan(0);
    expect(compareIds('10-2', '10-10')).toBeLessThan(0);
    expect(compareIds('1700000000000-5', '1700000000000-5')).toBe(0);
    expect(compareIds('1700000000001-0', '1700000000000-99')).toBeGreaterThan(0);
  });
});
