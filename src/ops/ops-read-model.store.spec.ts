import { keyLocks, keyLocksSql } from './ops-read-model.store';

describe('the key locks on parked events', () => {
  const bookings = ['b0000000-0000-4000-8000-000000000001', 'b0000000-0000-4000-8000-000000000002'];
  const tickets = ['c0000000-0000-4000-8000-000000000001', 'c0000000-0000-4000-8000-000000000002'];

  it('takes them in one order whatever order they are asked in: bookings first, then by key', () => {
    const keys = [
      { ticket_id: tickets[1] },
      { booking_id: bookings[0] },
      { ticket_id: tickets[0] },
      { booking_id: bookings[1] },
    ];
    const locks = keyLocks(keys);
    expect(keyLocks([...keys].reverse())).toEqual(locks);
    expect(locks).toHaveLength(4);
    const classes = locks.map((l) => l[0]);
    expect(classes[0]).toBe(classes[1]);
    expect(classes[2]).toBe(classes[3]);
    expect(classes[0]).toBeLessThan(classes[2]);
    // The same id always gets the same lock, whoever asks.
    expect(locks).toContainEqual(keyLocks([{ booking_id: bookings[0] }])[0]);
    for (const pair of [locks.slice(0, 2), locks.slice(2)]) {
      expect(pair[0][1]).toBeLessThan(pair[1][1]);
    }
  });

  it('locks a booking or ticket once, and a ticket apart from a booking of the same id', () => {
    const id = tickets[0];
    const locks = keyLocks([{ ticket_id: id }, { ticket_id: id }, { booking_id: id }]);
    expect(locks).toHaveLength(2);
    expect(locks[0][1]).toBe(locks[1][1]);
    expect(locks[0][0]).not.toBe(locks[1][0]);
    expect(keyLocks([{ ticket_id: id.toUpperCase() }])).toEqual(keyLocks([{ ticket_id: id }]));
  });

  it('writes one pg_advisory_xact_lock(class, key) per lock, numbered from the first parameter', () => {
    expect(keyLocksSql(keyLocks([{ ticket_id: tickets[0] }, { booking_id: bookings[0] }]), 2)).toBe(
      'pg_advisory_xact_lock($2, $3), pg_advisory_xact_lock($4, $5)',
    );
  });
});
