import { Fifo } from "./fifo.js";

/**
 * The broker queue of one scale set. Job events accumulate as serialized JSON; a GET packs up to
 * 50 of them into one message, which stays until acknowledged (DELETE). Held long polls subscribe
 * and are woken once per event loop turn, so a burst of events lands in as few messages as possible.
 */

export const MAX_EVENTS_PER_MESSAGE = 50;

export interface QueuedMessage {
  id: number;
  /** JSON array of job messages, as a string (the wire `body`). */
  body: string;
  eventCount: number;
  /** Decided at its first delivery: a poison message's body is corrupt on every delivery. */
  poisoned?: boolean;
}

export class MessageQueue {
  readonly #pending = new Fifo<string>();
  /** Un-acknowledged messages in id order (Map keeps insertion order). */
  readonly #unacked = new Map<number, QueuedMessage>();
  readonly #waiters = new Set<() => void>();
  #nextId = 1;
  #wakeScheduled = false;
  #closed = false;

  get pendingEvents(): number {
    return this.#pending.size;
  }

  get unackedMessages(): number {
    return this.#unacked.size;
  }

  push(eventJson: string): void {
    if (this.#closed) return;
    this.#pending.push(eventJson);
    this.#scheduleWake();
  }

  /** The oldest un-acked message with id > lastMessageId, packing a new one if needed. */
  take(lastMessageId: number): QueuedMessage | null {
    for (const message of this.#unacked.values()) {
      if (message.id > lastMessageId) return message;
    }
    if (this.#pending.size === 0) return null;
    const events = this.#pending.shiftMany(MAX_EVENTS_PER_MESSAGE);
    const message: QueuedMessage = {
      id: this.#nextId++,
      body: `[${events.join(",")}]`,
      eventCount: events.length,
    };
    this.#unacked.set(message.id, message);
    return message;
  }

  ack(messageId: number): boolean {
    return this.#unacked.delete(messageId);
  }

  /** Calls `wake` after events arrived (coalesced per event loop turn). Returns unsubscribe. */
  subscribe(wake: () => void): () => void {
    this.#waiters.add(wake);
    return () => this.#waiters.delete(wake);
  }

  /** Drops everything (the scale set is gone). */
  close(): void {
    this.#closed = true;
    this.#unacked.clear();
    this.#pending.shiftMany(Number.POSITIVE_INFINITY);
  }

  #scheduleWake(): void {
    if (this.#wakeScheduled || this.#waiters.size === 0) return;
    this.#wakeScheduled = true;
    setImmediate(() => {
      this.#wakeScheduled = false;
      for (const wake of [...this.#waiters]) wake();
    });
  }
}
