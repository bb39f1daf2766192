import { afterEach, describe, expect, it } from "vitest";
import type { JobCompleted, JobStarted } from "../../src/github/types.js";
import type { ScalerEvent } from "../../src/scaler/events.js";
import { Scaler, type ScalerOptions } from "../../src/scaler/scaler.js";
import { FakeEngine, FakeRunnerRegistry, silentLogger, testScalerOptions, until } from "./fakes.js";

const scalers: Scaler[] = [];
afterEach(async () => {
  for (const s of scalers.splice(0)) await s.stop(1000);
});

async function makeScaler(overrides: Partial<ScalerOptions> = {}) {
  const github = new FakeRunnerRegistry();
  const engine = new FakeEngine();
  const events: ScalerEvent[] = [];
  const scaler = new Scaler(
    testScalerOptions(
      { github, engine, logger: silentLogger, observer: (e) => events.push(e) },
      { scaleSetName: "Linux.X64", labels: ["linux-x64"], ...overrides },
    ),
  );
  scalers.push(scaler);
  await scaler.start();
  return { scaler, github, engine, events };
}

function started(runnerName: string, runnerId: number, jobId = "job-1"): JobStarted {
  return { ...base(jobId), messageType: "JobStarted", runnerName, runnerId };
}
function completed(runnerName: string, runnerId: number, jobId = "job-1"): JobCompleted {
  return { ...base(jobId), messageType: "JobCompleted", runnerName, runnerId, result: "succeeded" };
}
function base(jobId: string) {
  return {
    runnerRequestId: 0,
    jobId,
    repositoryName: "repo",
    ownerName: "org",
    jobWorkflowRef: "",
    jobDisplayName: "build",
    workflowRunId: 1,
    eventName: "push",
    requestLabels: ["linux-x64"],
  };
}

