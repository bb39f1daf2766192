/** Resolves after `ms`, or rejects with the signal's reason as soon as it aborts. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(signal.reason);
      return;
    }
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}

/** Exponential backoff: base·2^attempt capped at max, with ±jitter fraction (0 = none). */
export function backoffDelay(
  attempt: number,
  opts: { baseMs: number; maxMs: number; jitter?: number; random?: () => number },
): number {
  const raw = Math.min(opts.maxMs, opts.baseMs * 2 ** Math.max(0, attempt));
  const jitter = opts.jitter ?? 0;
  if (jitter === 0) return raw;
  const random = opts.random ?? Math.random;
  return Math.max(0, Math.round(raw * (1 - jitter + 2 * jitter * random())));
}

export function isAbortError(error: unknown): boolean {
  return (
    error instanceof Error &&
    (error.name === "AbortError" || error.name === "TimeoutError" || error.name === "CanceledError")
  );
}
