import { Semaphore } from './semaphore';

describe('Semaphore', () => {
  it('never runs more than its size at once, and runs everything', async () => {
    const s = new Semaphore(3);
    let running = 0;
    let peak = 0;
    const done: number[] = [];
    await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        s.use(async () => {
          running++;
          peak = Math.max(peak, running);
          await new Promise((r) => setTimeout(r, Math.random() * 5));
          running--;
          done.push(i);
        }),
      ),
    );
    expect(peak).toBe(3);
    expect(done.sort((a, b) => a - b)).toEqual(Array.from({ length: 20 }, (_, i) => i));
  });

  it('releases its slot when the work throws', async () => {
    const s = new Semaphore(1);
    await expect(s.use(() => Promise.reject(new Error('x')))).rejects.toThrow('x');
    await expect(s.use(async () => 'ok')).resolves.toBe('ok');
  });
});

describe('Semaphore hand-over', () => {
  const tick = () => new Promise((r) => setImmediate(r));

  it('passes a holder’s slot to the first waiter with a wish, with what the holder gives', async () => {
    const handedOver = jest.fn();
    const s = new Semaphore<string>(1, handedOver);
    const log: string[] = [];
    let release!: () => void;
    const holder = s.use(async (slot) => {
      await new Promise<void>((r) => (release = r));
      const next = slot.passOn();
      log.push(`holder passes to ${next?.wish}`);
      next!.give('begun for B');
    });
    await tick();
    const waiter = s.use(
      async (slot) => void log.push(`B got ${slot.takeGift()}`),
      () => 'B',
    );
    await tick();
    release();
    await Promise.all([holder, waiter]);
    expect(log).toEqual(['holder passes to B', 'B got begun for B']);
    expect(handedOver).toHaveBeenCalledTimes(1); // the metric's count
  });

  it('passes nothing when the first waiter has no wish, or when no one waits', async () => {
    const s = new Semaphore<string>(1);
    const seen: unknown[] = [];
    let release!: () => void;
    const holder = s.use(async (slot) => {
      seen.push(slot.passOn()); // no one waits yet
      await new Promise<void>((r) => (release = r));
      seen.push(slot.passOn()); // the first waiter has no wish (a batch, say)
    });
    await tick();
    const plain = s.use(async (slot) => void seen.push(slot.takeGift()));
    const wishing = s.use(
      async (slot) => void seen.push(slot.takeGift()),
      () => 'W',
    );
    await tick();
    release();
    await Promise.all([holder, plain, wishing]);
    expect(seen).toEqual([undefined, undefined, undefined, undefined]);
  });

  it('never has more holders than slots, whether slots are passed on or released', async () => {
    const s = new Semaphore<number>(2);
    let running = 0;
    let peak = 0;
    let passed = 0;
    await Promise.all(
      Array.from({ length: 30 }, (_, i) =>
        s.use(
          async (slot) => {
            running++;
            peak = Math.max(peak, running);
            await new Promise((r) => setTimeout(r, Math.random() * 3));
            const next = slot.passOn();
            running--; // the holder is done with its connection before it hands it on
            if (next) {
              passed++;
              next.give(i);
            }
          },
          i % 3 === 0 ? undefined : () => `w${i}`,
        ),
      ),
    );
    expect(peak).toBe(2);
    expect(passed).toBeGreaterThan(0);
  });

  it('gives once, and a holder that passed its slot on does not free one more when it ends', async () => {
    const s = new Semaphore<string>(1);
    let release!: () => void;
    const gifts: (string | undefined)[] = [];
    const holder = s.use(async (slot) => {
      await new Promise<void>((r) => (release = r));
      const next = slot.passOn()!;
      next.give('first');
      next.give('second');
      expect(slot.passOn()).toBeUndefined(); // one slot, passed once
    });
    await tick();
    let inB = false;
    let bothAtOnce = false;
    let releaseB!: () => void;
    const b = s.use(
      async (slot) => {
        inB = true;
        gifts.push(slot.takeGift(), slot.takeGift());
        await new Promise<void>((r) => (releaseB = r));
        inB = false;
      },
      () => 'B',
    );
    const c = s.use(async () => {
      bothAtOnce = inB;
    });
    await tick();
    release();
    await holder;
    await tick();
    releaseB();
    await Promise.all([b, c]);
    expect(gifts).toEqual(['first', undefined]);
    expect(bothAtOnce).toBe(false); // C waited for B's slot, not for a second one
  });
});

describe('Semaphore patience (waiting to join although a slot is free)', () => {
  const tick = () => new Promise((r) => setImmediate(r));
  /** A holder of one slot until `release()`; it passes its slot on with `gift` when one waits. */
  const holding = (s: Semaphore<string>, gift: string) => {
    let release!: () => void;
    const done = s.use(async (slot) => {
      await new Promise<void>((r) => (release = r));
      slot.passOn()?.give(gift);
    });
    return { done, release: () => release() };
  };

  it('once `busy` slots are held, a waiter with a wish is passed a holder’s slot, not a free one', async () => {
    const s = new Semaphore<string>(3, undefined, { busy: 1, ms: 10_000 });
    const holder = holding(s, 'joined');
    await tick();
    let gift: string | undefined;
    const waiter = s.use(
      async (slot) => void (gift = slot.takeGift()),
      () => 'W',
    );
    await tick();
    expect(gift).toBeUndefined(); // still waiting: two slots are free
    holder.release();
    await Promise.all([holder.done, waiter]);
    expect(gift).toBe('joined');
  });

  it('takes a free slot after `ms` when no holder passes it one', async () => {
    jest.useFakeTimers();
    try {
      const s = new Semaphore<string>(2, undefined, { busy: 1, ms: 10 });
      const holder = holding(s, 'joined');
      let ran = false;
      const waiter = s.use(
        async (slot) => void (ran = slot.takeGift() === undefined),
        () => 'W',
      );
      await jest.advanceTimersByTimeAsync(9);
      expect(ran).toBe(false);
      await jest.advanceTimersByTimeAsync(1);
      await waiter;
      expect(ran).toBe(true); // began alone on the free slot, while the holder still holds its own
      holder.release();
      await holder.done;
    } finally {
      jest.useRealTimers();
    }
  });

  it('takes a free slot at once below `busy`, or without a wish (a batch)', async () => {
    const s = new Semaphore<string>(3, undefined, { busy: 2, ms: 10_000 });
    const holder = holding(s, 'joined');
    await tick();
    await expect(
      s.use(
        async () => 'below busy',
        () => 'W',
      ),
    ).resolves.toBe('below busy');
    const second = holding(s, 'joined');
    await tick();
    await expect(s.use(async () => 'no wish')).resolves.toBe('no wish');
    holder.release();
    second.release();
    await Promise.all([holder.done, second.done]);
  });

  it('when the last free slot was taken meanwhile, waits on for a holder', async () => {
    jest.useFakeTimers();
    try {
      const s = new Semaphore<string>(2, undefined, { busy: 1, ms: 10 });
      const holder = holding(s, 'joined');
      let gift: string | undefined;
      const waiter = s.use(
        async (slot) => void (gift = slot.takeGift()),
        () => 'W',
      );
      const batch = holding(s, 'unused'); // no wish: takes the free slot at once
      await jest.advanceTimersByTimeAsync(50);
      expect(gift).toBeUndefined();
      holder.release();
      await jest.advanceTimersByTimeAsync(0);
      await waiter;
      expect(gift).toBe('joined');
      batch.release();
      await batch.done;
      await holder.done;
    } finally {
      jest.useRealTimers();
    }
  });
});
