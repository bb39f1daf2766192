import { afterEach, describe, expect, it } from "vitest";
import { type GitHubSim, startGitHubSim } from "../../src/sim/github/index.js";
import { runSimulatedRunner } from "../../src/sim/runner.js";
import {
  ack,
  acquire,
  connect,
  createScaleSet,
  createSession,
  getMessage,
  jit,
} from "./helpers.js";

describe("github sim: 1,000 job throughput", () => {
  let sim: GitHubSim;
  afterEach(() => sim.stop());

  it("delivers, acquires, runs and completes 1,000 jobs with a minimal listener", async () => {
    sim = await startGitHubSim({ jobMode: "available", longPollMs: 500 });
    const admin = await connect(sim);
    const set = await createScaleSet(admin, "bench");
    const session = await createSession(admin, set.id);
    const jobIds = sim.enqueueJobs("bench", 1000, { durationMs: 20 });

    const seen = { JobAvailable: 0, JobAssigned: 0, JobStarted: 0, JobCompleted: 0 };
    const completed = new Set<string>();
    const runs: Promise<unknown>[] = [];
    let lastMessageId = 0;
    let runnerSeq = 0;
    let maxEventsPerMessage = 0;
    let lastStatistics: Record<string, number> = {};
    while (completed.size < 1000) {
      const res = await getMessage(session, lastMessageId, 1000);
      if (res.status === 202) continue;
      expect(res.status).toBe(200);
      lastMessageId = res.message.messageId;
      lastStatistics = res.message.statistics;
      expect(await ack(session, lastMessageId)).toBe(204);
      maxEventsPerMessage = Math.max(maxEventsPerMessage, res.events.length);
      const toAcquire: number[] = [];
      const jits: Promise<void>[] = [];
      for (const event of res.events) {
        seen[event.messageType as keyof typeof seen]++;
        if (event.messageType === "JobAvailable") toAcquire.push(event.runnerRequestId);
        if (event.messageType === "JobCompleted") completed.add(event.jobId);
        if (event.messageType === "JobAssigned") {
          const name = `bench-${runnerSeq++}`;
          jits.push(
            jit(admin, set.id, name).then((config) => {
              runs.push(runSimulatedRunner(config.body.encodedJITConfig));
            }),
          );
        }
      }
      await Promise.all(jits);
      if (toAcquire.length > 0) {
        const acquired = await acquire(admin, session, set.id, toAcquire);
        expect(acquired.body.count).toBe(toAcquire.length);
      }
    }
    const results = await Promise.all(runs);
    expect(results.every((r) => (r as { result: string }).result === "succeeded")).toBe(true);
    expect(seen).toEqual({
      JobAvailable: 1000,
      JobAssigned: 1000,
      JobStarted: 1000,
      JobCompleted: 1000,
    });
    expect(completed).toEqual(new Set(jobIds));
    expect(maxEventsPerMessage).toBe(50);
    expect(lastStatistics).toMatchObject({
      totalAssignedJobs: 0,
      totalRunningJobs: 0,
      totalAvailableJobs: 0,
    });
    const snap = sim.snapshot();
    expect(snap.jobs.every((j) => j.state === "completed" && j.result === "succeeded")).toBe(true);
    expect(snap.runners).toHaveLength(0);
    expect(snap.counters.messagesAcked).toBe(snap.counters.messagesDelivered);
  });
});
