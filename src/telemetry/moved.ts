/**
 * A span or log record as it reads once moved into a job's trace (see trace-binder.ts): the job's
 * trace id, and for the runner span the job span as parent. What the SDK recorded is read
 * through, never changed.
 */
import type { HrTime, SpanContext } from "@opentelemetry/api";
import type { ReadWriteLogRecord } from "@opentelemetry/sdk-logs";
import type { ReadableSpan } from "@opentelemetry/sdk-trace";

/** Where a runner's trace goes: under `job`, its root being the span `rootSpanId`. */
export interface Target {
  readonly rootSpanId: string;
  readonly job: SpanContext;
}

/** The later of two times. */
export function later(a: HrTime, b: HrTime): HrTime {
  return a[0] > b[0] || (a[0] === b[0] && a[1] > b[1]) ? a : b;
}

function inJobTrace(context: SpanContext, target: Target): SpanContext {
  return {
    traceId: target.job.traceId,
    spanId: context.spanId,
    traceFlags: context.traceFlags,
    ...(target.job.traceState ? { traceState: target.job.traceState } : {}),
  };
}

/**
 * The ended span as it reads in the job's trace; the SDK's span is left as it is and read
 * through (an ended span no longer changes). A class: one small object per moved span, its
 * accessors shared, where a copy of every field would cost the exporter's hot path.
 */
export class MovedSpan implements ReadableSpan {
  readonly #span: ReadableSpan;
  readonly #context: SpanContext;
  readonly parentSpanContext: SpanContext | undefined;

  constructor(span: ReadableSpan, target: Target) {
    this.#span = span;
    this.#context = inJobTrace(span.spanContext(), target);
    const parent = span.parentSpanContext;
    this.parentSpanContext =
      this.#context.spanId === target.rootSpanId
        ? target.job
        : parent && inJobTrace(parent, target);
  }

  readonly spanContext = (): SpanContext => this.#context;
  get name() {
    return this.#span.name;
  }
  get kind() {
    return this.#span.kind;
  }
  get startTime() {
    return this.#span.startTime;
  }
  get endTime() {
    return this.#span.endTime;
  }
  get status() {
    return this.#span.status;
  }
  get attributes() {
    return this.#span.attributes;
  }
  get links() {
    return this.#span.links;
  }
  get events() {
    return this.#span.events;
  }
  get duration() {
    return this.#span.duration;
  }
  get ended() {
    return this.#span.ended;
  }
  get resource() {
    return this.#span.resource;
  }
  get instrumentationScope() {
    return this.#span.instrumentationScope;
  }
  get droppedAttributesCount() {
    return this.#span.droppedAttributesCount;
  }
  get droppedEventsCount() {
    return this.#span.droppedEventsCount;
  }
  get droppedLinksCount() {
    return this.#span.droppedLinksCount;
  }
}

/**
 * The log record as it reads in the job's trace. A copy: a held record was emitted long ago and
 * the SDK's own is read-only by now. Its setters do nothing for the same reason.
 */
export function movedLog(record: ReadWriteLogRecord, target: Target): ReadWriteLogRecord {
  const spanContext = record.spanContext && inJobTrace(record.spanContext, target);
  const copy: ReadWriteLogRecord = {
    hrTime: record.hrTime,
    hrTimeObserved: record.hrTimeObserved,
    spanContext,
    resource: record.resource,
    instrumentationScope: record.instrumentationScope,
    attributes: record.attributes,
    severityText: record.severityText,
    severityNumber: record.severityNumber,
    body: record.body,
    eventName: record.eventName,
    droppedAttributesCount: record.droppedAttributesCount,
    setAttribute: () => copy,
    setAttributes: () => copy,
    setBody: () => copy,
    setEventName: () => copy,
    setSeverityNumber: () => copy,
    setSeverityText: () => copy,
  };
  return copy;
}
