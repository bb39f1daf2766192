import { afterEach, describe, expect, it } from "vitest";
import {
  completedJobs,
  eventually,
  SCALE_SET,
  SIM_TOKEN,
  type Stack,
  startStack,
} from "./harness.js";

let stack: Stack | null = null;
afterEach(async () => {
  await stack?.stop();
  stack = null;
});

/** Every job ran on its own runner; nothing is left in the cloud or on GitHub. */
async function expectCleanFinish(s: Stack, jobIds: string[]): Promise<void> {
  const snap = await s.sim.waitFor((x) => completedJobs(x).length >= jobIds.length, 30_000);
  const jobs = snap.jobs.filter((j) => jobIds.includes(j.id));
  expect(jobs.every((j) => j.state === "completed" && j.result === "succeeded")).toBe(true);
  const runnerNames = jobs.map((j) => j.runnerName);
  expect(runnerNames.every((n) => typeof n === "string" && n.length > 0)).toBe(true);
  expect(new Set(runnerNames).size).toBe(jobIds.length); // one runner per job, no reuse
  await eventually("machines deleted", () => s.cloud.live().length === 0);
  await eventually("registrations removed", () => s.sim.snapshot().runners.length === 0);
}

function expectNoSecretsLogged(s: Stack): void {
  const text = s.logs.text();
  expect(text).not.toContain(SIM_TOKEN);
  expect(text).not.toMatch(/eyJ[A-Za-z0-9_-]{30,}/); // no JWT (admin/queue token) and no JIT config
}

describe("end to end: app against the GitHub simulator and the sim cloud", () => {
  it("gives every job of a burst exactly one runner and deletes every machine after its job", async () => {
    stack = await startStack();
    const app = await stack.startApp();
    await eventually("polling", () => app.ready().ready);
    const ids = [
      ...stack.sim.enqueueJobs(SCALE_SET, 12, { durationMs: 100 }),
      ...stack.sim.enqueueJobs(SCALE_SET, 8, { durationMs: 300 }),
    ];
    await new Promise((r) => setTimeout(r, 200));
    ids.push(...stack.sim.enqueueJobs(SCALE_SET, 10, { durationMs: 50 }));
    await expectCleanFinish(stack, ids);
    const snap = stack.sim.snapshot();
    // The target follows GitHub's statistics, which can count a job for one message after its
    // completion was handled: on a slow machine a spare runner or two may be made, and it goes at
    // idle_timeout. Every registration has its machine, every machine is deleted, and no job
    // shares a runner (expectCleanFinish); the spares are bounded, not zero.
    const created = stack.cloud.counters.created;
    expect(snap.requests.generateJitConfig).toBe(created);
    expect(stack.cloud.counters.deleted).toBe(created);
    expect(created).toBeGreaterThanOrEqual(ids.length);
    expect(created).toBeLessThanOrEqual(ids.length + 5);
    expect(snap.requests.acquireJobs).toBeGreaterThan(0); // GHES-style JobAvailable was acquired
    await app.stop(5000);
    expect(stack.sim.snapshot().sessions).toHaveLength(0); // session deleted at shutdown
    expectNoSecretsLogged(stack);
  });

  it("works with github.com-style JobAssigned messages (runnerRequestId 0)", async () => {
    stack = await startStack({ sim: { jobMode: "assigned" } });
    await stack.startApp();
    const ids = stack.sim.enqueueJobs(SCALE_SET, 10, { durationMs: 100 });
    await expectCleanFinish(stack, ids);
    expect(stack.sim.snapshot().requests.acquireJobs ?? 0).toBe(0);
  });

  it("never runs more runners than max_runners and sends it as X-ScaleSetMaxCapacity", async () => {
    stack = await startStack({ maxRunners: 3 });
    await stack.startApp();
    const ids = stack.sim.enqueueJobs(SCALE_SET, 9, { durationMs: 150 });
    let peak = 0;
    const timer = setInterval(() => {
      peak = Math.max(peak, stack?.cloud.live().length ?? 0);
    }, 5);
    await expectCleanFinish(stack, ids);
    clearInterval(timer);
    expect(peak).toBeLessThanOrEqual(3);
    expect(peak).toBeGreaterThan(0);
    expect(stack.sim.snapshot().scaleSets[0]?.maxCapacity).toBe(3);
  });

  it("keeps min_runners warm and removes idle extras only after idle_timeout", async () => {
    stack = await startStack({ minRunners: 2, idleTimeout: "500ms" });
    await stack.startApp();
    await eventually("two warm runners", () => stack?.cloud.live().length === 2);
    const ids = stack.sim.enqueueJobs(SCALE_SET, 4, { durationMs: 100 });
    await stack.sim.waitFor((x) => completedJobs(x).length === 4, 20_000);
    expect(
      new Set(
        stack.sim
          .snapshot()
          .jobs.filter((j) => ids.includes(j.id))
          .map((j) => j.runnerName),
      ).size,
    ).toBe(4);
    await eventually("back to two warm runners", () => stack?.cloud.live().length === 2, 10_000);
    await new Promise((r) => setTimeout(r, 700));
    expect(stack.cloud.live().length).toBe(2);
  });

  it("deletes a cancelled job's runner demand without tearing down anything (JobCompleted without runner)", async () => {
    stack = await startStack({ bootDelay: "2s" });
    await stack.startApp();
    const [id] = stack.sim.enqueueJobs(SCALE_SET, 1, { durationMs: 100 });
    await eventually("machine created", () => stack?.cloud.live().length === 1);
    expect(stack.sim.cancelJob(id!)).toBe(true);
    // Statistics drop to 0 assigned: the booting runner above the target goes after idle_timeout.
    await eventually("machine removed", () => stack?.cloud.live().length === 0, 10_000);
    await eventually("registration removed", () => stack?.sim.snapshot().runners.length === 0);
  });
});
