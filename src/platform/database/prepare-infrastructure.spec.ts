import { evictionWarning } from './prepare-infrastructure';

describe('start-up warning about a Redis that evicts keys', () => {
  it('says nothing for noeviction (or when Redis does not tell)', () => {
    expect(evictionWarning('noeviction')).toBeNull();
    expect(evictionWarning(undefined)).toBeNull();
  });

  it('is one line naming the policy for any evicting one', () => {
    for (const policy of ['allkeys-lru', 'volatile-lru', 'allkeys-lfu', 'allkeys-random']) {
      const line = evictionWarning(policy)!;
      expect(line).toContain(policy);
      expect(line).toContain('noeviction');
      expect(line).not.toContain('\n');
    }
  });
});
