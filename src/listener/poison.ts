/**
 * Counts failed decodes per message id. A message that can never be decoded is redelivered
 * until acked, so without a limit it would block its scale set forever.
 */

/** Ids remembered at most (poison messages are rare; this only bounds memory). */
const REMEMBERED = 32;

export class PoisonTracker {
  readonly #attempts = new Map<number, number>();

  /** Records one failed decode of `messageId`; returns how many there were so far. */
  failed(messageId: number): number {
    const attempts = (this.#attempts.get(messageId) ?? 0) + 1;
    this.#attempts.delete(messageId); // re-insert: the Map's order is the age order
    this.#attempts.set(messageId, attempts);
    if (this.#attempts.size > REMEMBERED) {
      const oldest = this.#attempts.keys().next().value;
      if (oldest !== undefined) this.#attempts.delete(oldest);
    }
    return attempts;
  }

  forget(messageId: number): void {
    this.#attempts.delete(messageId);
  }

  /** Message ids restart when the scale set is recreated. */
  reset(): void {
    this.#attempts.clear();
  }
}
