import { EngineError } from "../engine.js";

/**
 * Races a promise against a timeout and an abort signal. The SDK call itself is aborted by its
 * own deadline; this guarantees the caller is released even where the SDK would wait on
 * something the deadline does not cover (a token request, an SDK bug).
 */
export function withDeadline<T>(
  work: Promise<T>,
  limits: { timeoutMs: number; signal?: AbortSignal },
): Promise<T> {
  const { timeoutMs, signal } = limits;
  return new Promise<T>((resolve, reject) => {
    if (signal?.aborted) {
      work.catch(() => undefined);
      reject(abortError(signal));
      return;
    }
    const onAbort = () => {
      clearTimeout(timer);
      reject(abortError(signal));
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      reject(
        new EngineError(`the Compute Engine API did not answer within ${timeoutMs} ms`, {
          code: "TIMEOUT",
          retryable: true,
        }),
      );
    }, timeoutMs);
    signal?.addEventListener("abort", onAbort, { once: true });
    work.then(
      (value) => {
        clearTimeout(timer);
        signal?.removeEventListener("abort", onAbort);
        resolve(value);
      },
      (error: unknown) => {
        clearTimeout(timer);
        signal?.removeEventListener("abort", onAbort);
        reject(error);
      },
    );
  });
}

function abortError(signal: AbortSignal | undefined): EngineError {
  return new EngineError("the Compute Engine call was cancelled", {
    code: "CANCELLED",
    retryable: true,
    cause: signal?.reason,
  });
}
