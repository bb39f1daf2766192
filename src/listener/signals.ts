/** Timers as abort signals, and the staged abort of a listener's shutdown. */

/** Aborts after `ms` with `reason()`. Unlike AbortSignal.timeout it runs on fakeable timers. */
export function timeoutSignal(
  ms: number,
  reason: () => Error,
): { signal: AbortSignal; clear(): void } {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(reason()), ms);
  return { signal: controller.signal, clear: () => clearTimeout(timer) };
}

/** Used when the run signal aborts without a stop(graceMs) telling the grace. */
export const DEFAULT_STOP_GRACE_MS = 10_000;

/**
 * A shutdown in three stages. `stop` aborts at once: no new poll, the poll in flight ends.
 * `handling` aborts when half the grace is gone: a message still being acked or acquired is
 * abandoned (an unacked message comes again; an unacquired job is picked up at the next session
 * start), so the other half is left for the session delete. `final` aborts when the grace is over.
 */
export class ShutdownSignals {
  readonly #stop = new AbortController();
  readonly #handling = new AbortController();
  readonly #final = new AbortController();
  readonly #timers: NodeJS.Timeout[] = [];

  get stop(): AbortSignal {
    return this.#stop.signal;
  }
  get handling(): AbortSignal {
    return this.#handling.signal;
  }
  get final(): AbortSignal {
    return this.#final.signal;
  }

  /** Starts the shutdown (once; a later call changes nothing). */
  begin(graceMs: number, reason: unknown = new Error("shutting down")): void {
    if (this.#stop.signal.aborted) return;
    this.#stop.abort(reason);
    const half = Math.max(0, Math.floor(graceMs / 2));
    this.#after(
      half,
      this.#handling,
      `shutdown: the message in flight was abandoned after ${half} ms`,
    );
    this.#after(graceMs, this.#final, `shutdown grace of ${graceMs} ms is over`);
  }

  dispose(): void {
    for (const timer of this.#timers) clearTimeout(timer);
  }

  #after(ms: number, controller: AbortController, message: string): void {
    const timer = setTimeout(() => controller.abort(new Error(message)), ms);
    timer.unref();
    this.#timers.push(timer);
  }
}
