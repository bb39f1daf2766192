/**
 * A Map that forgets its oldest entries past `limit`: bookkeeping keyed by runner or run id
 * must not grow for the life of a long-running process.
 */
export class BoundedMap<K, V> {
  readonly #map = new Map<K, V>();

  constructor(private readonly limit: number) {}

  set(key: K, value: V): void {
    this.#map.delete(key); // re-inserted: now the newest
    this.#map.set(key, value);
    if (this.#map.size > this.limit) {
      const oldest = this.#map.keys().next().value as K;
      this.#map.delete(oldest);
    }
  }

  get(key: K): V | undefined {
    return this.#map.get(key);
  }

  has(key: K): boolean {
    return this.#map.has(key);
  }

  delete(key: K): void {
    this.#map.delete(key);
  }

  keys(): IterableIterator<K> {
    return this.#map.keys();
  }
}
