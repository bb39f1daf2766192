/**
 * The trace model in-process, with jobs and runners crossing: any runner may take any job, so
 * the runner created for job A can end up running job B. Each runner must end up in the trace of
 * the job it ran (moved there by the TraceBinder between span end and the exporter).
 */
import { trace } from "@opentelemetry/api";
import { hrTimeToNanoseconds } from "@opentelemetry/core";
import { InMemorySpanExporter, type ReadableSpan } from "@opentelemetry/sdk-trace";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ScaleSetMessage } from "../../src/github/types.js";
import type { ScalerEvent } from "../../src/scaler/events.js";
import type { UnitHooks } from "../../src/telemetry/runtime.js";
import { completed, job, message, started, startInProcess } from "./in-process.js";

const exporter = new InMemorySpanExporter();
let telemetry: ReturnType<typeof startInProcess>;
let hooks: UnitHooks;
let spans: ReadableSpan[] = [];

beforeAll(async () => {
  telemetry = startInProcess(exporter);
  const { runtime } = telemetry;
  hooks = runtime.instrumentUnit({ scaleSet: "linux", engineType: "sim" });
  const emit = (event: ScalerEvent) => hooks.scalerObserver(event);
  const handle = (m: ScaleSetMessage, work: () => void = () => undefined) =>
    hooks.listenerObserver.wrapMessage?.(m, Date.now(), async () => work());

  // Two jobs assigned in one message; the scaler scales up twice while handling it.
  await handle(message({ jobAssigned: [job("A"), job("B")] }), () => {
    emit({ type: "state", runner: "r1", from: null, to: "pending" });
    emit({ type: "state", runner: "r2", from: null, to: "pending" });
  });
  for (const runner of ["r1", "r2"]) {
    await hooks.tracing.runnerPhase(runner, "provision", async () => {
      trace.getTracer("scaleset").startSpan("fake cloud call").end();
      emit({ type: "machine-created", runner, machineId: `m-${runner}`, location: "zone-a" });
      return { kind: "created" };
    });
    emit({ type: "state", runner, from: "pending", to: "booting" });
  }
  // A runner left by an earlier process shows up at reconciliation.
  emit({ type: "state", runner: "old", from: null, to: "pending", adopted: true });
  // Crossed: r1 (created for A) runs B, r2 (created for B) runs A.
  await handle(message({ jobStarted: [started("B", "r1"), started("A", "r2")] }), () => {
    emit({ type: "state", runner: "r1", from: "booting", to: "busy" });
    emit({ type: "state", runner: "r2", from: "booting", to: "busy" });
  });
  await handle(message({ jobCompleted: [completed("A", "r2"), completed("B", "r1", "failed")] }));
  for (const runner of ["r1", "r2"]) {
    emit({ type: "state", runner, from: "busy", to: "deleting" });
    await hooks.tracing.runnerPhase(runner, "teardown", async () => "done", "job-completed");
    emit({ type: "machine-deleted", runner, machineId: `m-${runner}`, reason: "job-completed" });
    emit({ type: "state", runner, from: "deleting", to: null });
  }
  emit({ type: "state", runner: "old", from: "pending", to: null });
  spans = exporter.getFinishedSpans();
});

afterAll(() => telemetry.stop());

const find = (name: string, attr: string, value: unknown) => {
  const span = spans.find((s) => s.name === name && s.attributes[attr] === value);
  if (!span) throw new Error(`no ${name} with ${attr}=${String(value)}`);
  return span;
};
const linkedTo = (from: ReadableSpan, to: ReadableSpan) =>
  from.links.some((l) => l.context.spanId === to.spanContext().spanId);

const ended = (s: ReadableSpan) => s.endTime[0] * 1e9 + s.endTime[1];

