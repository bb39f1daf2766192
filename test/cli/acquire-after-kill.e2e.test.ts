/**
 * Issue 12 item 12: a process killed (SIGKILL) after acking a JobAvailable message and before
 * acquiring its job leaves the job "available" — the service does not offer it again. The next
 * process acquires it at session start from GET acquirablejobs, and the job runs.
 */
import { describe, expect, it } from "vitest";
import { faultStage, logLines } from "./fault-cli.js";

const SCALE_SET = "kill-between";
const stage = faultStage();

describe("a kill between ack and acquire", () => {
  it("the restarted process acquires the acked job at session start and it runs", async () => {
    // The killed process's session goes stale after 1.5 s without a poll (GitHub: minutes).
    const sim = await stage.startSim({
      longPollMs: 500,
      jobMode: "available",
      sessionIdleTimeoutMs: 1_500,
    });
    const first = await stage.startCli({ scaleSet: SCALE_SET });
    // Its session-start sweep (GET acquirablejobs, then acquire) runs before its first poll; a
    // job enqueued earlier could be held there, before any message, so wait for the first poll.
    await sim.waitFor((s) => (s.requests.getMessage ?? 0) >= 1, 15_000);
    sim.faults.hold(["acquireJobs"], 1); // ack goes through, acquire never answers
    const [jobId] = sim.enqueueJobs(SCALE_SET, 1, { durationMs: 100 });
    await sim.waitFor((s) => s.faults.holds === 1, 15_000);
    first.run.child.kill("SIGKILL");
    await first.run.exited;

    const lost = sim.snapshot();
    expect(lost.counters.messagesAcked).toBe(1);
    expect(lost.scaleSets[0]).toMatchObject({ pendingEvents: 0, unackedMessages: 0 });
    expect(lost.jobs.find((j) => j.id === jobId)?.state).toBe("available");

    const restartedAt = Date.now();
    const second = await stage.startCli({ scaleSet: SCALE_SET });
    const done = await sim.waitFor(
      (s) => s.jobs.find((j) => j.id === jobId)?.state === "completed",
      30_000,
    );
    console.log(
      `kill between ack and acquire: job completed ${Date.now() - restartedAt} ms after the restart`,
    );
    expect(done.jobs.find((j) => j.id === jobId)?.result).toBe("succeeded");
    expect(done.requests.acquirableJobs).toBeGreaterThanOrEqual(2); // at each session start
    const sweep = logLines(second.run).find(
      (l) => l.msg === "acquired jobs left acquirable by an earlier session",
    );
    expect(sweep).toMatchObject({ listed: 1, acquired: 1 });
  }, 60_000);
});
