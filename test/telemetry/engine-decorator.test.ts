/**
 * The telemetry decorator around an engine: an operation span only for an engine that does not
 * trace its own cloud calls, the call metrics always, and the optional methods passed through.
 */
import { context, SpanKind, trace } from "@opentelemetry/api";
import { type DataPoint, MetricReader, type ResourceMetrics } from "@opentelemetry/sdk-metrics";
import { InMemorySpanExporter, type ReadableSpan } from "@opentelemetry/sdk-trace";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { type Engine, EngineError, type Machine } from "../../src/engines/engine.js";
import { startInProcess } from "./in-process.js";

class PullReader extends MetricReader {
  protected async onForceFlush(): Promise<void> {}
  protected async onShutdown(): Promise<void> {}
}

/** An engine whose create and delete each make one "cloud call" span of their own, as ec2 does. */
function fakeEngine(tracesCalls: boolean): Engine & { listed: number } {
  const tracer = trace.getTracer("scaleset");
  const call = async (name: string, fail: boolean) => {
    const span = tracer.startSpan(name, { kind: SpanKind.CLIENT });
    span.end();
    if (fail) throw new EngineError("refused", { code: "QUOTA_EXCEEDED", retryable: true });
  };
  return {
    type: "fake",
    tracesCalls,
    listed: 0,
    async create(request): Promise<Machine> {
      await call("Fake.Launch", false);
      return {
        id: `m-${request.runnerName}`,
        runnerName: request.runnerName,
        scaleSetName: request.scaleSetName,
        owner: "test",
        state: "provisioning",
        createdAt: new Date(),
      };
    },
    async delete(machineId) {
      await call("Fake.Terminate", machineId === "refuse");
    },
    async list() {
      return [];
    },
    async inventory() {
      this.listed++;
      return [];
    },
    async close() {},
  };
}

const request = {
  runnerName: "r1",
  jitConfig: "jit-secret",
  scaleSetId: 1,
  scaleSetName: "linux",
  labels: [],
};

describe("InstrumentedEngine", () => {
  let exporter: InMemorySpanExporter;
  let reader: PullReader;
  let stop: () => Promise<void>;
  let instrument: (engine: Engine) => Engine;
  beforeEach(() => {
    // Fresh ones each time: a shut-down exporter drops spans, a reader binds to one provider.
    exporter = new InMemorySpanExporter();
    reader = new PullReader();
    const started = startInProcess(exporter, [reader]);
    stop = started.stop;
    instrument = (engine) => started.runtime.instrumentEngine(engine, "linux");
  });
  afterEach(async () => await stop());

  /** create r1, delete it, then a delete the cloud refuses; all inside a runner span. */
  async function provisionAndTeardown(engine: Engine): Promise<ReadableSpan> {
    const runner = trace.getTracer("test").startSpan("scaleset.runner");
    await context.with(trace.setSpan(context.active(), runner), async () => {
      const machine = await engine.create(request);
      await engine.delete(machine.id);
      await expect(engine.delete("refuse")).rejects.toThrow("refused");
    });
    runner.end();
    return exporter.getFinishedSpans().find((s) => s.name === "scaleset.runner") as ReadableSpan;
  }

  async function cloudCounts(): Promise<Record<string, number>> {
    const { resourceMetrics } = await reader.collect();
    const out: Record<string, number> = {};
    for (const metric of (resourceMetrics as ResourceMetrics).scopeMetrics.flatMap(
      (s) => s.metrics,
    )) {
      const name = metric.descriptor.name;
      if (name !== "scaleset.cloud.requests" && name !== "scaleset.cloud.errors") continue;
      for (const point of metric.dataPoints as DataPoint<number>[]) {
        const key = `${name}{${String(point.attributes["scaleset.cloud.operation"])}${
          point.attributes["error.type"] ? `,${String(point.attributes["error.type"])}` : ""
        }}`;
        out[key] = point.value;
      }
    }
    return out;
  }

  it("adds no operation span around an engine that traces its own calls; still counts them", async () => {
    const runner = await provisionAndTeardown(instrument(fakeEngine(true)));
    const spans = exporter.getFinishedSpans();
    expect(spans.filter((s) => s.name.startsWith("scaleset.engine."))).toEqual([]);
    // The engine's call spans are the runner's children.
    const calls = spans.filter((s) => s.name.startsWith("Fake."));
    expect(calls.map((s) => s.name)).toEqual(["Fake.Launch", "Fake.Terminate", "Fake.Terminate"]);
    expect(calls.every((s) => s.parentSpanContext?.spanId === runner.spanContext().spanId)).toBe(
      true,
    );
    expect(await cloudCounts()).toMatchObject({
      "scaleset.cloud.requests{create}": 1,
      "scaleset.cloud.requests{delete}": 2,
      "scaleset.cloud.errors{delete,QUOTA_EXCEEDED}": 1,
    });
  });

  it("opens an operation span, parent of the engine's own, for an engine that does not", async () => {
    const runner = await provisionAndTeardown(instrument(fakeEngine(false)));
    const spans = exporter.getFinishedSpans();
    const operations = spans.filter((s) => s.name.startsWith("scaleset.engine."));
    expect(operations.map((s) => s.name)).toEqual([
      "scaleset.engine.create",
      "scaleset.engine.delete",
      "scaleset.engine.delete",
    ]);
    expect(
      operations.every((s) => s.parentSpanContext?.spanId === runner.spanContext().spanId),
    ).toBe(true);
    const launch = spans.find((s) => s.name === "Fake.Launch");
    expect(launch?.parentSpanContext?.spanId).toBe(operations[0]?.spanContext().spanId);
    expect(operations[0]?.attributes["scaleset.machine.id"]).toBe("m-r1");
    expect(operations[2]?.attributes["error.type"]).toBe("QUOTA_EXCEEDED");
    expect(JSON.stringify(spans.map((s) => s.attributes))).not.toContain("jit-secret");
    expect(await cloudCounts()).toMatchObject({
      "scaleset.cloud.requests{create}": 1,
      "scaleset.cloud.requests{delete}": 2,
    });
  });

  it("passes the optional methods through, and only those the engine has", async () => {
    const inner = fakeEngine(true);
    const wrapped = instrument(inner);
    expect(wrapped.tracesCalls).toBe(true);
    expect(await wrapped.inventory?.()).toEqual([]);
    expect(inner.listed).toBe(1);
    expect(wrapped.preemptions).toBeUndefined();
    expect(wrapped.spotPrice).toBeUndefined();
  });
});
