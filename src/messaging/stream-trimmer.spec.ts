import { safeTrimId } from './stream-trimmer';

describe('stream trimming bounds', () => {
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
