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

describe("github sim: hold and poison faults", () => {
  let sim: GitHubSim;
  let admin: Admin;
  let setId: number;
  beforeEach(async () => {
    sim = await startGitHubSim({ longPollMs: 200 });
    admin = await connect(sim);
    setId = (await createScaleSet(admin, "hold-set")).id;
  });
  afterEach(() => sim.stop());

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
    sim.enqueueJobs("hold-set", 1);
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
    sim.enqueueJobs("hold-set", 1);
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
