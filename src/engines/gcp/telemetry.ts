import { type Attributes, type Span, SpanKind, SpanStatusCode, trace } from "@opentelemetry/api";
import type { EngineError } from "../engine.js";
import { classifySdkError } from "./errors.js";

/**
 * One CLIENT span per Compute Engine API call (no-ops unless an OpenTelemetry SDK is started);
 * the runner or reconciliation span is their parent (the engine says `tracesCalls`, so the
 * telemetry decorator opens no `scaleset.engine.*` span around them).
 * Attributes are ids and zones only: never metadata, never the SDK's raw error (its request
 * holds the JIT config) — a failure is classified first and only its code is recorded.
 */
const tracer = trace.getTracer("scaleset");

export interface GceCall {
  attributes: Attributes;
  /** What the call does, for error messages ("insert r-1 in us-central1-a"). */
  what: string;
  /** Scrubbed from error messages. */
  secrets?: readonly string[];
  /** Error codes that are an expected answer, not a failure (a delete's NOT_FOUND). */
  expected?: string;
  /** The project, for operator hints (which project's API to enable). */
  project?: string;
}

export async function gceCall<T>(
  name: string,
  call: GceCall,
  work: (span: Span) => Promise<T>,
): Promise<T> {
  return tracer.startActiveSpan(
    name,
    { kind: SpanKind.CLIENT, attributes: { "cloud.provider": "gcp", ...call.attributes } },
    async (span) => {
      try {
        return await work(span);
      } catch (error) {
        const classified = classifySdkError(error, call.what, call.secrets, call.project);
        if (classified.code !== call.expected) recordFailure(span, classified);
        throw classified;
      } finally {
        span.end();
      }
    },
  );
}

/** Marks a span failed with the engine's error code (an operation that finished in error, too). */
export function recordFailure(span: Span, error: EngineError): void {
  span.setAttribute("error.type", error.code);
  span.setStatus({ code: SpanStatusCode.ERROR, message: error.code });
}
