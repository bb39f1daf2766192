/**
 * Spot preemption that loses no job, end to end: the real scaler on the gcp engine (real Compute
 * client, GCE fake) and the GitHub simulator. A spot VM is preempted mid-job, GitHub fails the
 * job, the scaler finds the preemption, and — with `spot.rerun_preempted` — re-runs the failed
 * jobs of the completed run once, on standard capacity. Without the option, or when another job
 * of the run failed for its own reasons, nothing is re-run. The breaker sends new runners to
 * standard capacity after preemptions.
 */
import { afterEach, describe, expect, it } from "vitest";
import { PROJECT } from "../gcp/helpers.js";
import { runnerOf, SET, type SpotStack, spotEvent, startSpotStack } from "./stack.js";

let stack: SpotStack | undefined;
afterEach(async () => {
  await stack?.stop();
  stack = undefined;
});

const modelOf = (s: SpotStack, name: string) => s.boughtAs(name);

describe("spot preemption, end to end (gcp engine, and ec2 last)", () => {
  it("re-runs a run failed by a preemption exactly once, and the re-run succeeds on standard capacity", async () => {
    const s = await startSpotStack({ rerun: true });
    stack = s;
    const { runId, jobIds } = s.github.enqueueRun(SET, 2, { durationMs: 1500 });
    const victim = await runnerOf(s, jobIds[0] as string);
    expect(modelOf(s, victim)).toBe("SPOT");

    s.preempt(victim);
    const rerun = await spotEvent(s, (e) => e.type === "rerun-requested");
    expect(rerun).toEqual({
      type: "rerun-requested",
      runId,
      owner: "my-org",
      repo: "sim-repo",
      jobs: 1,
    });
    const started = await spotEvent(s, (e) => e.type === "rerun-job-started");
    expect(started).toMatchObject({ runId, capacity: "standard" });
    const rerunner = (started as { runner: string }).runner;
    expect(modelOf(s, rerunner)).toBe("STANDARD");
    const done = await spotEvent(s, (e) => e.type === "rerun-job-completed");
    expect(done).toMatchObject({ runId, runner: rerunner, result: "succeeded" });

    // GitHub's view: the first attempt failed on the preempted runner, the second succeeded.
    const run = s.github.runs.byId.get(runId);
    expect(run?.attempt).toBe(2);
    expect(s.github.runs.status(run!)).toBe("completed");
    expect(s.github.runs.conclusion(run!)).toBe("success");
    const first = run?.jobs.find((j) => j.id === jobIds[0]);
    expect(first).toMatchObject({ result: "failed", runAttempt: 1 });
    expect(first?.runner?.name).toBe(victim);
    expect(s.github.snapshot().requests.rerunFailedJobs).toBe(1);

    // The run is decided: however long the scaler goes on, it is not re-run again.
    await s.app.units[0]?.scaler?.reconcile();
    expect(s.github.snapshot().requests.rerunFailedJobs).toBe(1);
    const status = s.app.status().scalesets[0];
    expect(status?.spot).toMatchObject({ preemptions: 1 });
    expect(status?.cost?.today.machines).toBeGreaterThanOrEqual(2);
    expect(status?.cost?.today.usd).toBeGreaterThan(0);

    console.log(
      `preemption e2e trace (run ${runId}, project ${PROJECT}):\n${s.trace
        .map((t) => `  +${String(t.at).padStart(5)} ms  ${t.what}`)
        .join("\n")}`,
    );
  });

  it("does not re-run when spot.rerun_preempted is off; the breaker sends the next runner to standard", async () => {
    const s = await startSpotStack({ rerun: false, breakerPreemptions: 1 });
    stack = s;
    const { runId, jobIds } = s.github.enqueueRun(SET, 1, { durationMs: 1500 });
    const victim = await runnerOf(s, jobIds[0] as string);
    s.preempt(victim);
    const preempted = await spotEvent(s, (e) => e.type === "preempted");
    expect(preempted).toMatchObject({ runner: victim, zone: "us-central1-a" });
    await spotEvent(
      s,
      (e) => e.type === "breaker" && e.key === "zone:us-central1-a" && e.to === "open",
    );
    await s.github.waitFor((snap) => snap.jobs.every((j) => j.state === "completed"), 20_000);
    expect(s.github.runs.conclusion(s.github.runs.byId.get(runId)!)).toBe("failure");

    // One preemption opens the breaker (preemptions: 1): the next runner is a standard VM.
    const [next] = s.github.enqueueJobs(SET, 1, { durationMs: 100 });
    const runner = await runnerOf(s, next as string);
    expect(modelOf(s, runner)).toBe("STANDARD");
    const breakers = s.app.status().scalesets[0]?.spot?.breakers ?? [];
    expect(breakers.map((b) => [b.key, b.state]).sort()).toEqual([
      ["type:e2-standard-2", "open"],
      ["zone:us-central1-a", "open"],
    ]);
    await s.github.waitFor((snap) => snap.jobs.every((j) => j.state === "completed"), 20_000);
    expect(s.github.snapshot().requests.rerunFailedJobs ?? 0).toBe(0);
    expect(s.github.snapshot().requests.getWorkflowRun ?? 0).toBe(0);
    expect(s.spotEvents.some((e) => e.type.startsWith("rerun"))).toBe(false);
  });

  it("does not re-run a run in which another job failed for its own reasons", async () => {
    const s = await startSpotStack({ rerun: true });
    stack = s;
    const { runId, jobIds } = s.github.enqueueRun(SET, 1, { durationMs: 1500 });
    s.github.enqueueJobs(SET, 1, { durationMs: 100, result: "failed", runId });
    const victim = await runnerOf(s, jobIds[0] as string);
    s.preempt(victim);
    const skipped = await spotEvent(s, (e) => e.type === "rerun-skipped");
    expect(skipped).toMatchObject({
      runId,
      reason: expect.stringMatching(/^1 job\(s\) failed for another reason: sim-job-\d+$/),
    });
    expect(s.github.snapshot().requests.rerunFailedJobs ?? 0).toBe(0);
    expect(s.github.runs.byId.get(runId)?.attempt).toBe(1);
  });

  it("on EC2 too: an interrupted spot instance's run is re-run once, on demand", async () => {
    const s = await startSpotStack({ rerun: true, engine: "ec2" });
    stack = s;
    const { runId, jobIds } = s.github.enqueueRun(SET, 1, { durationMs: 1500 });
    const victim = await runnerOf(s, jobIds[0] as string);
    expect(s.boughtAs(victim)).toBe("spot");
    s.preempt(victim);
    expect(await spotEvent(s, (e) => e.type === "preempted")).toMatchObject({
      runner: victim,
      machineType: "m7i.large",
    });
    expect(await spotEvent(s, (e) => e.type === "rerun-requested")).toMatchObject({ runId });
    const started = await spotEvent(s, (e) => e.type === "rerun-job-started");
    expect(started).toMatchObject({ runId, capacity: "standard" });
    expect(s.boughtAs((started as { runner: string }).runner)).toBe("on-demand");
    await spotEvent(s, (e) => e.type === "rerun-job-completed" && e.result === "succeeded");
    expect(s.github.snapshot().requests.rerunFailedJobs).toBe(1);
    // The interrupted instance was priced at the live spot price, until the interruption.
    expect(s.app.status().scalesets[0]?.cost?.today.byCapacity.spot).toBeGreaterThan(0);
  });
});
