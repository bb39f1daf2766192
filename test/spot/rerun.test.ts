/**
 * The re-run coordinator against the GitHub simulator through the real REST client: it waits
 * (bounded) for a preempted job's run to complete, re-runs it once, keeps new runners standard
 * until the re-run's jobs started, and reports a refusal (no Actions: write) with its fix.
 */
import pino from "pino";
import { afterEach, describe, expect, it } from "vitest";
import { RunsClient } from "../../src/github/runs-client.js";
import { type GitHubSim, startGitHubSim } from "../../src/sim/github/index.js";
import { runSimulatedRunner } from "../../src/sim/runner.js";
import type { SpotEvent } from "../../src/spot/events.js";
import { RerunCoordinator, type RerunSettings } from "../../src/spot/rerun.js";
import { LogSink } from "../gcp/helpers.js";
import { connect, createScaleSet, jit } from "../sim/helpers.js";

const PAT = "ghp_rerun_unit";
const SET = "rerun-set";
let sim: GitHubSim;
let client: RunsClient;
let coordinator: RerunCoordinator | undefined;
afterEach(async () => {
  coordinator?.stop();
  await client.close();
  await sim.stop();
});

const SETTINGS: RerunSettings = {
  enabled: true,
  pollIntervalMs: 30,
  maxWaitMs: 10_000,
  standardWindowMs: 60_000,
};

async function setup(settings: Partial<RerunSettings> = {}) {
  sim = await startGitHubSim({ pat: PAT, jobMode: "assigned", longPollMs: 200 });
  const admin = await connect(sim, PAT);
  const scaleSet = await createScaleSet(admin, SET);
  client = new RunsClient({
    configUrl: sim.configUrl(),
    credentials: { type: "pat", token: PAT },
    retry: { maxRetries: 0 },
  });
  const events: SpotEvent[] = [];
  const logs = new LogSink();
  const clock = { now: Date.now() };
  coordinator = new RerunCoordinator({
    settings: { ...SETTINGS, ...settings },
    api: client,
    logger: pino({ level: "info" }, logs),
    emit: (e) => events.push(e),
    capacityOf: () => "standard",
    now: () => clock.now,
  });
  /** A runner takes one job and reports it (failed, when `lost`: its VM was preempted). */
  const run = async (name: string) => {
    const config = await jit(admin, scaleSet.id, name);
    return runSimulatedRunner(config.body.encodedJITConfig);
  };
  return { events, logs, clock, run, coordinator };
}

const waitFor = async (events: SpotEvent[], type: SpotEvent["type"]) => {
  const deadline = Date.now() + 10_000;
  while (!events.some((e) => e.type === type)) {
    if (Date.now() > deadline) throw new Error(`no ${type}: ${JSON.stringify(events)}`);
    await new Promise((r) => setTimeout(r, 10));
  }
  return events.find((e) => e.type === type) as SpotEvent;
};

describe("re-run coordinator", () => {
  it("waits for the run to complete, re-runs once, and is standard-only until its job starts", async () => {
    const { events, run, coordinator: c } = await setup();
    const { runId } = sim.enqueueRun(SET, 1, { durationMs: 20, result: "failed" });
    sim.enqueueJobs(SET, 1, { durationMs: 400, runId });
    const ref = { jobId: "j", owner: "my-org", repo: "sim-repo", runId };
    // The preemption is heard before the job messages: the run is found all the same.
    c.preempted("vm-1");
    expect((await run("vm-1"))?.result).toBe("failed"); // the oldest job: the failing one
    c.jobCompleted("vm-1", ref, "failed");
    expect(c.standardOnly()).toBe(false);
    // The run's other job is still queued: the coordinator looks, and waits.
    const deadline = Date.now() + 10_000;
    while ((sim.snapshot().requests.getWorkflowRun ?? 0) < 2 && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 10));
    }
    expect(sim.snapshot().requests.rerunFailedJobs ?? 0).toBe(0);
    await run("vm-2"); // the run completes only now
    expect(await waitFor(events, "rerun-requested")).toMatchObject({ runId, jobs: 1 });
    expect(c.standardOnly()).toBe(true);
    c.jobStarted("vm-3", ref);
    expect(c.standardOnly()).toBe(false);
    expect(events.find((e) => e.type === "rerun-job-started")).toEqual({
      type: "rerun-job-started",
      runId,
      runner: "vm-3",
      capacity: "standard",
    });
    // Heard again (another failed job, a restart of the watcher): never a second re-run.
    c.jobCompleted("vm-1", ref, "failed");
    c.preempted("vm-1");
    expect(sim.snapshot().requests.rerunFailedJobs).toBe(1);
  });

  it("ends standard-only after the window when the re-run's jobs never start", async () => {
    const { events, run, coordinator: c, clock } = await setup({ standardWindowMs: 5_000 });
    const { runId } = sim.enqueueRun(SET, 1, { durationMs: 20, result: "failed" });
    await run("vm-1");
    c.jobCompleted("vm-1", { jobId: "j", owner: "my-org", repo: "sim-repo", runId }, "failed");
    c.preempted("vm-1");
    await waitFor(events, "rerun-requested");
    expect(c.standardOnly()).toBe(true);
    clock.now += 5_000;
    expect(c.standardOnly()).toBe(false);
  });

  it("reports a refused re-run once, with the permission it needs, and does not retry", async () => {
    const { events, run, coordinator: c, logs } = await setup();
    sim.runs.rerunDeniedFor = "integration";
    const { runId } = sim.enqueueRun(SET, 1, { durationMs: 20, result: "failed" });
    await run("vm-1");
    c.jobCompleted("vm-1", { jobId: "j", owner: "my-org", repo: "sim-repo", runId }, "failed");
    c.preempted("vm-1");
    const failed = await waitFor(events, "rerun-failed");
    expect(failed).toMatchObject({ runId, message: expect.stringContaining("403") });
    expect(sim.snapshot().requests.rerunFailedJobs).toBe(1);
    const warning = logs
      .text()
      .split("\n")
      .find((l) => l.includes("could not re-run"));
    expect(warning).toContain("Actions: read and write");
    expect(c.standardOnly()).toBe(false);
  });

  it("gives up on a run that does not complete within rerun_wait", async () => {
    const { events, coordinator: c, clock } = await setup({ maxWaitMs: 60_000 });
    const { runId } = sim.enqueueRun(SET, 1, { durationMs: 20 }); // no runner ever takes it
    c.jobCompleted("vm-1", { jobId: "j", owner: "my-org", repo: "sim-repo", runId }, "failed");
    c.preempted("vm-1");
    clock.now += 60_000; // the next look finds the run still queued, a minute later
    const skipped = await waitFor(events, "rerun-skipped");
    expect(skipped).toMatchObject({
      runId,
      reason: "gave up after waiting: run is queued",
    });
    expect(sim.snapshot().requests.rerunFailedJobs ?? 0).toBe(0);
  });

  it("does nothing when disabled: no REST call at all", async () => {
    const { coordinator: c } = await setup({ enabled: false });
    const { runId } = sim.enqueueRun(SET, 1, { durationMs: 20 });
    c.jobCompleted("vm-1", { jobId: "j", owner: "my-org", repo: "sim-repo", runId }, "failed");
    c.preempted("vm-1");
    expect(c.status()).toEqual({ enabled: false, watchingRuns: [], standardOnlyFor: [] });
    expect(sim.snapshot().requests.getWorkflowRun ?? 0).toBe(0);
  });
});
