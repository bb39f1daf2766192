import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { type GitHubSim, startGitHubSim } from "../../src/sim/github/index.js";
import {
  type Admin,
  ack,
  actions,
  connect,
  createScaleSet,
  createSession,
  getMessage,
  jit,
  send,
} from "./helpers.js";

/** Raw GET message that tolerates a corrupt inner body (helpers.getMessage would throw on it). */
async function rawPoll(session: { messageQueueUrl: string; messageQueueAccessToken: string }) {
  const res = await fetch(session.messageQueueUrl, {
    headers: {
      Authorization: `Bearer ${session.messageQueueAccessToken}`,
      Accept: "application/json; api-version=6.0-preview",
      "X-ScaleSetMaxCapacity": "10",
    },
  });
  return { status: res.status, message: JSON.parse(await res.text()) };
}

const parses = (text: string) => {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
};

describe("github sim: fault injection", () => {
  let sim: GitHubSim;
  let admin: Admin;
  let setId: number;
  beforeEach(async () => {
    sim = await startGitHubSim({ longPollMs: 200 });
    admin = await connect(sim);
    setId = (await createScaleSet(admin, "fault-set")).id;
  });
  afterEach(() => sim.stop());

  const sessionsUrl = () => actions(admin.base, `_apis/runtime/runnerscalesets/${setId}/sessions`);
  const postSession = () =>
    send("POST", sessionsUrl(), { auth: admin.auth, body: { ownerName: "h" } });

  it("sessionConflicts: the next n creates answer 409 even without a session", async () => {
    sim.faults.sessionConflicts(2);
    expect((await postSession()).status).toBe(409);
    const second = await postSession();
    expect(second.status).toBe(409);
    expect(second.body.typeName).toContain("RunnerScaleSetSessionConflictException");
    expect((await postSession()).status).toBe(200);
    expect(sim.snapshot().faults.sessionConflicts).toBe(2);
  });

  it("expireQueueTokens: queue calls answer 401 until the session is refreshed", async () => {
    const session = await createSession(admin, setId);
    sim.faults.expireQueueTokens();
    expect((await getMessage(session)).status).toBe(401);
    const acq = await send(
      "POST",
      actions(admin.base, `_apis/runtime/runnerscalesets/${setId}/acquirejobs`),
      {
        auth: `Bearer ${session.messageQueueAccessToken}`,
        body: [],
      },
    );
    expect(acq.status).toBe(401);
    const refreshed = await send(
      "PATCH",
      `${sessionsUrl().replace("?", `/${session.sessionId}?`)}`,
      { auth: admin.auth },
    );
    expect(refreshed.status).toBe(200);
    expect((await getMessage(refreshed.body)).status).toBe(202);
    expect(sim.snapshot().faults.expireQueueTokens).toBe(1);
  });

  it("expireAdminTokens: old admin tokens answer 401, a new registration works", async () => {
    sim.faults.expireAdminTokens();
    const url = actions(admin.base, `_apis/runtime/runnerscalesets/${setId}`);
    expect((await send("GET", url, { auth: admin.auth })).status).toBe(401);
    const fresh = await connect(sim);
    expect((await send("GET", url, { auth: fresh.auth })).status).toBe(200);
  });

  it("serverErrors: 5xx with Retry-After on Actions routes, optionally only on given routes", async () => {
    sim.faults.serverErrors(1, 503, undefined, 2);
    const url = actions(admin.base, `_apis/runtime/runnerscalesets/${setId}`);
    const failed = await send("GET", url, { auth: admin.auth });
    expect(failed.status).toBe(503);
    expect(failed.headers.get("retry-after")).toBe("2");
    expect((await send("GET", url, { auth: admin.auth })).status).toBe(200);

    const session = await createSession(admin, setId);
    sim.faults.serverErrors(1, 500, ["getMessage"]);
    expect((await send("GET", url, { auth: admin.auth })).status).toBe(200);
    expect((await getMessage(session)).status).toBe(500);
    expect((await getMessage(session)).status).toBe(202);
    expect(sim.snapshot().faults.serverErrors).toBe(2);
  });

  it("emptyOkPolls: GET message answers 200 with an empty body", async () => {
    const session = await createSession(admin, setId);
    sim.faults.emptyOkPolls(1);
    const res = await getMessage(session);
    expect(res.status).toBe(200);
    expect(res.text).toBe("");
    expect(sim.snapshot().faults.emptyOkPolls).toBe(1);
  });

  it("slow: delays the next n responses", async () => {
    sim.faults.slow(300, 1);
    const url = actions(admin.base, `_apis/runtime/runnerscalesets/${setId}`);
    const started = Date.now();
    expect((await send("GET", url, { auth: admin.auth })).status).toBe(200);
    expect(Date.now() - started).toBeGreaterThanOrEqual(280);
    await send("GET", url, { auth: admin.auth });
    expect(sim.snapshot().faults.slow).toBe(1);
  });

  it("registrationAuthFailures: runner-registration answers 401 n times", async () => {
    sim.faults.registrationAuthFailures(1);
    await expect(connect(sim)).rejects.toThrow(/runner-registration: 401/);
    await expect(connect(sim)).resolves.toMatchObject({ base: `${sim.url}/tenant/123/` });
    expect(sim.snapshot().faults.registrationAuthFailures).toBe(1);
  });

  it("deleteScaleSet: the set vanishes, its session token dies, session create → 404", async () => {
    const session = await createSession(admin, setId);
    sim.enqueueJobs("fault-set", 2);
    sim.faults.deleteScaleSet(setId);
    const get = await send("GET", actions(admin.base, `_apis/runtime/runnerscalesets/${setId}`), {
      auth: admin.auth,
    });
    expect(get.status).toBe(404);
    expect((await getMessage(session)).status).toBe(401);
    const create = await postSession();
    expect(create.status).toBe(404);
    expect(create.body.typeName).toContain("RunnerScaleSetNotFoundException");
    // Its jobs are back in the pool, waiting for a matching scale set.
    const recreated = await createScaleSet(admin, "fault-set");
    expect(recreated.id).not.toBe(setId);
    const snap = sim.snapshot();
    expect(snap.jobs.every((j) => j.scaleSetId === recreated.id && j.state === "available")).toBe(
      true,
    );
    expect(snap.faults.deleteScaleSet).toBe(1);
  });

  it("jitFailures: generatejitconfig fails n times", async () => {
    sim.faults.jitFailures(1);
    expect((await jit(admin, setId, "r1")).status).toBe(500);
    expect((await jit(admin, setId, "r1")).status).toBe(200);
    expect(sim.snapshot().faults.jitFailures).toBe(1);
  });

  it("POST /_sim/faults applies the same faults over HTTP", async () => {
    const post = (body: unknown) => send("POST", `${sim.url}/_sim/faults`, { body });
    expect((await post({ type: "jitFailures", count: 1, status: 503 })).status).toBe(200);
    expect((await jit(admin, setId, "r2")).status).toBe(503);
    expect((await post({ type: "sessionConflicts", count: 1 })).status).toBe(200);
    expect((await postSession()).status).toBe(409);
    expect(
      (await post({ type: "serverErrors", count: 1, routes: ["getScaleSet"], status: 502 })).status,
    ).toBe(200);
    expect(
      (
        await send("GET", actions(admin.base, `_apis/runtime/runnerscalesets/${setId}`), {
          auth: admin.auth,
        })
      ).status,
    ).toBe(502);
    expect((await post({ type: "nope" })).status).toBe(400);
    expect((await post({ type: "serverErrors", routes: ["bogus"] })).status).toBe(400);
    expect((await post({ type: "serverErrors", status: 404 })).status).toBe(400);
    const snap = (await send("GET", `${sim.url}/_sim/snapshot`)).body;
    expect(snap.faults).toMatchObject({ jitFailures: 1, sessionConflicts: 1, serverErrors: 1 });
  });

  it("hold: the next n requests to the named routes never get an answer; others do", async () => {
    const session = await createSession(admin, setId);
    sim.faults.hold(["ackMessage"], 1);
    const held = fetch(`${session.messageQueueUrl}/1`, {
      method: "DELETE",
      headers: { Authorization: `Bearer ${session.messageQueueAccessToken}` },
      signal: AbortSignal.timeout(500),
    });
    await expect(held).rejects.toThrow(/timeout|aborted/i);
    // Other routes, and the same route once the budget is spent, answer normally.
    expect((await getMessage(session)).status).toBe(202);
    expect(await ack(session, 1)).toBe(204);
    const snap = sim.snapshot();
    expect(snap.faults.holds).toBe(1);
    expect(snap.requests.ackMessage).toBe(2);
  });

  it("hold: a held request is released when the sim stops", async () => {
    sim.faults.hold(["getScaleSet"], 1);
    const url = actions(admin.base, `_apis/runtime/runnerscalesets/${setId}`);
    const held = send("GET", url, { auth: admin.auth }).then(
      () => "answered",
      () => "dropped",
    );
    await sim.waitFor((s) => s.faults.holds === 1, 5_000);
    await sim.stop();
    expect(await held).toBe("dropped");
  });

  it("poisonMessages: a message's inner body is corrupt on every delivery until acked", async () => {
    const session = await createSession(admin, setId);
    sim.faults.poisonMessages(1);
    sim.enqueueJobs("fault-set", 1);
    const first = await rawPoll(session);
    const again = await rawPoll(session);
    expect(first.status).toBe(200);
    expect(again.message.messageId).toBe(first.message.messageId);
    for (const delivery of [first, again]) {
      // The envelope (id, type, statistics) is intact: only the inner body is broken.
      expect(delivery.message.messageType).toBe("RunnerScaleSetJobMessages");
      expect(delivery.message.statistics.totalAvailableJobs).toBe(1);
      expect(typeof delivery.message.body).toBe("string");
      expect(parses(delivery.message.body)).toBe(false);
    }
    expect(await ack(session, first.message.messageId)).toBe(204);
    sim.enqueueJobs("fault-set", 1);
    const next = await rawPoll(session);
    expect(next.message.messageId).toBeGreaterThan(first.message.messageId);
    expect(parses(next.message.body)).toBe(true);
    expect(sim.snapshot().faults.poisonMessages).toBe(2);
  });

  it("slow can be limited to routes", async () => {
    const session = await createSession(admin, setId);
    sim.faults.slow(400, 1, ["ackMessage"]);
    const url = actions(admin.base, `_apis/runtime/runnerscalesets/${setId}`);
    let started = Date.now();
    expect((await send("GET", url, { auth: admin.auth })).status).toBe(200);
    expect(Date.now() - started).toBeLessThan(300);
    started = Date.now();
    expect(await ack(session, 1)).toBe(204);
    expect(Date.now() - started).toBeGreaterThanOrEqual(380);
    expect(sim.snapshot().faults.slow).toBe(1);
  });

  it("POST /_sim/faults sets hold and poisonMessages over HTTP", async () => {
    const post = (body: unknown) => send("POST", `${sim.url}/_sim/faults`, { body });
    expect((await post({ type: "hold", routes: ["acquireJobs"], count: 2 })).status).toBe(200);
    expect((await post({ type: "poisonMessages", count: 1 })).status).toBe(200);
    expect((await post({ type: "hold", routes: ["bogus"] })).status).toBe(400);
    expect((await post({ type: "hold" })).status).toBe(400);
  });
});
