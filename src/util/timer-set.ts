/** One-shot timers that can all be cancelled at once (a simulator's stop()). */
export class TimerSet {
  readonly #timers = new Set<NodeJS.Timeout>();

  /** Runs `fn` after `ms` unless `clear` comes first. */
  after(ms: number, fn: () => void): void {
    const timer = setTimeout(() => {
      this.#timers.delete(timer);
      fn();
    }, ms);
    this.#timers.add(timer);
  }

  clear(): void {
    for (const timer of this.#timers) clearTimeout(timer);
    this.#timers.clear();
  }
}
