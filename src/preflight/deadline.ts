import type { PreflightContext } from "./types.js";

/** A call that did not answer within its deadline (or the run's budget ran out). */
export class DeadlineError extends Error {
  override name = "DeadlineError";
}

/** A signal that aborts after the per-call deadline, or when the whole run's budget is spent. */
export function callSignal(ctx: PreflightContext): AbortSignal {
  return AbortSignal.any([ctx.signal, AbortSignal.timeout(ctx.callTimeoutMs)]);
}

/**
 * Races `work` against the per-call deadline and the run's budget. Used where the SDK's own
 * timeout may not cover everything (token requests, an SDK waiting on itself); the SDK call is
 * also given the same deadline, so the request itself is aborted too.
 */
export function withDeadline<T>(work: Promise<T>, ctx: PreflightContext, what: string): Promise<T> {
  const signal = callSignal(ctx);
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => {
      const reason = ctx.signal.aborted
        ? `${what}: the validate budget ran out`
        : `${what} did not answer within ${(ctx.callTimeoutMs / 1000).toFixed(0)} s`;
      reject(new DeadlineError(reason));
    };
    if (signal.aborted) {
      work.catch(() => undefined);
      onAbort();
      return;
    }
    signal.addEventListener("abort", onAbort, { once: true });
    work.then(
      (value) => {
        signal.removeEventListener("abort", onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener("abort", onAbort);
        reject(error);
      },
    );
  });
}

/** GitHub stops assigning jobs to runner releases about 30 days old: warn well before. */
export const IMAGE_WARN_DAYS = 25;

/** "12 days old" and whether the image is past the warning age. */
export function imageAge(created: Date, now: Date): { days: number; text: string; stale: boolean } {
  const days = Math.max(0, Math.floor((now.getTime() - created.getTime()) / 86_400_000));
  return {
    days,
    text: `built ${created.toISOString().slice(0, 10)}, ${days} day${days === 1 ? "" : "s"} old`,
    stale: days > IMAGE_WARN_DAYS,
  };
}
