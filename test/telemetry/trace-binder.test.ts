/**
 * The TraceBinder alone, on a real tracer provider: what it holds, what it moves into a job's
 * trace and how, and what it lets go as a trace of its own (unbound, unsampled, overflowing).
 */
import { ROOT_CONTEXT, type SpanContext, TraceFlags, trace } from "@opentelemetry/api";
import {
  InMemorySpanExporter,
  type ReadableSpan,
  SimpleSpanProcessor,
  TracerProvider,
} from "@opentelemetry/sdk-trace";
import { beforeEach, describe, expect, it } from "vitest";
import { TraceBinder } from "../../src/telemetry/trace-binder.js";

let exporter: InMemorySpanExporter;
let binder: TraceBinder;
let provider: TracerProvider;

beforeEach(() => {
  exporter = new InMemorySpanExporter();
  binder = new TraceBinder();
  provider = new TracerProvider({
    spanProcessors: [binder.spanProcessor(new SimpleSpanProcessor({ exporter }))],
  });
});

const tracer = () => provider.getTracer("test");

/** A runner span (held) with one child call, both ended unless said otherwise. */
function runner(endRoot = true) {
  const root = tracer().startSpan("scaleset.runner", {}, ROOT_CONTEXT);
  binder.hold(root.spanContext());
  tracer().startSpan("jit call", {}, trace.setSpan(ROOT_CONTEXT, root)).end();
  if (endRoot) root.end();
  return root;
}

const exported = () => exporter.getFinishedSpans();
const named = (name: string) => exported().find((s) => s.name === name) as ReadableSpan;

describe("TraceBinder", () => {
  it("holds a runner's spans until the runner is bound, then moves them into the job's trace", () => {
    const job = tracer().startSpan("scaleset.job", {}, ROOT_CONTEXT);
    const root = runner(false);
    expect(exported()).toEqual([]);
    expect(binder.bind(root.spanContext(), job.spanContext())).toBe(true);
    root.end();
    const teardown = tracer().startSpan("delete call", {}, trace.setSpan(ROOT_CONTEXT, root));
    teardown.end();
    job.end();
    const jobId = job.spanContext();
    for (const name of ["jit call", "scaleset.runner", "delete call"])
      expect(named(name).spanContext().traceId).toBe(jobId.traceId);
    expect(named("scaleset.runner").parentSpanContext?.spanId).toBe(jobId.spanId);
    expect(named("jit call").parentSpanContext).toMatchObject({
      traceId: jobId.traceId,
      spanId: root.spanContext().spanId,
    });
    // Real times are kept: the SDK's span is the source.
    const sdkRoot = root as unknown as ReadableSpan;
    expect(named("scaleset.runner").startTime).toEqual(sdkRoot.startTime);
    expect(named("scaleset.runner").endTime).toEqual(sdkRoot.endTime);
  });

  it("lets a runner that ends unbound go as its own trace, unchanged", () => {
    const root = runner();
    expect(exported().map((s) => s.name)).toEqual(["jit call", "scaleset.runner"]);
    expect(named("scaleset.runner").spanContext()).toEqual(root.spanContext());
    expect(named("scaleset.runner").parentSpanContext).toBeUndefined();
    // Too late to bind now: the trace is out.
    const job = tracer().startSpan("scaleset.job", {}, ROOT_CONTEXT);
    expect(binder.bind(root.spanContext(), job.spanContext())).toBe(false);
  });

  it("does not move a runner into a job trace that is not sampled", () => {
    const root = runner(false);
    const unsampled: SpanContext = {
      traceId: "0af7651916cd43dd8448eb211c80319c",
      spanId: "b7ad6b7169203331",
      traceFlags: TraceFlags.NONE,
    };
    expect(binder.bind(root.spanContext(), unsampled)).toBe(false);
    expect(named("jit call").spanContext().traceId).toBe(root.spanContext().traceId);
  });

  it("bounds the hold: a trace that outgrows it goes out as it is", () => {
    const root = tracer().startSpan("scaleset.runner", {}, ROOT_CONTEXT);
    binder.hold(root.spanContext());
    const context = trace.setSpan(ROOT_CONTEXT, root);
    for (let i = 0; i < 501; i++) tracer().startSpan("call", {}, context).end();
    expect(exported()).toHaveLength(501);
    root.end();
    expect(exported()).toHaveLength(502);
  });

  it("tracks the latest end of a job's trace, so the job span never ends before a child", () => {
    const job = tracer().startSpan("scaleset.job", {}, ROOT_CONTEXT);
    binder.track(job.spanContext());
    const root = runner(false);
    binder.bind(root.spanContext(), job.spanContext());
    root.end();
    const latest = binder.latestEnd(job.spanContext());
    expect(latest).toEqual(named("scaleset.runner").endTime);
    expect(binder.latestEnd(job.spanContext())).toBeUndefined(); // no longer watched
  });

  it("sends every held trace out as its own when told to (shutdown)", () => {
    runner(false);
    expect(exported()).toEqual([]);
    binder.releaseAll();
    expect(exported().map((s) => s.name)).toEqual(["jit call"]);
  });
});