describe("trace model", () => {
  it("gives every job one root span, and moves the runner that ran it into its trace", () => {
    const jobA = find("scaleset.job", "cicd.pipeline.task.run.id", "A");
    const jobB = find("scaleset.job", "cicd.pipeline.task.run.id", "B");
    expect(jobA.parentSpanContext).toBeUndefined();
    expect(jobA.spanContext().traceId).not.toBe(jobB.spanContext().traceId);
    const r1 = find("scaleset.runner", "cicd.worker.name", "r1");
    const r2 = find("scaleset.runner", "cicd.worker.name", "r2");
    // Crossed: r1 was created for A (FIFO demand) and ran B; r2 the other way round.
    expect(r1.attributes["scaleset.runner.created_for_job"]).toBe("A");
    expect(r1.attributes["cicd.pipeline.task.run.id"]).toBe("B");
    expect(r1.spanContext().traceId).toBe(jobB.spanContext().traceId);
    expect(r1.parentSpanContext?.spanId).toBe(jobB.spanContext().spanId);
    expect(r2.spanContext().traceId).toBe(jobA.spanContext().traceId);
    expect(r2.parentSpanContext?.spanId).toBe(jobA.spanContext().spanId);
    // Parent and child: no links between them.
    expect(linkedTo(r1, jobB) || linkedTo(jobB, r1) || linkedTo(r1, jobA)).toBe(false);
    expect(jobB.attributes["cicd.pipeline.task.run.result"]).toBe("failure");
    expect(jobB.attributes["error.type"]).toBe("failure");
    expect(jobA.attributes["error.type"]).toBeUndefined();
    expect(jobA.attributes["cicd.worker.name"]).toBe("r2");
    expect(jobA.events.map((e) => e.name)).toEqual(["assigned", "started", "completed"]);
  });

  it("moves the runner's provisioning calls along, and ends the job after its runner", () => {
    const jobB = find("scaleset.job", "cicd.pipeline.task.run.id", "B");
    const r1 = find("scaleset.runner", "cicd.worker.name", "r1");
    const call = spans.find(
      (c) =>
        c.name === "fake cloud call" && c.parentSpanContext?.spanId === r1.spanContext().spanId,
    );
    expect(call?.spanContext().traceId).toBe(jobB.spanContext().traceId);
    expect(r1.attributes["scaleset.machine.location"]).toBe("zone-a");
    expect(r1.events.map((e) => e.name)).toEqual([
      "booting",
      "busy",
      "deleting",
      "machine.deleted",
    ]);
    const trace = spans.filter((s) => s.spanContext().traceId === jobB.spanContext().traceId);
    expect(trace.every((s) => ended(s) <= ended(jobB))).toBe(true);
  });

  it("puts a message span in the trace of the first job it carries, linked from the others", () => {
    const messages = spans.filter((s) => s.name === "scaleset.message");
    expect(messages).toHaveLength(3);
    const jobA = find("scaleset.job", "cicd.pipeline.task.run.id", "A");
    const jobB = find("scaleset.job", "cicd.pipeline.task.run.id", "B");
    const parentOf = (m: ReadableSpan) => m.parentSpanContext?.spanId;
    // [A, B] assigned, [B, A] started, [A, B] completed.
    expect(messages.map(parentOf)).toEqual([
      jobA.spanContext().spanId,
      jobB.spanContext().spanId,
      jobA.spanContext().spanId,
    ]);
    expect(messages.filter((m) => linkedTo(jobA, m))).toEqual([messages[1]]);
    expect(messages.filter((m) => linkedTo(jobB, m))).toEqual([messages[0], messages[2]]);
    for (const m of messages) {
      expect(m.attributes["messaging.system"]).toBe("github_actions");
      expect(m.attributes["messaging.operation.name"]).toBe("process");
    }
    const r1 = find("scaleset.runner", "cicd.worker.name", "r1");
    // Created while handling message 1: linked to it. Started by 2 and completed by 3, which its
    // job's trace already holds (child or link), so the runner does not link them again.
    expect(messages.filter((m) => linkedTo(r1, m))).toEqual([messages[0]]);
    const jobOfR1 = [jobA, jobB].find(
      (j) => j.spanContext().spanId === r1.parentSpanContext?.spanId,
    ) as ReadableSpan;
    for (const m of messages.slice(1))
      expect(parentOf(m) === jobOfR1.spanContext().spanId || linkedTo(jobOfR1, m)).toBe(true);
  });

  it("makes the runner created for a job and run by it that job's child", async () => {
    const emit = (event: ScalerEvent) => hooks.scalerObserver(event);
    const handle = (m: ScaleSetMessage, work: () => void = () => undefined) =>
      hooks.listenerObserver.wrapMessage?.(m, Date.now(), async () => work());
    await handle(message({ jobAssigned: [job("C")] }), () =>
      emit({ type: "state", runner: "r3", from: null, to: "pending" }),
    );
    await handle(message({ jobStarted: [started("C", "r3")] }));
    await handle(message({ jobCompleted: [completed("C", "r3")] }));
    // The job span waits for its runner's record to go (VM deleted).
    expect(
      exporter
        .getFinishedSpans()
        .some(
          (s) => s.attributes["cicd.pipeline.task.run.id"] === "C" && s.name === "scaleset.job",
        ),
    ).toBe(false);
    emit({ type: "state", runner: "r3", from: "pending", to: null });
    spans = exporter.getFinishedSpans();
    const jobC = find("scaleset.job", "cicd.pipeline.task.run.id", "C");
    const r3 = find("scaleset.runner", "cicd.worker.name", "r3");
    expect(r3.parentSpanContext?.spanId).toBe(jobC.spanContext().spanId);
    expect(r3.attributes["cicd.pipeline.task.run.id"]).toBe("C");
    expect(linkedTo(r3, jobC) || linkedTo(jobC, r3)).toBe(false);
    // It links the message that made it. JobStarted and JobCompleted are the job's children in
    // this same trace, so the runner does not link them again.
    expect(r3.links).toHaveLength(1);
    const messagesOfC = spans.filter(
      (s) =>
        s.name === "scaleset.message" && s.parentSpanContext?.spanId === jobC.spanContext().spanId,
    );
    expect(messagesOfC).toHaveLength(3);
    expect(
      messagesOfC.some(
        (m) =>
          linkedTo(r3, m) && hrTimeToNanoseconds(m.startTime) <= hrTimeToNanoseconds(r3.startTime),
      ),
    ).toBe(true);
    expect(r3.attributes["scaleset.runner.adopted"]).toBeUndefined();
  });

  it("keeps a runner that ran no job in a trace of its own", () => {
    const old = find("scaleset.runner", "cicd.worker.name", "old");
    expect(old.parentSpanContext).toBeUndefined();
    expect(old.attributes["scaleset.runner.adopted"]).toBe(true);
    expect(spans.filter((s) => s.spanContext().traceId === old.spanContext().traceId)).toEqual([
      old,
    ]);
  });
});
