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
 * When a waiter with a wish waits for a holder although a slot is free. Once `busy` slots are
 * held, it queues for up to `ms` to be passed a holder's slot (and join its transaction: see
 * CommitSharing) before it takes a free one.
 */
export interface Patience {
  busy: number;
  ms: number;
}

/**
 * Bounds how many handler transactions a process runs at once, below the database pool size:
 * every consumer group has its own in-flight window, and together they would otherwise queue on
 * the pool and time out (or deadlock where a handler needs a second connection). Written here
 * rather than taken from a library for the hand-over above, which no semaphore package has.
 */
export class Semaphore<G = unknown> {
  private waiting: Waiter<G>[] = [];
  private readonly size: number;

  /**
   * `handedOver` is told of every slot passed on with a gift, and given it; `patience`, when a
   * waiter with a wish waits although a slot is free.
   */
  constructor(
    private free: number,
    private readonly handedOver: (gift: G) => void = () => undefined,
    private readonly patience?: Patience,
  ) {
    this.size = free;
  }

  async use<T>(work: (slot: Slot<G>) => Promise<T>, wish?: () => string): Promise<T> {
    let gift: G | undefined;
    if (this.free > 0 && !this.waitsForHolder(wish)) this.free--;
    else gift = await this.queue(wish);
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

  private waitsForHolder(wish: (() => string) | undefined): boolean {
    return !!wish && !!this.patience && this.size - this.free >= this.patience.busy;
  }

  /**
   * Waits to be woken by a holder. A patient waiter (a slot was free when it came) takes a free
   * slot when none has been passed to it within `patience.ms`; with none free then, it waits on.
   */
  private queue(wish: (() => string) | undefined): Promise<G | undefined> {
    return new Promise<G | undefined>((resolve) => {
      const waiter: Waiter<G> = { wish, wake: resolve };
      this.waiting.push(waiter);
      if (this.free === 0) return;
      const timer = setTimeout(() => {
        const at = this.waiting.indexOf(waiter);
        if (at < 0 || this.free === 0) return;
        this.waiting.splice(at, 1);
        this.free--;
        resolve(undefined);
      }, this.patience!.ms);
      waiter.wake = (gift) => {
        clearTimeout(timer);
        resolve(gift);
      };
    });
  }
}
