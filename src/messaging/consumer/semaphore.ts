/**
 * A holder's slot. While the holder works, it may pass the slot straight on to the first waiter
 * if that one said what it will begin with (its `wish`): the consumer's transactions do, so the
 * COMMIT of one message and the START TRANSACTION of the next travel in one round trip.
 */
export interface Slot<G> {
  /** What the holder this slot was passed from handed over with it; taken once. */
  takeGift(): G | undefined;
  /**
   * When the first waiter has a wish: takes it out of the queue and gives it this slot; the
   * holder must then call `give` once, with what goes with the slot or nothing, and wakes it.
   */
  passOn(): { wish: string; give(gift?: G): void } | undefined;
}

interface Waiter<G> {
  /** Computed only when a holder passes its slot on: most attempts never wait. */
  wish?: () => string;
  wake(gift?: G): void;
}

/**
 * Bounds how many handler transactions a process runs at once, below the database pool size:
 * every consumer group has its own in-flight window, and together they would otherwise queue on
 * the pool and time out (or deadlock where a handler needs a second connection). Written here
 * rather than taken from a library for the hand-over above, which no semaphore package has.
 */
export class Semaphore<G = unknown> {
  private waiting: Waiter<G>[] = [];

  /** `handedOver` is told of every slot passed on with a gift, and given it. */
  constructor(
    private free: number,
    private readonly handedOver: (gift: G) => void = () => undefined,
  ) {}

  async use<T>(work: (slot: Slot<G>) => Promise<T>, wish?: () => string): Promise<T> {
    let gift: G | undefined;
    if (this.free > 0) this.free--;
    else gift = await new Promise<G | undefined>((wake) => this.waiting.push({ wish, wake }));
    let passed = false;
    const slot: Slot<G> = {
      takeGift: () => {
        const taken = gift;
        gift = undefined;
        return taken;
      },
      passOn: () => {
        const first = this.waiting[0];
        if (passed || first?.wish === undefined) return undefined;
        this.waiting.shift();
        passed = true;
        let given = false;
        return {
          wish: first.wish(),
          give: (g) => {
            if (given) return;
            given = true;
            if (g !== undefined) this.handedOver(g);
            first.wake(g);
          },
        };
      },
    };
    try {
      return await work(slot);
    } finally {
      if (!passed) {
        const next = this.waiting.shift();
        if (next) next.wake();
        else this.free++;
      }
    }
  }
}
