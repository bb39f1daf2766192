import pino from "pino";
import { afterAll, describe, expect, it } from "vitest";
import { ScalesetApp } from "../../src/app/app.js";
import { loadConfig } from "../../src/config/index.js";
import { deploymentScope } from "../../src/engines/deployment-scope.js";
import type { ScalerEvent } from "../../src/scaler/events.js";
import { type GitHubSim, startGitHubSim } from "../../src/sim/github/index.js";
import {
  eventually,
  type FakeCloud,
  IMAGE,
  LogSink,
  makeEngine,
  PROJECT,
  runnerName,
  SCALE_SET,
  startFakeCloud,
  ZONES,
} from "./helpers.js";

/**
 * A scaler restarted while its VMs run jobs: the new process finds them by label, adopts the
 * ones whose runners are busy, deletes the one without a purpose, and leaves nothing behind —
 * but never touches a VM of another deployment that uses the same scale set name.
 */

const TOKEN = "ghp_gcp_restart_test_token";
let sim: GitHubSim | undefined;
let cloud: FakeCloud | undefined;
afterAll(async () => {
  await sim?.stop();
  await cloud?.stop();
});

function yaml(githubUrl: string, gceUrl: string): string {
  return `
github: { url: ${githubUrl}, token: env:GITHUB_TOKEN }
scalesets:
  - name: ${SCALE_SET}
    max_runners: 10
    idle_timeout: 2s
    engine:
      type: gcp
      gcp: { project: ${PROJECT}, zones: [${ZONES.join(", ")}], image: ${IMAGE}, api_endpoint: "${gceUrl}", api_timeout: 5s }
scaler: { reconcile_interval: 1s, shutdown_grace: 5s, session_conflict_wait: 200ms }
server: { port: 0, host: 127.0.0.1 }
logging: { level: info, format: json }
`;
}

async function startApp(events: ScalerEvent[], logs: LogSink): Promise<ScalesetApp> {
  const config = await loadConfig({
    yamlText: yaml((sim as GitHubSim).configUrl(), (cloud as FakeCloud).sim.url),
    env: { GITHUB_TOKEN: TOKEN },
    stdoutIsTTY: false,
  });
  const app = new ScalesetApp({
    config,
    logger: pino({ level: "debug" }, logs),
    observer: (e) => events.push(e),
    tuning: { conflictRetryMs: [100, 200], errorRetryBaseMs: 50, watchdogMs: 10_000 },
    retry: { maxRetries: 4, minDelayMs: 20, maxDelayMs: 200 },
  });
  await app.start();
  return app;
}

describe("restart and adopt with the gcp engine", () => {
  it("a new process adopts busy VMs, deletes a stray one, and cleans up after the jobs", async () => {
    sim = await startGitHubSim({ pat: TOKEN, longPollMs: 400 });
    cloud = await startFakeCloud();
    const logs = new LogSink();
    const firstEvents: ScalerEvent[] = [];
    const first = await startApp(firstEvents, logs);
    const ids = sim.enqueueJobs(SCALE_SET, 2, { durationMs: 2500 });
    await sim.waitFor((s) => s.jobs.filter((j) => j.state === "running").length === 2, 15_000);
    await first.stop(5000); // busy VMs are left running for the next process
    const busy = cloud.sim.instances();
    expect(busy.map((vm) => vm.status)).toEqual(["RUNNING", "RUNNING"]);

    // A VM of this deployment that no runner registration explains (e.g. a crashed create),
    // and one of another deployment with the same scale set name, whose runner is also unknown
    // here: the first is deleted, the second is not this process's to touch.
    const vm = (name: string) => ({
      runnerName: name,
      jitConfig: "not-a-jit-config",
      scaleSetId: 1,
      scaleSetName: SCALE_SET,
      labels: [],
    });
    const deployment = deploymentScope(sim.configUrl(), SCALE_SET);
    const stray = await makeEngine(cloud.sim, {}, { deployment });
    const strayName = runnerName();
    await stray.create(vm(strayName));
    await stray.close();
    const neighbour = await makeEngine(cloud.sim, {}, { deployment: "another-org-gcp-linux" });
    const foreign = await neighbour.create(vm(runnerName()));

    const events: ScalerEvent[] = [];
    const second = await startApp(events, logs);
    try {
      const done = await sim.waitFor(
        (s) => ids.every((id) => s.jobs.find((j) => j.id === id)?.result === "succeeded"),
        15_000,
      );
      expect(
        done.jobs
          .filter((j) => ids.includes(j.id))
          .map((j) => j.runnerName)
          .sort(),
      ).toEqual(busy.map((vm) => vm.name).sort());
      await eventually(
        "every VM of this deployment deleted",
        () => cloud?.sim.instances().length === 1,
        10_000,
      );
      expect(cloud.sim.instances()[0]?.name).toBe(foreign.runnerName);
      await eventually(
        "every registration removed",
        () => sim?.snapshot().runners.length === 0,
        10_000,
      );
      const adopted = events
        .filter((e) => e.type === "state" && e.adopted === true)
        .map((e) => e.runner);
      for (const vm of busy) expect(adopted).toContain(vm.name);
      // The fake drops a VM when its delete operation is DONE, a moment before the engine's wait
      // returns and the scaler reports it.
      const deleted = () => events.filter((e) => e.type === "machine-deleted").map((e) => e.runner);
      const expected = [...busy.map((vm) => vm.name), strayName];
      await eventually(
        "deletes reported",
        () => expected.every((n) => deleted().includes(n)),
        5000,
      );
      expect(cloud.sim.counters.deleted).toBe(3);
      expect(events.some((e) => e.type === "machine-deleted" && e.machineId === foreign.id)).toBe(
        false,
      );
    } finally {
      await second.stop(5000);
      await neighbour.delete(foreign.id);
      await neighbour.close();
    }
    expect(sim.snapshot().sessions).toHaveLength(0);
    expect(logs.text()).not.toContain(TOKEN);
    expect(logs.text()).not.toMatch(/eyJ[A-Za-z0-9_-]{30,}/); // no JIT config in any log line
  });
});
