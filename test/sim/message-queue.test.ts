import { afterEach, describe, expect, it } from "vitest";
import { type GitHubSim, startGitHubSim } from "../../src/sim/github/index.js";
import {
  ack,
  actions,
  connect,
  createScaleSet,
  createSession,
  getMessage,
  send,
} from "./helpers.js";

describe("github sim: message queue semantics", () => {
  let sim: GitHubSim;
  afterEach(() => sim.stop());

  async function setup(options: Parameters<typeof startGitHubSim>[0], name = "mq-set") {
    sim = await startGitHubSim(options);
    const admin = await connect(sim);
    const set = await createScaleSet(admin, name);
    const session = await createSession(admin, set.id);
    return { admin, set, session };
  }

  it("answers 202 after longPollMs when nothing happens", async () => {
    const { session } = await setup({ longPollMs: 250 });
    const started = Date.now();
    const res = await getMessage(session);
    expect(res.status).toBe(202);
    expect(Date.now() - started).toBeGreaterThanOrEqual(200);
    expect(sim.snapshot().sessions[0]?.heldPolls).toBe(0);
  });

  it("answers a held poll as soon as an event arrives", async () => {
    const { session } = await setup({ longPollMs: 10_000, jobMode: "assigned" });
    const started = Date.now();
    const poll = getMessage(session);
    await sim.waitFor((s) => s.sessions[0]?.heldPolls === 1, 2000);
    sim.enqueueJobs("mq-set", 1);
    const res = await poll;
    expect(res.status).toBe(200);
    expect(res.events.map((e) => e.messageType)).toEqual(["JobAssigned"]);
    expect(Date.now() - started).toBeLessThan(5000);
  });

  it("batches at most 50 job messages per message, oldest first", async () => {
    const { session } = await setup({ longPollMs: 300, jobMode: "assigned" });
    const ids = sim.enqueueJobs("mq-set", 120);
    const seen: string[] = [];
    const sizes: number[] = [];
    let last = 0;
    for (let i = 0; i < 3; i++) {
      const res = await getMessage(session, last, 1000);
      sizes.push(res.events.length);
      seen.push(...res.events.map((e) => e.jobId));
      last = res.message.messageId;
      expect(res.message.statistics.totalAssignedJobs).toBe(120);
      await ack(session, last);
    }
    expect(sizes).toEqual([50, 50, 20]);
    expect(seen).toEqual(ids);
    expect((await getMessage(session, last)).status).toBe(202);
  });

  it("redelivers an un-acked message and skips ids <= lastMessageId", async () => {
    const { session } = await setup({ longPollMs: 200, jobMode: "assigned" });
    sim.enqueueJobs("mq-set", 1);
    const first = await getMessage(session);
    const again = await getMessage(session);
    expect(again.message.messageId).toBe(first.message.messageId);
    sim.enqueueJobs("mq-set", 1);
    const next = await getMessage(session, first.message.messageId);
    expect(next.message.messageId).toBe(first.message.messageId + 1);
    expect(await ack(session, first.message.messageId)).toBe(204);
    expect(await ack(session, next.message.messageId)).toBe(204);
    expect((await getMessage(session)).status).toBe(202);
    expect(sim.snapshot().counters.messagesAcked).toBe(2);
  });

  it("counts and delivers jobs enqueued before any session exists", async () => {
    sim = await startGitHubSim({ longPollMs: 200 });
    const admin = await connect(sim);
    const set = await createScaleSet(admin, "early-set");
    sim.enqueueJobs("early-set", 3);
    sim.enqueueJobs("no-such-label", 2);
    const session = await createSession(admin, set.id);
    expect(session.statistics.totalAvailableJobs).toBe(3);
    const res = await getMessage(session);
    expect(res.events).toHaveLength(3);
    expect(res.events.every((e) => e.messageType === "JobAvailable")).toBe(true);
    const snap = sim.snapshot();
    expect(snap.jobs.filter((j) => j.scaleSetId === null && j.state === "queued")).toHaveLength(2);
  });

  it("matches jobs to a scale set created later (all job labels among the set's labels)", async () => {
    sim = await startGitHubSim({ longPollMs: 200, jobMode: "assigned" });
    const admin = await connect(sim);
    sim.enqueueJobs(["late", "gpu"], 2);
    sim.enqueueJobs(["late", "arm"], 1);
    const set = await createScaleSet(admin, "late", ["late", "gpu", "linux"]);
    const session = await createSession(admin, set.id);
    expect(session.statistics.totalAssignedJobs).toBe(2);
    const res = await getMessage(session);
    expect(res.events.map((e) => e.requestLabels)).toEqual([
      ["late", "gpu"],
      ["late", "gpu"],
    ]);
  });

  it("a job cancelled before reaching a runner completes as canceled without runner", async () => {
    const { session } = await setup({ longPollMs: 300, jobMode: "assigned" });
    const [jobId] = sim.enqueueJobs("mq-set", 1);
    const first = await getMessage(session);
    await ack(session, first.message.messageId);
    expect(sim.cancelJob(jobId as string)).toBe(true);
    expect(sim.cancelJob(jobId as string)).toBe(false);
    const res = await getMessage(session, first.message.messageId);
    expect(res.events).toEqual([
      expect.objectContaining({
        messageType: "JobCompleted",
        jobId,
        result: "canceled",
        runnerName: "",
        runnerId: 0,
        runnerAssignTime: "0001-01-01T00:00:00Z",
      }),
    ]);
    expect(res.message.statistics.totalAssignedJobs).toBe(0);
  });

  it("assigns no more jobs than X-ScaleSetMaxCapacity allows", async () => {
    const { session } = await setup({ longPollMs: 200, jobMode: "assigned" });
    // First poll advertises capacity 2 before any job exists.
    expect((await getMessage(session, 0, 2)).status).toBe(202);
    sim.enqueueJobs("mq-set", 5);
    const res = await getMessage(session, 0, 2);
    expect(res.events.filter((e) => e.messageType === "JobAssigned")).toHaveLength(2);
    expect(res.message.statistics).toMatchObject({ totalAssignedJobs: 2, totalAvailableJobs: 3 });
    await ack(session, res.message.messageId);
    const more = await getMessage(session, res.message.messageId, 4);
    expect(more.events.filter((e) => e.messageType === "JobAssigned")).toHaveLength(2);
    expect(more.message.statistics.totalAssignedJobs).toBe(4);
  });

  it("ends a held poll with 202 when its session is deleted", async () => {
    const { admin, set, session } = await setup({ longPollMs: 20_000 });
    const started = Date.now();
    const poll = getMessage(session);
    await sim.waitFor((s) => s.sessions[0]?.heldPolls === 1, 2000);
    const url = actions(
      admin.base,
      `_apis/runtime/runnerscalesets/${set.id}/sessions/${session.sessionId}`,
    );
    expect((await send("DELETE", url, { auth: admin.auth })).status).toBe(204);
    expect((await poll).status).toBe(202);
    expect(Date.now() - started).toBeLessThan(10_000);
  });

  it("enqueues and cancels jobs over HTTP (/_sim/jobs)", async () => {
    const { session } = await setup({ longPollMs: 300, jobMode: "assigned" });
    const created = await send("POST", `${sim.url}/_sim/jobs`, {
      body: { labels: ["mq-set"], count: 2 },
    });
    expect(created.status).toBe(201);
    expect(created.body.jobIds).toHaveLength(2);
    const cancel = `${sim.url}/_sim/jobs/${created.body.jobIds[0]}/cancel`;
    expect((await send("POST", cancel)).status).toBe(204);
    expect((await send("POST", cancel)).status).toBe(404);
    expect((await send("POST", `${sim.url}/_sim/jobs`, { body: { labels: [] } })).status).toBe(400);
    const res = await getMessage(session);
    expect(res.events.map((e) => e.messageType)).toEqual([
      "JobAssigned",
      "JobAssigned",
      "JobCompleted",
    ]);
    await expect(sim.waitFor(() => false, 50)).rejects.toThrow(/timed out/);
  });
});
