import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { type GitHubSim, startGitHubSim } from "../../src/sim/github/index.js";
import { runSimulatedRunner } from "../../src/sim/runner.js";
import { type Admin, actions, connect, createScaleSet, jit, send } from "./helpers.js";

describe("github sim: simulated JIT runner", () => {
  let sim: GitHubSim;
  let admin: Admin;
  let setId: number;
  beforeEach(async () => {
    sim = await startGitHubSim({ jobMode: "assigned" });
    admin = await connect(sim);
    setId = (await createScaleSet(admin, "run-set")).id;
  });
  afterEach(() => sim.stop());

  const newConfig = async (name: string) => {
    const res = await jit(admin, setId, name);
    expect(res.status).toBe(200);
    return { id: res.body.runner.id as number, config: res.body.encodedJITConfig as string };
  };

  it("waits online and idle for a job, takes the oldest one, then deregisters", async () => {
    const { config } = await newConfig("waiter");
    const run = runSimulatedRunner(config);
    await sim.waitFor((s) => s.runners[0]?.status === "online", 2000);
    expect(sim.snapshot().scaleSets[0]?.statistics).toMatchObject({
      totalRegisteredRunners: 1,
      totalIdleRunners: 1,
      totalBusyRunners: 0,
    });
    const [first] = sim.enqueueJobs("run-set", 2, { durationMs: 20 });
    await expect(run).resolves.toEqual({ jobId: first, result: "succeeded" });
    const snap = sim.snapshot();
    expect(snap.runners).toHaveLength(0);
    expect(snap.jobs.map((j) => j.state)).toEqual(["completed", "assigned"]);
  });

  it("a JIT config is single use", async () => {
    const { config } = await newConfig("once");
    sim.enqueueJobs("run-set", 1, { durationMs: 500 });
    const run = runSimulatedRunner(config);
    await sim.waitFor((s) => s.jobs[0]?.state === "running", 2000);
    await expect(runSimulatedRunner(config)).rejects.toThrow(/HTTP 401.*already been used/);
    await run;
    // After the job the registration is gone: the same config is now unknown.
    await expect(runSimulatedRunner(config)).rejects.toThrow(/HTTP 404/);
  });

  it("rejects tampered credentials and malformed configs", async () => {
    const { config } = await newConfig("tamper");
    const files = JSON.parse(Buffer.from(config, "base64").toString());
    files[".credentials"] = Buffer.from(
      JSON.stringify({
        scheme: "OAuth",
        data: { clientId: "x", clientSecret: "y", authorizationUrl: "" },
      }),
    ).toString("base64");
    const tampered = Buffer.from(JSON.stringify(files)).toString("base64");
    await expect(runSimulatedRunner(tampered)).rejects.toThrow(/HTTP 401/);
    await expect(runSimulatedRunner("not-a-config")).rejects.toThrow(/malformed/);
    const raw = await send("POST", `${sim.url}/_sim/runner/run`, {
      body: { jitConfig: "bm9wZQ==" },
    });
    expect(raw.status).toBe(400);
  });

  it("returns null when the registration is removed while waiting (410)", async () => {
    const { id, config } = await newConfig("removed");
    const run = runSimulatedRunner(config);
    await sim.waitFor((s) => s.runners[0]?.status === "online", 2000);
    const del = await send(
      "DELETE",
      actions(admin.base, `_apis/distributedtask/pools/0/agents/${id}`),
      { auth: admin.auth },
    );
    expect(del.status).toBe(204);
    await expect(run).resolves.toBeNull();
  });

  it("a dropped connection (machine deleted) leaves an offline registration and fails its job", async () => {
    const idle = await newConfig("killed-idle");
    const busy = await newConfig("killed-busy");
    const abortIdle = new AbortController();
    const idleRun = runSimulatedRunner(idle.config, abortIdle.signal);
    await sim.waitFor(
      (s) => s.runners.find((r) => r.name === "killed-idle")?.status === "online",
      2000,
    );
    abortIdle.abort();
    await expect(idleRun).rejects.toThrow();
    await sim.waitFor(
      (s) => s.runners.find((r) => r.name === "killed-idle")?.status === "offline",
      2000,
    );

    const [jobId] = sim.enqueueJobs("run-set", 1, { durationMs: 60_000 });
    const abortBusy = new AbortController();
    const busyRun = runSimulatedRunner(busy.config, abortBusy.signal);
    await sim.waitFor((s) => s.jobs[0]?.state === "running", 2000);
    abortBusy.abort();
    await expect(busyRun).rejects.toThrow();
    const snap = await sim.waitFor((s) => s.jobs[0]?.state === "completed", 2000);
    expect(snap.jobs[0]).toMatchObject({ id: jobId, result: "failed", runnerName: "killed-busy" });
    expect(snap.runners.map((r) => [r.name, r.status, r.busy])).toEqual([
      ["killed-idle", "offline", false],
      ["killed-busy", "offline", false],
    ]);
  });

  it("runs 1,000 concurrent runner requests", async () => {
    const configs: string[] = [];
    // Registrations in a few parallel lanes (not what is under test); the runs all at once.
    await Promise.all(
      Array.from({ length: 20 }, async (_, lane) => {
        for (let i = lane; i < 1000; i += 20) {
          configs.push((await jit(admin, setId, `bulk-${i}`)).body.encodedJITConfig);
        }
      }),
    );
    const runs = configs.map((c) => runSimulatedRunner(c));
    await sim.waitFor(
      (s) => s.runners.filter((r) => r.status === "online").length === 1000,
      15_000,
    );
    const ids = sim.enqueueJobs("run-set", 1000, { durationMs: 30 });
    const results = await Promise.all(runs);
    expect(new Set(results.map((r) => r?.jobId))).toEqual(new Set(ids));
    expect(sim.snapshot().runners).toHaveLength(0);
  });
});
