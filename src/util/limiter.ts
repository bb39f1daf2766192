/**
 * Runs async tasks with at most `concurrency` in flight; the rest wait in FIFO order.
 * The scaler keeps one per engine so a burst of creates never floods the cloud API and a slow
 * delete never blocks anything but other deletes.
 */
export class ConcurrencyLimiter {
  #active = 0;
  readonly #waiting: Array<() => void> = [];
  readonly #idleWaiters: Array<() => void> = [];

  constructor(readonly concurrency: number) {
    if (!Number.isInteger(concurrency) || concurrency < 1) {
      throw new RangeError(`concurrency must be a positive integer, got ${concurrency}`);
    }
  }

  get active(): number {
    return this.#active;
  }

  get queued(): number {
    return this.#waiting.length;
  }

  async run<T>(task: () => Promise<T>): Promise<T> {
    if (this.#active >= this.concurrency) {
      await new Promise<void>((resolve) => this.#waiting.push(resolve));
    } else {
      this.#active++;
    }
    try {
      return await task();
    } finally {
      const next = this.#waiting.shift();
      if (next) {
        next(); // the slot passes straight to the next task
      } else {
        this.#active--;
        if (this.#active === 0) for (const wake of this.#idleWaiters.splice(0)) wake();
      }
    }
  }

  /** Resolves when nothing is running or queued. */
  onIdle(): Promise<void> {
    if (this.#active === 0) return Promise.resolve();
    return new Promise((resolve) => this.#idleWaiters.push(resolve));
  }
}
