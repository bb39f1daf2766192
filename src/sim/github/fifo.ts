/**
 * Array-backed FIFO queue with O(1) amortised push/shift. Entries that became irrelevant are
 * skipped lazily by callers (cheaper than removing from the middle).
 */
export class Fifo<T> {
  #items: T[] = [];
  #head = 0;

  get size(): number {
    return this.#items.length - this.#head;
  }

  push(item: T): void {
    this.#items.push(item);
  }

  peek(): T | undefined {
    return this.#head < this.#items.length ? this.#items[this.#head] : undefined;
  }

  shift(): T | undefined {
    if (this.#head >= this.#items.length) return undefined;
    const item = this.#items[this.#head];
    this.#items[this.#head] = undefined as T; // release the reference for GC
    this.#head++;
    // Compact once the consumed prefix dominates, keeping memory bounded.
    if (this.#head > 1024 && this.#head * 2 > this.#items.length) {
      this.#items = this.#items.slice(this.#head);
      this.#head = 0;
    }
    return item;
  }

  /** Removes and returns up to `max` items from the front. */
  shiftMany(max: number): T[] {
    const out: T[] = [];
    while (out.length < max && this.size > 0) out.push(this.shift() as T);
    return out;
  }

  /** Shifts until `accept` returns true for an item (returned) or the queue is empty. */
  shiftWhere(accept: (item: T) => boolean): T | undefined {
    while (this.size > 0) {
      const item = this.shift() as T;
      if (accept(item)) return item;
    }
    return undefined;
  }

  *[Symbol.iterator](): IterableIterator<T> {
    for (let i = this.#head; i < this.#items.length; i++) yield this.#items[i] as T;
  }
}
