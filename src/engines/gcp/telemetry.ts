import { type Attributes, type Span, SpanStatusCode, trace } from "@opentelemetry/api";
import { EngineError } from "../engine.js";

/**
 * Spans around engine calls (no-ops unless an OpenTelemetry SDK is started). Attributes are ids
 * and zones only: never metadata, never the SDK's raw error (its request holds the JIT config).
 */
const tracer = trace.getTracer("scaleset");

export async function inSpan<T>(
  name: string,
  attributes: Attributes,
  work: (span: Span) => Promise<T>,
): Promise<T> {
  return tracer.startActiveSpan(
    name,
    { attributes: { "cloud.provider": "gcp", ...attributes } },
    async (span) => {
      try {
        return await work(span);
      } catch (error) {
        const code = error instanceof EngineError ? error.code : "UNKNOWN";
        span.setAttribute("error.type", code);
        span.setStatus({ code: SpanStatusCode.ERROR, message: code });
        throw error;
      } finally {
        span.end();
      }
    },
  );
}
