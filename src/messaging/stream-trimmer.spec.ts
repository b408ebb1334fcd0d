import { compareIds, safeTrimId } from './stream-trimmer';

describe('stream trimming bounds', () => {
  it('compares stream ids numerically, milliseconds first', () => {
    expect(compareIds('9-0', '10-0')).toBeLessThan(0);
    expect(compareIds('10-2', '10-10')).toBeLessThan(0);
    expect(compareIds('1700000000000-5', '1700000000000-5')).toBe(0);
    expect(compareIds('1700000000001-0', '1700000000000-99')).toBeGreaterThan(0);
  });

  it('keeps everything a group still has pending or has not read', () => {
    expect(
      safeTrimId([
        { pendingMin: null, lastDelivered: '500-0' },
        { pendingMin: '120-3', lastDelivered: '480-0' },
        { pendingMin: null, lastDelivered: '300-0' },
      ]),
    ).toBe('120-3');
    expect(safeTrimId([{ pendingMin: null, lastDelivered: '0-0' }])).toBe('0-0');
  });

  it('trims nothing from a stream no group reads yet', () => {
    expect(safeTrimId([])).toBeNull();
  });
});
