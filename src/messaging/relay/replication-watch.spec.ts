import { ReplicationWatch } from './replication-watch';

const rows = (...pairs: [string, string][]) =>
  pairs.map(([id, destination]) => ({ id, destination }));

describe('ReplicationWatch', () => {
  it('hands back what a master took without a replica once its streams moved to another master', () => {
    const watch = new ReplicationWatch();
    watch.written('a:1', rows(['12', 'events.X'], ['10', 'events.Y']), 0);
    watch.written('a:1', rows(['15', 'events.X']), 0);
    watch.written('b:2', rows(['11', 'events.Z']), 0);

    expect(watch.failedOver(() => undefined)).toEqual([]); // slot map unknown: wait
    const lost = watch.failedOver((d) => (d === 'events.Z' ? 'b:2' : 'c:3'));
    expect(lost).toEqual([{ master: 'a:1', destinations: ['events.X', 'events.Y'], fromId: '10' }]);

    // kept until published again: a failed replay is tried at the next pass
    expect(watch.failedOver(() => 'c:3').map((l) => l.master)).toEqual(['a:1', 'b:2']);
    watch.replayed('a:1');
    expect(watch.masters()).toEqual(['b:2']);
  });

  it('forgets a master’s risk once a replica acknowledges a later write there', () => {
    const watch = new ReplicationWatch();
    watch.written('a:1', rows(['12', 'events.X']), 0);
    watch.written('a:1', rows(['13', 'events.X']), 1);
    expect(watch.masters()).toEqual([]);
    expect(watch.failedOver(() => 'c:3')).toEqual([]);
  });

  it('compares outbox ids as numbers, not text', () => {
    const watch = new ReplicationWatch();
    watch.written('a:1', rows(['9', 'events.X'], ['10', 'events.X']), 0);
    expect(watch.failedOver(() => 'c:3')[0].fromId).toBe('9');
  });
});
