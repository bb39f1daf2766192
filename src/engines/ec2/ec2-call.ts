import type { Attributes } from "@opentelemetry/api";
import { sleep } from "../../util/sleep.js";
import { EngineError } from "../engine.js";
import { type ClassifiedError, classifyEc2Error } from "./errors.js";
import { ec2Attributes, inSpan } from "./telemetry.js";

export type Outcome<T> =
  | { ok: true; value: T; errorCode?: undefined; attributes?: Attributes }
  | { ok: false; error: ClassifiedError; errorCode: string; attributes?: Attributes };

export interface CallSettings {
  region: string;
  /** Ms one call may take; the request is aborted after it. */
  callTimeout: number;
}

/**
 * One EC2 API call with its own deadline (which aborts the request) inside a client span. Never
 * throws: the outcome carries the classified error, so the span never sees a raw SDK error.
 */
export async function ec2Call<T>(
  settings: CallSettings,
  operation: string,
  attributes: Attributes,
  fn: (signal: AbortSignal) => Promise<T>,
  callerSignal: AbortSignal | undefined,
  resultAttributes?: (value: T) => Attributes,
): Promise<Outcome<T>> {
  const timeout = AbortSignal.timeout(settings.callTimeout);
  const signal = callerSignal ? AbortSignal.any([callerSignal, timeout]) : timeout;
  const base = ec2Attributes(settings.region, operation);
  return await inSpan(`EC2.${operation}`, { ...base, ...attributes }, async () => {
    try {
      const value = await fn(signal);
      return { ok: true, value, attributes: resultAttributes?.(value) } as const;
    } catch (error) {
      const site = { operation, region: settings.region };
      const classified = classifyEc2Error(error, site, callerSignal?.aborted === true);
      return { ok: false, error: classified, errorCode: classified.code } as const;
    }
  });
}

/** Sleeps `ms` (jittered to 50–100 %); an abort becomes the engine's ABORTED error. */
export async function jitteredPause(ms: number, signal: AbortSignal | undefined): Promise<void> {
  try {
    await sleep(Math.round(ms * (0.5 + Math.random() / 2)), signal);
  } catch {
    throw new EngineError("EC2 call aborted", { code: "ABORTED", retryable: true });
  }
}
