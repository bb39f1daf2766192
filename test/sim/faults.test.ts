import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { type GitHubSim, startGitHubSim } from "../../src/sim/github/index.js";
import {
  type Admin,
  actions,
  connect,
  createScaleSet,
  createSession,
  getMessage,
  jit,
  send,
} from "./helpers.js";

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
});
