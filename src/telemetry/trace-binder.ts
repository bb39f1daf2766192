/**
 * Moves a runner's trace into the trace of the job it runs, between span end and the exporter.
 *
 * In a burst most runners are created before anyone knows which job they will run (GitHub gives
 * a job to whichever runner asks first). A runner therefore starts a provisional trace of its own
 * (`hold`); its spans and log records are kept here, not exported, until JobStarted names the
 * runner (`bind`). They are then sent on with the job's trace id, the runner span's parent set
 * to the job span, and every later span or log record of that trace is rewritten the same way.
 * A runner whose span ends unbound (scaled down, failed) is sent on as the trace of its own it
 * always was. Nothing is re-parented through the API (which cannot do it): start and end times
 * stay the real ones, and no instrumentation point needs to know.
 *
 * The hold is bounded: past MAX_HELD traces or MAX_ITEMS items per trace, the oldest (or the
 * overflowing) trace is let go as its own trace.
 */
import { type Context, type HrTime, type SpanContext, TraceFlags } from "@opentelemetry/api";
import type { LogRecordProcessor, ReadWriteLogRecord } from "@opentelemetry/sdk-logs";
import type { ReadableSpan, Span, SpanProcessor } from "@opentelemetry/sdk-trace";
import { later, MovedSpan, movedLog, type Target } from "./moved.js";

/** What the runner tracker tells the binder (the API-only side: it has no SDK types). */
export interface TraceBinding {
  /** A runner span started a provisional trace: hold what it records. */
  hold(runnerSpan: SpanContext): void;
  /** The runner runs the job: its trace becomes part of the job's. False if too late. */
  bind(runnerSpan: SpanContext, jobSpan: SpanContext): boolean;
  /** Watch the job's trace for the latest end time of its spans. */
  track(jobSpan: SpanContext): void;
  /**
   * The latest end among the spans of the job's trace so far (and stop watching). A root must
   * not end before a child: span clocks (start truncated to the millisecond, then a monotonic
   * delta) can put a child's end up to a millisecond after an end taken later.
   */
  latestEnd(jobSpan: SpanContext): HrTime | undefined;
}

export const NO_BINDING: TraceBinding = {
  hold: () => undefined,
  bind: () => false,
  track: () => undefined,
  latestEnd: () => undefined,
};

interface Held {
  readonly rootSpanId: string;
  spans: ReadableSpan[];
  logs: ReadWriteLogRecord[];
}

const MAX_HELD = 20_000;
const MAX_ITEMS = 500;
/** Bound traces whose runner span ended: their late spans (an engine call cut short) still move. */
const MAX_FINISHED = 4_096;
/** Job traces watched for their latest end (open jobs are bounded alike in job-tracker.ts). */
const MAX_TRACKED = 40_000;

export class TraceBinder implements TraceBinding {
  readonly #held = new Map<string, Held>();
  readonly #bound = new Map<string, Target>();
  readonly #finished = new Map<string, Target>();
  readonly #latest = new Map<string, HrTime | null>();
  #spans: SpanProcessor | null = null;
  #logs: LogRecordProcessor | null = null;

  /** Wraps the span processor that exports (a BatchSpanProcessor). */
  spanProcessor(next: SpanProcessor): SpanProcessor {
    this.#spans = next;
    return {
      onStart: (span: Span, parent: Context) => next.onStart(span, parent),
      onEnd: (span: ReadableSpan) => this.#onSpanEnd(span),
      forceFlush: () => next.forceFlush(),
      shutdown: () => {
        this.releaseAll();
        return next.shutdown();
      },
    };
  }

  /** Wraps the log record processor that exports (a BatchLogRecordProcessor). */
  logProcessor(next: LogRecordProcessor): LogRecordProcessor {
    this.#logs = next;
    return {
      onEmit: (record: ReadWriteLogRecord, context?: Context) => this.#onLog(record, context),
      forceFlush: () => next.forceFlush(),
      shutdown: () => {
        this.releaseAll();
        return next.shutdown();
      },
    };
  }

