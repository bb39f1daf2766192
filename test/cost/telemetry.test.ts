/**
 * The cost in telemetry, in-process: a job's machine priced by the ledger when it is deleted puts
 * `scaleset.cost_usd` on the job span (still open then: it ends with its runner's VM) and on the
 * runner span, records scaleset.job.cost and adds to scaleset.cost by capacity type; an unknown
 * cost adds no dollars and no cost_usd, only scaleset.machines.unpriced.
 */
import {
  AggregationTemporality,
  type DataPoint,
  type Histogram,
  InMemoryMetricExporter,
  PeriodicExportingMetricReader,
} from "@opentelemetry/sdk-metrics";
import { InMemorySpanExporter, type ReadableSpan } from "@opentelemetry/sdk-trace";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BILLING_RULES } from "../../src/cost/billing.js";
import { CostLedger } from "../../src/cost/ledger.js";
import type { ScaleSetMessage } from "../../src/github/types.js";
import type { ScalerEvent } from "../../src/scaler/events.js";
import { completed, job, message, started, startInProcess } from "../telemetry/in-process.js";

const spanExporter = new InMemorySpanExporter();
const metricExporter = new InMemoryMetricExporter(AggregationTemporality.CUMULATIVE);
const reader = new PeriodicExportingMetricReader({
  exporter: metricExporter,
  exportIntervalMillis: 3_600_000,
});
let telemetry: ReturnType<typeof startInProcess>;
let spans: ReadableSpan[] = [];
const clock = { now: Date.UTC(2026, 11, 4, 9) };

beforeAll(async () => {
  telemetry = startInProcess(spanExporter, [reader]);
  const { runtime } = telemetry;
  const hooks = runtime.instrumentUnit({ scaleSet: "linux", engineType: "gcp" });
  const ledger = new CostLedger({
    config: { standardPerHour: 0.36, liveSpotPrices: false },
    rule: BILLING_RULES.gcp,
    now: () => clock.now,
    onCost: (cost) => hooks.spotCost.cost(cost),
  });
  // As the app wires them: the ledger sees each event first, then telemetry.
  const emit = (event: ScalerEvent) => {
    ledger.observer(event);
    hooks.scalerObserver(event);
  };
  const handle = (m: ScaleSetMessage, work: () => void = () => undefined) =>
    hooks.listenerObserver.wrapMessage?.(m, Date.now(), async () => work());
  const binding = { jobId: "A", owner: "org", repo: "repo", runId: 7 };

  for (const [runner, capacity] of [
    ["r-std", "standard"],
    ["r-spot", "spot"],
  ] as const) {
    const id = runner === "r-std" ? "A" : "B";
    await handle(message({ jobAssigned: [job(id)] }), () =>
      emit({ type: "state", runner, from: null, to: "pending" }),
    );
    emit({ type: "machine-created", runner, machineId: `m-${runner}`, capacity, location: "z" });
    emit({ type: "state", runner, from: "pending", to: "booting" });
    await handle(message({ jobStarted: [started(id, runner)] }), () => {
      emit({ type: "state", runner, from: "booting", to: "busy" });
      emit({ type: "job-started", runner, job: { ...binding, jobId: id } });
    });
    clock.now += 600_000; // ten minutes of machine
    await handle(message({ jobCompleted: [completed(id, runner)] }));
    emit({ type: "state", runner, from: "busy", to: "deleting" });
    emit({ type: "machine-deleted", runner, machineId: `m-${runner}`, reason: "job-completed" });
    emit({ type: "state", runner, from: "deleting", to: null });
  }
  spans = spanExporter.getFinishedSpans();
  await reader.forceFlush();
});

afterAll(() => telemetry.stop());

const span = (name: string, attr: string, value: string) =>
  spans.find((s) => s.name === name && s.attributes[attr] === value);

function points(name: string): DataPoint<unknown>[] {
  const all = metricExporter
    .getMetrics()
    .flatMap((rm) => rm.scopeMetrics.flatMap((s) => s.metrics));
  return all
    .filter((m) => m.descriptor.name === name)
    .flatMap((m) => m.dataPoints as DataPoint<unknown>[]);
}

describe("cost in telemetry", () => {
  it("puts scaleset.cost_usd on the job span and the runner span", () => {
    const jobA = span("scaleset.job", "cicd.pipeline.task.run.id", "A");
    const runner = span("scaleset.runner", "cicd.worker.name", "r-std");
    expect(jobA?.attributes["scaleset.cost_usd"]).toBeCloseTo(0.06, 9); // 600 s at $0.36/h
    expect(jobA?.attributes["scaleset.cost.known"]).toBe(true);
    expect(runner?.attributes["scaleset.cost_usd"]).toBeCloseTo(0.06, 9);
    expect(runner?.attributes["scaleset.capacity.type"]).toBe("standard");
  });

  it("says an unknown cost as unknown: no cost_usd, cost.known false", () => {
    const jobB = span("scaleset.job", "cicd.pipeline.task.run.id", "B");
    expect(jobB?.attributes["scaleset.cost_usd"]).toBeUndefined();
    expect(jobB?.attributes["scaleset.cost.known"]).toBe(false);
  });

  it("records scaleset.job.cost and scaleset.cost by capacity type, and counts the unpriced", () => {
    const histogram = points("scaleset.job.cost");
    expect(histogram).toHaveLength(1);
    const sum = histogram[0] ? (histogram[0].value as Histogram).sum : undefined;
    expect(sum).toBeCloseTo(0.06, 9);
    expect(histogram[0]?.attributes).toMatchObject({ "scaleset.capacity.type": "standard" });
    const cost = points("scaleset.cost");
    const byCapacity = Object.fromEntries(
      cost.map((p) => [p.attributes["scaleset.capacity.type"], p.value]),
    );
    expect(byCapacity.standard).toBeCloseTo(0.06, 9);
    expect(byCapacity.spot).toBe(0); // created at 0; the spot machine's cost is unknown
    const unpriced = points("scaleset.machines.unpriced");
    const spotUnpriced = unpriced.find((p) => p.attributes["scaleset.capacity.type"] === "spot");
    expect(spotUnpriced?.value).toBe(1);
  });
});
