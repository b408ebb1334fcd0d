/**
 * Bounds how many handler transactions a process runs at once, below the database pool size:
 * every consumer group has its own in-flight window, and together they would otherwise queue on
 * the pool and time out (or deadlock where a handler needs a second connection). A dozen lines,
 * so written here rather than taking a dependency.
 */
export class Semaphore {
  private waiting: Array<() => void> = [];

  constructor(private free: number) {}

  async use<T>(work: () => Promise<T>): Promise<T> {
    if (this.free > 0) this.free--;
    else await new Promise<void>((resolve) => this.waiting.push(resolve));
    try {
      return await work();
    } finally {
      const next = this.waiting.shift();
      if (next) next();
      else this.free++;
    }
  }
}