  hold(runnerSpan: SpanContext): void {
    if (this.#held.size >= MAX_HELD) {
      const oldest = this.#held.keys().next().value as string;
      this.#release(oldest);
    }
    this.#held.set(runnerSpan.traceId, { rootSpanId: runnerSpan.spanId, spans: [], logs: [] });
  }

  bind(runnerSpan: SpanContext, jobSpan: SpanContext): boolean {
    const held = this.#held.get(runnerSpan.traceId);
    if (!held || held.rootSpanId !== runnerSpan.spanId) return false;
    // A job trace that is not sampled is not exported: the runner keeps a trace of its own.
    if ((jobSpan.traceFlags & TraceFlags.SAMPLED) === 0) {
      this.#release(runnerSpan.traceId);
      return false;
    }
    this.#held.delete(runnerSpan.traceId);
    const target: Target = { rootSpanId: held.rootSpanId, job: jobSpan };
    this.#bound.set(runnerSpan.traceId, target);
    for (const span of held.spans) this.#forwardSpan(span, target);
    for (const record of held.logs) this.#logs?.onEmit(movedLog(record, target));
    return true;
  }

  track(jobSpan: SpanContext): void {
    if (this.#latest.size >= MAX_TRACKED)
      this.#latest.delete(this.#latest.keys().next().value as string);
    this.#latest.set(jobSpan.traceId, null);
  }

  latestEnd(jobSpan: SpanContext): HrTime | undefined {
    const end = this.#latest.get(jobSpan.traceId);
    this.#latest.delete(jobSpan.traceId);
    return end ?? undefined;
  }

  /** Sends every held trace on as its own (shutdown). */
  releaseAll(): void {
    for (const traceId of [...this.#held.keys()]) this.#release(traceId);
  }

  #onSpanEnd(span: ReadableSpan): void {
    const { traceId, spanId } = span.spanContext();
    // Most spans belong to a job's own trace (messages, their calls): one lookup for them.
    if (this.#noteEnd(traceId, span.endTime)) {
      this.#spans?.onEnd(span);
      return;
    }
    const held = this.#held.get(traceId);
    if (held) {
      held.spans.push(span);
      // The runner span ended unbound, or the trace outgrew the hold: it stays its own trace.
      if (spanId === held.rootSpanId || held.spans.length + held.logs.length > MAX_ITEMS)
        this.#release(traceId);
      return;
    }
    const target = this.#bound.get(traceId) ?? this.#finished.get(traceId);
    if (!target) {
      this.#spans?.onEnd(span);
      return;
    }
    this.#forwardSpan(span, target);
    if (spanId === target.rootSpanId && this.#bound.delete(traceId)) {
      if (this.#finished.size >= MAX_FINISHED)
        this.#finished.delete(this.#finished.keys().next().value as string);
      this.#finished.set(traceId, target);
    }
  }

  #onLog(record: ReadWriteLogRecord, context?: Context): void {
    const traceId = record.spanContext?.traceId;
    if (traceId !== undefined) {
      const held = this.#held.get(traceId);
      if (held) {
        held.logs.push(record);
        if (held.spans.length + held.logs.length > MAX_ITEMS) this.#release(traceId);
        return;
      }
      const target = this.#bound.get(traceId) ?? this.#finished.get(traceId);
      if (target) {
        this.#logs?.onEmit(movedLog(record, target), context);
        return;
      }
    }
    this.#logs?.onEmit(record, context);
  }

  #release(traceId: string): void {
    const held = this.#held.get(traceId);
    if (!held) return;
    this.#held.delete(traceId);
    for (const span of held.spans) this.#spans?.onEnd(span);
    for (const record of held.logs) this.#logs?.onEmit(record);
  }

  #forwardSpan(span: ReadableSpan, target: Target): void {
    this.#noteEnd(target.job.traceId, span.endTime);
    this.#spans?.onEnd(new MovedSpan(span, target));
  }

  /** True when `traceId` is a watched job trace (its latest end updated). */
  #noteEnd(traceId: string, end: HrTime): boolean {
    const latest = this.#latest.get(traceId);
    if (latest === undefined) return false;
    if (latest === null || later(end, latest) === end) this.#latest.set(traceId, end);
    return true;
  }
}
