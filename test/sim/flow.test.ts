import { afterEach, describe, expect, it } from "vitest";
import { type GitHubSim, startGitHubSim } from "../../src/sim/github/index.js";
import { runSimulatedRunner } from "../../src/sim/runner.js";
import {
  ack,
  acquire,
  actions,
  connect,
  createScaleSet,
  createSession,
  getMessage,
  jit,
  send,
} from "./helpers.js";

describe("github sim: end-to-end protocol flow", () => {
  let sim: GitHubSim;
  afterEach(() => sim.stop());

  it("GHES mode: JobAvailable → acquire → JobAssigned → runner → JobStarted/JobCompleted", async () => {
    sim = await startGitHubSim({ jobMode: "available", longPollMs: 1000 });
    const admin = await connect(sim);
    const set = await createScaleSet(admin, "ghes-set", ["ghes-set", "linux"]);
    const session = await createSession(admin, set.id);
    expect(session.messageQueueUrl).toBe(`${sim.url}/broker/scalesets/${set.id}/message`);
    expect(session.statistics.totalAssignedJobs).toBe(0);

    const [jobId] = sim.enqueueJobs(["linux"], 1, { durationMs: 50, result: "failed" });
    const m1 = await getMessage(session, 0, 5);
    expect(m1.status).toBe(200);
    expect(m1.message.messageType).toBe("RunnerScaleSetJobMessages");
    expect(typeof m1.message.body).toBe("string");
    expect(m1.events).toHaveLength(1);
    const available = m1.events[0];
    expect(available).toMatchObject({
      messageType: "JobAvailable",
      jobId,
      requestLabels: ["linux"],
      ownerName: "my-org",
      repositoryName: "sim-repo",
      eventName: "push",
      scaleSetAssignTime: "0001-01-01T00:00:00Z",
    });
    expect(available.runnerRequestId).toBeGreaterThan(0);
    expect(available.acquireJobUrl).toContain("/acquirejob");
    expect(m1.message.statistics.totalAvailableJobs).toBe(1);
    expect(m1.message.statistics.totalAssignedJobs).toBe(0);
    expect(sim.snapshot().scaleSets[0]?.maxCapacity).toBe(5);
    expect(await ack(session, m1.message.messageId)).toBe(204);

    const acquirableUrl = actions(
      admin.base,
      `_apis/runtime/runnerscalesets/${set.id}/acquirablejobs`,
    );
    const acquirable = await send("GET", acquirableUrl, { auth: admin.auth });
    // The §4.13 shape exactly: no jobId, no timestamps.
    expect(acquirable.body).toEqual({
      count: 1,
      value: [
        {
          acquireJobUrl: available.acquireJobUrl,
          messageType: "JobAvailable",
          runnerRequestId: available.runnerRequestId,
          repositoryName: "sim-repo",
          ownerName: "my-org",
          jobWorkflowRef: available.jobWorkflowRef,
          eventName: "push",
          requestLabels: ["linux"],
        },
      ],
    });
    const acquired = await acquire(admin, session, set.id, [available.runnerRequestId, 999_999]);
    expect(acquired.status).toBe(200);
    expect(acquired.body).toEqual({ count: 1, value: [available.runnerRequestId] });
    expect((await send("GET", acquirableUrl, { auth: admin.auth })).status).toBe(204);

    const m2 = await getMessage(session, m1.message.messageId, 5);
    expect(m2.events.map((e) => e.messageType)).toEqual(["JobAssigned"]);
    expect(m2.message.messageId).toBeGreaterThan(m1.message.messageId);
    expect(m2.message.statistics).toMatchObject({ totalAssignedJobs: 1, totalRunningJobs: 0 });
    await ack(session, m2.message.messageId);

    const config = await jit(admin, set.id, "ghes-runner-1");
    expect(config.status).toBe(200);
    expect(config.body.runner).toMatchObject({
      name: "ghes-runner-1",
      runnerScaleSetId: set.id,
      status: "offline",
    });
    const files = JSON.parse(Buffer.from(config.body.encodedJITConfig, "base64").toString());
    const dotRunner = JSON.parse(Buffer.from(files[".runner"], "base64").toString());
    expect(dotRunner).toMatchObject({
      agentId: config.body.runner.id,
      agentName: "ghes-runner-1",
      poolId: 0,
      serverUrl: sim.url,
    });
    expect(Object.keys(files).sort()).toEqual([
      ".credentials",
      ".credentials_rsaparams",
      ".runner",
    ]);

    const run = runSimulatedRunner(config.body.encodedJITConfig);
    const m3 = await getMessage(session, m2.message.messageId, 5);
    const types = m3.events.map((e) => e.messageType);
    expect(types[0]).toBe("JobStarted");
    expect(m3.events[0]).toMatchObject({
      jobId,
      runnerName: "ghes-runner-1",
      runnerId: config.body.runner.id,
    });
    await ack(session, m3.message.messageId);
    await expect(run).resolves.toEqual({ jobId, result: "failed" });

    let last = m3.message.messageId;
    let completed = m3.events.find((e) => e.messageType === "JobCompleted");
    if (!completed) {
      const m4 = await getMessage(session, last, 5);
      last = m4.message.messageId;
      completed = m4.events.find((e) => e.messageType === "JobCompleted");
      expect(m4.message.statistics).toMatchObject({
        totalAssignedJobs: 0,
        totalRegisteredRunners: 0,
      });
    }
    expect(completed).toMatchObject({ jobId, result: "failed", runnerName: "ghes-runner-1" });
    expect(completed.finishTime).not.toBe("0001-01-01T00:00:00Z");
    // Ephemeral: the registration is gone after the job.
    const gone = await send(
      "GET",
      actions(admin.base, `_apis/distributedtask/pools/0/agents/${config.body.runner.id}`),
      { auth: admin.auth },
    );
    expect(gone.status).toBe(404);
    expect(gone.body.typeName).toContain("AgentNotFoundException");
    expect(sim.snapshot().jobs[0]).toMatchObject({
      state: "completed",
      result: "failed",
      runnerName: "ghes-runner-1",
    });
  });

  it("GHES mode: a JobAvailable acked but never acquired stays acquirable for the next session, and is never re-sent", async () => {
    sim = await startGitHubSim({ jobMode: "available", longPollMs: 200 });
    const admin = await connect(sim);
    const set = await createScaleSet(admin, "lost-set");
    const first = await createSession(admin, set.id);
    sim.enqueueJobs("lost-set", 1, { durationMs: 10 });
    const m1 = await getMessage(first, 0, 5);
    const requestId = m1.events[0].runnerRequestId as number;
    expect(await ack(first, m1.message.messageId)).toBe(204);
    // The process dies here: its session goes (deleted or expired), the job was never acquired.
    const sessionUrl = actions(
      admin.base,
      `_apis/runtime/runnerscalesets/${set.id}/sessions/${first.sessionId}`,
    );
    expect((await send("DELETE", sessionUrl, { auth: admin.auth })).status).toBe(204);

    const second = await createSession(admin, set.id);
    expect(second.statistics).toMatchObject({ totalAvailableJobs: 1, totalAssignedJobs: 0 });
    // Worst case: the service does not deliver the JobAvailable again.
    expect((await getMessage(second, 0, 5)).status).toBe(202);
    const listed = await send(
      "GET",
      actions(admin.base, `_apis/runtime/runnerscalesets/${set.id}/acquirablejobs`),
      { auth: admin.auth },
    );
    expect(listed.body.value.map((j: { runnerRequestId: number }) => j.runnerRequestId)).toEqual([
      requestId,
    ]);
    expect((await acquire(admin, second, set.id, [requestId])).body.value).toEqual([requestId]);
    const m2 = await getMessage(second, 0, 5);
    expect(m2.events.map((e) => e.messageType)).toEqual(["JobAssigned"]);
  });

  it("github.com mode: JobAssigned with runnerRequestId 0 and no acquire", async () => {
    sim = await startGitHubSim({ jobMode: "assigned", longPollMs: 1000 });
    const admin = await connect(sim);
    const set = await createScaleSet(admin, "dotcom-set");
    const session = await createSession(admin, set.id);
    const [jobId] = sim.enqueueJobs("dotcom-set", 1, { durationMs: 10 });
    const m1 = await getMessage(session);
    expect(m1.events).toEqual([
      expect.objectContaining({ messageType: "JobAssigned", jobId, runnerRequestId: 0 }),
    ]);
    expect(m1.message.statistics.totalAssignedJobs).toBe(1);
    const config = await jit(admin, set.id, "dotcom-runner");
    await expect(runSimulatedRunner(config.body.encodedJITConfig)).resolves.toEqual({
      jobId,
      result: "succeeded",
    });
    const snap = sim.snapshot();
    expect(snap.jobs[0]?.state).toBe("completed");
    expect(snap.runners).toHaveLength(0);
    expect(snap.requests.simRunnerRun).toBe(1);
  });

  it("one session per scale set; refresh supersedes the token; delete gives 204", async () => {
    sim = await startGitHubSim({ longPollMs: 200 });
    const admin = await connect(sim);
    const set = await createScaleSet(admin, "session-set");
    const first = await createSession(admin, set.id);
    const second = await send(
      "POST",
      actions(admin.base, `_apis/runtime/runnerscalesets/${set.id}/sessions`),
      {
        auth: admin.auth,
        body: { ownerName: "other" },
      },
    );
    expect(second.status).toBe(409);
    expect(second.body.typeName).toBe(
      "GitHub.Actions.Runtime.WebApi.RunnerScaleSetSessionConflictException, GitHub.Actions.Runtime.WebApi",
    );
    expect(second.body.message).toBe(
      "The actions runner scaleset session-set already has an active session.",
    );

    const sessionUrl = actions(
      admin.base,
      `_apis/runtime/runnerscalesets/${set.id}/sessions/${first.sessionId}`,
    );
    const refreshed = await send("PATCH", sessionUrl, { auth: admin.auth });
    expect(refreshed.status).toBe(200);
    expect(refreshed.body.sessionId).toBe(first.sessionId);
    expect(refreshed.body.messageQueueAccessToken).not.toBe(first.messageQueueAccessToken);
    expect((await getMessage(first)).status).toBe(401);
    expect((await getMessage(refreshed.body)).status).toBe(202);

    expect((await send("DELETE", sessionUrl, { auth: admin.auth })).status).toBe(204);
    expect((await getMessage(refreshed.body)).status).toBe(401);
    expect((await send("DELETE", sessionUrl, { auth: admin.auth })).status).toBe(404);
    const again = await createSession(admin, set.id);
    expect(again.sessionId).not.toBe(first.sessionId);
  });

  it("scale set CRUD: get by name, patch, delete → 404 on session create and get", async () => {
    sim = await startGitHubSim({ runnerGroups: ["gpu pool"] });
    const admin = await connect(sim);
    const group = await send(
      "GET",
      actions(admin.base, "_apis/runtime/runnergroups/", "groupName=gpu+pool"),
      { auth: admin.auth },
    );
    expect(group.body.value).toEqual([{ id: 2, name: "gpu pool", isDefaultGroup: false, size: 0 }]);
    const set = await createScaleSet(admin, "my set+1");
    const byName = await send(
      "GET",
      actions(admin.base, "_apis/runtime/runnerscalesets", "runnerGroupId=1&name=my+set%2B1"),
      { auth: admin.auth },
    );
    expect(byName.body.count).toBe(1);
    expect(byName.body.value[0]).toMatchObject({
      id: set.id,
      runnerGroupName: "Default",
      labels: [{ name: "my set+1", type: "System" }],
    });
    const none = await send(
      "GET",
      actions(admin.base, "_apis/runtime/runnerscalesets", "runnerGroupId=1&name=nope"),
      { auth: admin.auth },
    );
    expect(none.body).toEqual({ count: 0, value: [] });
    const url = actions(admin.base, `_apis/runtime/runnerscalesets/${set.id}`);
    const patched = await send("PATCH", url, {
      auth: admin.auth,
      body: {
        runnerGroupId: 2,
        RunnerSetting: { disableUpdate: true },
        createdOn: "0001-01-01T00:00:00Z",
      },
    });
    expect(patched.status).toBe(200);
    expect(patched.body).toMatchObject({
      runnerGroupId: 2,
      runnerGroupName: "gpu pool",
      runnerSetting: { disableUpdate: true },
    });
    expect((await send("DELETE", url, { auth: admin.auth })).status).toBe(204);
    const get = await send("GET", url, { auth: admin.auth });
    expect(get.status).toBe(404);
    expect(get.body.typeName).toContain("RunnerScaleSetNotFoundException");
    const session = await send(
      "POST",
      actions(admin.base, `_apis/runtime/runnerscalesets/${set.id}/sessions`),
      { auth: admin.auth, body: { ownerName: "x" } },
    );
    expect(session.status).toBe(404);
    expect(session.body.typeName).toContain("RunnerScaleSetNotFoundException");
  });

  it("runner registrations: 409 on duplicate name, list/get by name, 400 when busy, 204 when idle", async () => {
    sim = await startGitHubSim({ jobMode: "assigned" });
    const admin = await connect(sim);
    const set = await createScaleSet(admin, "agents-set");
    const a = await jit(admin, set.id, "runner-a");
    await jit(admin, set.id, "runner-b");
    const dup = await jit(admin, set.id, "runner-a");
    expect(dup.status).toBe(409);
    expect(dup.body.typeName).toContain("AgentExistsException");
    const agents = "_apis/distributedtask/pools/0/agents";
    const all = await send("GET", actions(admin.base, agents), { auth: admin.auth });
    expect(all.body.count).toBe(2);
    const byName = await send("GET", actions(admin.base, agents, "agentName=runner-a"), {
      auth: admin.auth,
    });
    expect(byName.body.value.map((r: { id: number }) => r.id)).toEqual([a.body.runner.id]);
    const missing = await send("GET", actions(admin.base, agents, "agentName=zzz"), {
      auth: admin.auth,
    });
    expect(missing.body).toEqual({ count: 0, value: [] });

    const [jobId] = sim.enqueueJobs("agents-set", 1, { durationMs: 60_000 });
    const run = runSimulatedRunner(a.body.encodedJITConfig);
    await sim.waitFor((s) => s.jobs[0]?.state === "running", 5000);
    const getA = await send("GET", actions(admin.base, `${agents}/${a.body.runner.id}`), {
      auth: admin.auth,
    });
    expect(getA.body).toMatchObject({ status: "online", busy: true });
    const busy = await send("DELETE", actions(admin.base, `${agents}/${a.body.runner.id}`), {
      auth: admin.auth,
    });
    expect(busy.status).toBe(400);
    expect(busy.body.typeName).toContain("JobStillRunningException");
    expect(sim.cancelJob(jobId as string)).toBe(true);
    await expect(run).resolves.toEqual({ jobId, result: "canceled" });
    const bId = (
      await send("GET", actions(admin.base, agents, "agentName=runner-b"), { auth: admin.auth })
    ).body.value[0].id;
    expect(
      (await send("DELETE", actions(admin.base, `${agents}/${bId}`), { auth: admin.auth })).status,
    ).toBe(204);
    expect(
      (await send("DELETE", actions(admin.base, `${agents}/${bId}`), { auth: admin.auth })).status,
    ).toBe(404);
  });
});