describe("Scaler", () => {
  it("creates one runner per assigned job, each as JIT config then machine", async () => {
    const { scaler, github, engine } = await makeScaler();
    scaler.handleDesiredRunnerCount(3);
    await until(() => engine.machines.size === 3);
    expect(github.runners.size).toBe(3);
    expect(scaler.snapshot().runners.booting).toBe(3);
    const names = engine.requests.map((r) => r.runnerName);
    expect(new Set(names).size).toBe(3);
    for (const name of names) expect(name).toMatch(/^linux-x64-[0-9a-f]{8}$/);
    // The JIT config handed to the engine is the one GitHub generated for that runner.
    for (const req of engine.requests) {
      const reg = [...github.runners.values()].find((r) => r.name === req.runnerName);
      expect(req.jitConfig).toBe(`secret-jit-${reg?.id}`);
      expect(req.scaleSetId).toBe(7);
    }
  });

  it("never exceeds max_runners and adds min_runners on top of assigned jobs", async () => {
    const { scaler, engine } = await makeScaler({ minRunners: 2, maxRunners: 5 });
    scaler.handleDesiredRunnerCount(1);
    await until(() => engine.machines.size === 3);
    scaler.handleDesiredRunnerCount(50);
    await until(() => engine.machines.size === 5);
    await new Promise((r) => setTimeout(r, 50));
    expect(engine.requests.length).toBe(5);
    expect(scaler.snapshot().desired).toBe(5);
  });

  it("returns at once and provisions in the background with bounded concurrency", async () => {
    const { scaler, engine } = await makeScaler({ maxRunners: 500, createConcurrency: 10 });
    let open!: () => void;
    engine.createGate = new Promise((r) => {
      open = r;
    });
    const t0 = performance.now();
    scaler.handleDesiredRunnerCount(200);
    expect(performance.now() - t0).toBeLessThan(100);
    await until(() => engine.inFlight === 10);
    expect(scaler.snapshot().runners.pending).toBe(200);
    open();
    await until(() => engine.machines.size === 200);
    expect(engine.maxInFlight).toBe(10);
  });

  it("moves runners through booting → busy → deleting and deletes machine and registration on completion", async () => {
    const { scaler, github, engine, events } = await makeScaler();
    scaler.handleDesiredRunnerCount(1);
    await until(() => engine.machines.size === 1);
    const [reg] = [...github.runners.values()];
    scaler.handleJobStarted(started(reg!.name, reg!.id));
    expect(scaler.snapshot().runners.busy).toBe(1);
    scaler.handleJobCompleted(completed(reg!.name, reg!.id));
    scaler.handleDesiredRunnerCount(0);
    await until(() => engine.machines.size === 0 && github.runners.size === 0);
    await until(() => scaler.runners().length === 0);
    const transitions = events
      .filter((e): e is Extract<ScalerEvent, { type: "state" }> => e.type === "state")
      .map((e) => `${e.from}->${e.to}`);
    expect(transitions).toEqual([
      "null->pending",
      "pending->booting",
      "booting->busy",
      "busy->deleting",
      "deleting->null",
    ]);
  });

  it("ignores a JobCompleted without a runner (cancelled before assignment)", async () => {
    const { scaler, engine } = await makeScaler();
    scaler.handleJobCompleted(completed("", 0));
    await new Promise((r) => setTimeout(r, 30));
    expect(engine.deleteCalls).toBe(0);
  });

  it("removes the registration when the machine create fails, then retries with backoff", async () => {
    const { scaler, github, engine, events } = await makeScaler();
    engine.failCreates = 1;
    scaler.handleDesiredRunnerCount(1);
    await until(() => engine.machines.size === 1, 8000);
    // The first registration was removed: only the successful runner remains registered.
    expect(github.runners.size).toBe(1);
    expect(events.some((e) => e.type === "create-failed" && e.retryable)).toBe(true);
    expect(
      events.some((e) => e.type === "registration-removed" && e.reason === "create-failed"),
    ).toBe(true);
    expect(engine.requests.length).toBe(2);
  });

  it("removes idle runners above the target only after idle_timeout, and keeps one that got a job", async () => {
    // A fake clock: however slowly this machine runs the ticks, idle_timeout passes only when
    // the test says so.
    let now = 1_000_000;
    const { scaler, github, engine } = await makeScaler({ idleTimeoutMs: 60_000, now: () => now });
    scaler.handleDesiredRunnerCount(2);
    await until(() => engine.machines.size === 2);
    const [a, b] = [...github.runners.values()];
    github.busyIds.add(b!.id); // b just picked up a job GitHub has not told us about yet
    scaler.handleDesiredRunnerCount(0);
    now += 59_000;
    await new Promise((r) => setTimeout(r, 60)); // a few ticks
    expect(engine.machines.size).toBe(2); // not yet: idle_timeout has not passed
    now += 1_000;
    await until(() => engine.machines.size === 1);
    expect(github.runners.has(a!.id)).toBe(false);
    expect(github.runners.has(b!.id)).toBe(true);
    await until(() => scaler.snapshot().runners.busy === 1);
  });

  it("retries a failed machine delete", async () => {
    const { scaler, github, engine } = await makeScaler();
    scaler.handleDesiredRunnerCount(1);
    await until(() => engine.machines.size === 1);
    const [reg] = [...github.runners.values()];
    engine.failDeletes = 1;
    scaler.handleJobCompleted(completed(reg!.name, reg!.id));
    scaler.handleDesiredRunnerCount(0);
    await until(() => engine.machines.size === 0, 5000);
    expect(engine.deleteCalls).toBe(2);
  });

  it("tears down a runner it does not know when its job completes (restart, lost message)", async () => {
    const { scaler, github, engine } = await makeScaler();
    const machine = await engine.create({
      runnerName: "linux-x64-deadbeef",
      jitConfig: "x",
      scaleSetId: 7,
      scaleSetName: "Linux.X64",
      labels: [],
    });
    const jit = await github.generateJitConfig(7, "linux-x64-other");
    scaler.handleJobCompleted(completed("linux-x64-deadbeef", 99));
    await until(() => !engine.machines.has(machine.id));
    expect(github.runners.has(jit.runner.id)).toBe(true);
  });
});

describe("Scaler with a schedule (warm pool)", () => {
  it("grows the pool at the window's start, shrinks it after its end, and never touches a busy runner", async () => {
    let now = Date.parse("2026-12-07T08:59:00Z"); // a Monday
    const { scaler, engine, github } = await makeScaler({
      now: () => now,
      idleTimeoutMs: 60_000,
      schedules: [
        {
          days: ["mon", "tue", "wed", "thu", "fri"],
          fromMinute: 540,
          toMinute: 1080,
          timeZone: "UTC",
          minRunners: 3,
        },
      ],
    });
    await new Promise((r) => setTimeout(r, 60)); // a few ticks before the window
    expect(engine.requests).toHaveLength(0);
    expect(scaler.snapshot().minRunners).toBe(0);

    now = Date.parse("2026-12-07T09:00:00Z");
    await until(() => engine.machines.size === 3);
    expect(scaler.snapshot().minRunners).toBe(3);
    const busy = engine.requests[0]?.runnerName ?? "";
    const busyId = [...github.runners.values()].find((r) => r.name === busy)?.id ?? 0;
    github.busyIds.add(busyId);
    scaler.handleJobStarted(started(busy, busyId));

    now = Date.parse("2026-12-07T17:59:00Z");
    await new Promise((r) => setTimeout(r, 60));
    expect(engine.machines.size).toBe(3); // still inside the window

    now = Date.parse("2026-12-07T18:00:00Z");
    await until(() => engine.machines.size === 1);
    expect([...engine.machines.values()].map((m) => m.runnerName)).toEqual([busy]);
    expect(scaler.snapshot().runners.busy).toBe(1);
    expect(scaler.snapshot().minRunners).toBe(0);
  });
});
