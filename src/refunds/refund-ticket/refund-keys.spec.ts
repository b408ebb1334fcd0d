import { nameBasedUuid, refundKeys } from './refund-keys';

describe('refund keys', () => {
  const ticket = '2b1d1d5e-0c39-4b43-9c47-3c1f1e3c9b10';

  it('are stable UUIDs derived from the ticket id', () => {
    expect(refundKeys(ticket)).toEqual(refundKeys(ticket));
    expect(refundKeys(ticket).voidReceipt).toMatch(
      /^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/,
    );
  });

  it('differ between tickets and between the two services', () => {
    const other = refundKeys('2b1d1d5e-0c39-4b43-9c47-3c1f1e3c9b11');
    expect(other.refund).not.toBe(refundKeys(ticket).refund);
    expect(refundKeys(ticket).refund).not.toBe(refundKeys(ticket).voidReceipt);
    expect(nameBasedUuid('a')).not.toBe(nameBasedUuid('b'));
  });
});
