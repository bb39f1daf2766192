/** pino mixin: the active span's ids, so a log line leads to its trace. */
import { isSpanContextValid, trace } from "@opentelemetry/api";

/** A fresh object each call: pino merges the line's fields into it. */
export function traceLogFields(): Record<string, string> {
  const span = trace.getActiveSpan();
  if (!span) return {};
  const ctx = span.spanContext();
  if (!isSpanContextValid(ctx)) return {};
  return { trace_id: ctx.traceId, span_id: ctx.spanId };
}
