import { afterEach, describe, expect, it } from "vitest";
import { deploymentScope } from "../../src/engines/deployment-scope.js";
import { completedJobs, eventually, SCALE_SET, type Stack, startStack } from "./harness.js";

let stack: Stack | null = null;
afterEach(async () => {
  await stack?.stop();
  stack = null;
});

async function runJobs(s: Stack, count: number, durationMs = 80): Promise<string[]> {
  const ids = s.sim.enqueueJobs(SCALE_SET, count, { durationMs });
  await s.sim.waitFor(
    (x) => ids.every((id) => x.jobs.find((j) => j.id === id)?.state === "completed"),
    30_000,
  );
  return ids;
}

async function expectNothingLeaked(s: Stack): Promise<void> {
  await eventually("machines deleted", () => s.cloud.live().length === 0, 20_000);
  await eventually("registrations removed", () => s.sim.snapshot().runners.length === 0, 20_000);
}

function expectEachJobOneRunner(s: Stack, ids: string[]): void {
  const jobs = s.sim.snapshot().jobs.filter((j) => ids.includes(j.id));
  expect(jobs.every((j) => j.result === "succeeded")).toBe(true);
  expect(new Set(jobs.map((j) => j.runnerName)).size).toBe(ids.length);
}

describe("end to end with faults injected", () => {
  it("waits out a session conflict instead of crashing, reporting not-ready meanwhile", async () => {
    stack = await startStack();
    stack.sim.faults.sessionConflicts(3);
    const app = await stack.startApp();
    await eventually("conflict seen", () => app.status().scalesets[0]?.listener.conflicts === 1);
    expect(app.ready().ready).toBe(false);
    expect(app.ready().reasons.join()).toContain("session-conflict");
    await eventually("polling", () => app.ready().ready, 10_000);
    expect(stack.sim.snapshot().faults.sessionConflicts).toBe(3);
    const ids = await runJobs(stack, 5);
    expectEachJobOneRunner(stack, ids);
    await expectNothingLeaked(stack);
  });

  it("refreshes an expired message-queue token on poll, ack and acquire", async () => {
    stack = await startStack();
    await stack.startApp();
    const first = await runJobs(stack, 3);
    stack.sim.faults.expireQueueTokens();
    const second = await runJobs(stack, 6);
    stack.sim.faults.expireQueueTokens();
    const third = await runJobs(stack, 4);
    expect(stack.sim.snapshot().requests.refreshSession).toBeGreaterThanOrEqual(2);
    expectEachJobOneRunner(stack, [...first, ...second, ...third]);
    await expectNothingLeaked(stack);
  });

  it("re-runs the auth chain when the admin token is revoked early", async () => {
    stack = await startStack();
    await stack.startApp();
    await runJobs(stack, 2);
    const before = stack.sim.snapshot().requests.runnerRegistration ?? 0;
    stack.sim.faults.expireAdminTokens();
    const ids = await runJobs(stack, 4);
    expect(stack.sim.snapshot().requests.runnerRegistration).toBeGreaterThan(before);
    expectEachJobOneRunner(stack, ids);
    await expectNothingLeaked(stack);
  });

  it("retries through a burst of 5xx on the Actions service and broker", async () => {
    stack = await startStack();
    await stack.startApp();
    stack.sim.faults.serverErrors(8, 503);
    const ids = await runJobs(stack, 6);
    expect(stack.sim.snapshot().faults.serverErrors).toBe(8);
    expectEachJobOneRunner(stack, ids);
    await expectNothingLeaked(stack);
  });

  it("treats empty 200 polls as no message", async () => {
    stack = await startStack();
    const app = await stack.startApp();
    stack.sim.faults.emptyOkPolls(4);
    await eventually("empty polls served", () => stack?.sim.snapshot().faults.emptyOkPolls === 4);
    const ids = await runJobs(stack, 4);
    expectEachJobOneRunner(stack, ids);
    expect(app.status().scalesets[0]?.listener.restarts).toBe(0);
    await expectNothingLeaked(stack);
  });

  it("survives slow responses", async () => {
    stack = await startStack();
    await stack.startApp();
    stack.sim.faults.slow(150, 30);
    const ids = await runJobs(stack, 5);
    expect(stack.sim.snapshot().faults.slow).toBeGreaterThan(0);
    expectEachJobOneRunner(stack, ids);
    await expectNothingLeaked(stack);
  });

  it("retries runner-registration 401s at start-up", async () => {
    stack = await startStack();
    stack.sim.faults.registrationAuthFailures(2);
    const app = await stack.startApp();
    await eventually("polling", () => app.ready().ready, 10_000);
    expect(stack.sim.snapshot().faults.registrationAuthFailures).toBe(2);
    const ids = await runJobs(stack, 3);
    expectEachJobOneRunner(stack, ids);
  });

  it("recreates a scale set deleted server-side and carries on", async () => {
    stack = await startStack();
    const app = await stack.startApp();
    await runJobs(stack, 2);
    const oldId = stack.sim.snapshot().scaleSets[0]!.id;
    stack.sim.faults.deleteScaleSet(oldId);
    await eventually(
      "recreated",
      () => (stack?.sim.snapshot().scaleSets[0]?.id ?? oldId) !== oldId,
      10_000,
    );
    await eventually("polling again", () => app.ready().ready, 10_000);
    const ids = await runJobs(stack, 4);
    expectEachJobOneRunner(stack, ids);
    await expectNothingLeaked(stack);
  });

  it("removes the registration of a runner whose JIT config failed or whose machine could not be created", async () => {
    stack = await startStack();
    await stack.startApp();
    stack.sim.faults.jitFailures(3, 500);
    stack.cloud.faults.createFailures = 2;
    const ids = await runJobs(stack, 4);
    expect(stack.cloud.counters.createFailures).toBe(2);
    expect(stack.events.filter((e) => e.type === "create-failed").length).toBeGreaterThanOrEqual(2);
    expectEachJobOneRunner(stack, ids);
    await expectNothingLeaked(stack);
  });

  it("retries machine deletes that fail", async () => {
    stack = await startStack();
    await stack.startApp();
    stack.cloud.faults.deleteFailures = 3;
    const ids = await runJobs(stack, 3);
    expectEachJobOneRunner(stack, ids);
    await expectNothingLeaked(stack);
    expect(stack.cloud.counters.deleteFailures).toBe(3);
  });

  it("adopts the machines of a previous process and tears them down when their jobs end", async () => {
    stack = await startStack();
    const first = await stack.startApp();
    const ids = stack.sim.enqueueJobs(SCALE_SET, 3, { durationMs: 1500 });
    await stack.sim.waitFor(
      (x) => x.jobs.filter((j) => j.state === "running").length === 3,
      10_000,
    );
    await first.stop(2000); // session deleted; busy machines stay for the next process
    expect(stack.cloud.live().length).toBe(3);
    const second = await stack.startApp();
    await eventually(
      "adopted",
      () => second.status().scalesets[0]?.scaler?.runners.busy === 3,
      5000,
    );
    await stack.sim.waitFor((x) => completedJobs(x).length === 3, 10_000);
    expectEachJobOneRunner(stack, ids);
    await expectNothingLeaked(stack);
    expect(stack.cloud.counters.created).toBe(3);
  });

  it("deletes machines and registrations left without a purpose by a crashed process", async () => {
    stack = await startStack();
    const app = await stack.startApp();
    // A machine whose runner already finished (powered off) and a ghost registration.
    await runJobs(stack, 1);
    const ghost = stack.sim.snapshot();
    expect(ghost.runners).toHaveLength(0);
    await app.stop(1000);
    const { SimEngine } = await import("../../src/engines/sim/sim-engine.js");
    const orphanEngine = new SimEngine({
      scaleSetName: SCALE_SET,
      owner: "crashed",
      deployment: deploymentScope(stack.sim.configUrl(), SCALE_SET),
      createDelayMs: 0,
      bootDelayMs: 60_000,
      cloud: stack.cloud,
    });
    await orphanEngine.create({
      runnerName: "e2e-linux-orphan01",
      jitConfig: "none",
      scaleSetId: 1,
      scaleSetName: SCALE_SET,
      labels: [],
    });
    expect(stack.cloud.live().length).toBe(1);
    const second = await stack.startApp();
    await eventually("orphan machine deleted", () => stack?.cloud.live().length === 0, 10_000);
    expect(stack.events.some((e) => e.type === "orphan" && e.kind === "machine")).toBe(true);
    expect(second.ready().ready || second.status().scalesets[0]?.listener.phase === "polling").toBe(
      true,
    );
  });
});
