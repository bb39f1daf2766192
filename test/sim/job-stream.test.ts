import { afterEach, describe, expect, it } from "vitest";
import { type GitHubSim, startGitHubSim } from "../../src/sim/github/index.js";
import { startJobStream } from "../../src/sim/job-stream.js";

describe("github sim: job stream", () => {
  let sim: GitHubSim;
  afterEach(() => sim.stop());

  it("enqueues jobs at the given rate with durations in range, up to maxJobs", async () => {
    sim = await startGitHubSim();
    const batches: string[][] = [];
    const stream = startJobStream(sim, {
      labels: ["stream"],
      ratePerSecond: 100,
      durationMs: [100, 200],
      maxJobs: 25,
      onJobs: (ids) => batches.push(ids),
    });
    const snap = await sim.waitFor((s) => s.jobs.length === 25, 5000);
    stream.stop();
    expect(stream.enqueued).toBe(25);
    expect(batches.flat()).toEqual(snap.jobs.map((j) => j.id));
    expect(snap.jobs.every((j) => j.labels.join() === "stream" && j.state === "queued")).toBe(true);
    await new Promise((r) => setTimeout(r, 150));
    expect(sim.snapshot().jobs).toHaveLength(25);
  });

  it("stop() ends an unbounded stream", async () => {
    sim = await startGitHubSim();
    const stream = startJobStream(sim, { labels: "x", ratePerSecond: 200, durationMs: [1, 1] });
    await sim.waitFor((s) => s.jobs.length >= 5, 5000);
    stream.stop();
    const count = stream.enqueued;
    await new Promise((r) => setTimeout(r, 150));
    expect(sim.snapshot().jobs).toHaveLength(count);
    expect(() =>
      startJobStream(sim, { labels: "x", ratePerSecond: 0, durationMs: [1, 2] }),
    ).toThrow(RangeError);
  });
});
