import { sleep } from "../../util/sleep.js";
import { EngineError } from "../engine.js";
import type { GceApi, GceOperation } from "./gce-types.js";

/** Least time between two wait calls for the same operation. */
const MIN_POLL_MS = 250;

async function pause(ms: number, signal?: AbortSignal): Promise<void> {
  try {
    await sleep(ms, signal);
  } catch {
    throw new EngineError("the Compute Engine call was cancelled", {
      code: "CANCELLED",
      retryable: true,
    });
  }
}

/**
 * Polls a zonal operation to DONE with `zoneOperations.wait` (which itself blocks server-side
 * for a while and may return RUNNING). Each wait call is bounded by the API timeout, the whole
 * wait by `deadline`; a wait call that times out before the deadline is simply issued again.
 */
export async function waitForOperation(
  api: GceApi,
  zone: string,
  first: GceOperation,
  opts: { deadline: number; apiTimeoutMs: number; signal?: AbortSignal },
): Promise<GceOperation> {
  let op = first;
  const name = op.name;
  if (!name) {
    throw new EngineError("Compute Engine returned an operation without a name", {
      code: "SERVER_ERROR",
      retryable: true,
    });
  }
  while (op.status !== "DONE") {
    const remaining = opts.deadline - Date.now();
    if (remaining <= 0) {
      throw new EngineError(`operation ${name} in ${zone} did not finish in time`, {
        code: "OPERATION_TIMEOUT",
        retryable: true,
      });
    }
    const timeoutMs = Math.min(opts.apiTimeoutMs, remaining);
    const started = Date.now();
    try {
      op = await api.waitOperation(zone, name, { timeoutMs, signal: opts.signal });
      // `wait` is best-effort and may answer at once; do not spin on a quick RUNNING.
      const early = MIN_POLL_MS - (Date.now() - started);
      if (op.status !== "DONE" && early > 0) await pause(Math.min(early, remaining), opts.signal);
    } catch (error) {
      const timedOut = error instanceof EngineError && error.code === "TIMEOUT";
      const gaxDeadline = (error as { code?: unknown }).code === 4; // DEADLINE_EXCEEDED
      if ((timedOut || gaxDeadline) && !opts.signal?.aborted) continue;
      throw error;
    }
  }
  return op;
}
