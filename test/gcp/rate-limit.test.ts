import pino from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ScalesetApp } from "../../src/app/app.js";
import { loadConfig } from "../../src/config/index.js";
import type { ScalerEvent } from "../../src/scaler/events.js";
import { type GitHubSim, startGitHubSim } from "../../src/sim/github/index.js";
import {
  eventually,
  type FakeCloud,
  IMAGE,
  inserts,
  LogSink,
  PROJECT,
  SCALE_SET,
  startFakeCloud,
  ZONES,
} from "./helpers.js";

/**
 * The reproduced incident: Compute answered the first 4 `instances.insert` calls with its real
 * synchronous `403 rateLimitExceeded`. Read as PERMISSION_DENIED (not retryable), 6 of 8 jobs
 * waited forever. Here the whole stack runs — scaler, gcp engine, real SDK, GCE fake — and every
 * job must get its VM within seconds of the quota refilling.
 */

const TOKEN = "ghp_gcp_rate_limit_test_token";
let sim: GitHubSim;
let cloud: FakeCloud;
let app: ScalesetApp;
const events: ScalerEvent[] = [];
const logs = new LogSink();

beforeAll(async () => {
  sim = await startGitHubSim({ pat: TOKEN, longPollMs: 400 });
  cloud = await startFakeCloud();
  const config = await loadConfig({
    yamlText: `
github: { url: ${sim.configUrl()}, token: env:GITHUB_TOKEN }
scalesets:
  - name: ${SCALE_SET}
    max_runners: 10
    engine:
      type: gcp
      gcp: { project: ${PROJECT}, zones: [${ZONES.join(", ")}], image: ${IMAGE}, api_endpoint: "${cloud.sim.url}", api_timeout: 5s }
scaler: { reconcile_interval: 2s, shutdown_grace: 5s }
server: { port: 0, host: 127.0.0.1 }
logging: { level: info, format: json }
`,
    env: { GITHUB_TOKEN: TOKEN },
    stdoutIsTTY: false,
  });
  app = new ScalesetApp({
    config,
    logger: pino({ level: "debug" }, logs),
    observer: (e) => events.push(e),
  });
  await app.start();
});
afterAll(async () => {
  await app?.stop(5000);
  await sim?.stop();
  await cloud?.stop();
});

/** Jobs `ids` all succeeded; resolves with ms since `since`. */
async function allSucceeded(ids: string[], since: number, timeoutMs: number): Promise<number> {
  await sim.waitFor(
    (s) => ids.every((id) => s.jobs.find((j) => j.id === id)?.result === "succeeded"),
    timeoutMs,
  );
  return Date.now() - since;
}

function limitInserts(count: number): void {
  cloud.sim.faults.rateLimits = count;
  cloud.sim.faults.rateLimitsOn = /^POST .*\/instances$/;
}

describe("Compute rate-limits the first inserts (403 rateLimitExceeded)", () => {
  it("8 jobs, 4 rate-limited inserts: the refused creates are retried and every job runs", async () => {
    limitInserts(4);
    const before = inserts(cloud.sim).length;
    const started = Date.now();
    const ids = sim.enqueueJobs(SCALE_SET, 8, { durationMs: 200 });
    await eventually("a first VM", () => cloud.sim.instances().length > 0, 30_000);
    const firstVm = Date.now() - started;
    const allDone = await allSucceeded(ids, started, 60_000);
    console.log(
      `rate limit, 8 jobs: first VM after ${firstVm} ms, all 8 jobs done after ${allDone} ms`,
    );
    expect(cloud.sim.faults.rateLimits).toBe(0); // all 4 refusals were served
    const refused = events.filter((e) => e.type === "create-failed");
    expect(refused).toHaveLength(4);
    expect(refused.every((e) => e.code === "RATE_LIMITED" && e.retryable)).toBe(true);
    expect(inserts(cloud.sim).length - before).toBe(12); // 8 VMs + 4 refused attempts
    expect(firstVm).toBeLessThan(10_000);
    await eventually("VMs deleted", () => cloud.sim.instances().length === 0, 15_000);
    expect(cloud.sim.counters.inserted).toBe(8);
  }, 120_000);

  it("1 job whose first 4 inserts are refused: its VM comes after the scaler's backoff, in seconds", async () => {
    limitInserts(4);
    const started = Date.now();
    const [id] = sim.enqueueJobs(SCALE_SET, 1, { durationMs: 200 });
    await eventually("the VM", () => cloud.sim.instances().length > 0, 60_000);
    const firstVm = Date.now() - started;
    await allSucceeded([id as string], started, 30_000);
    // Backoff steps of 1, 2, 4 and 8 s (±20 %) after the four refusals: about 15 s.
    console.log(`rate limit, 1 job refused 4 times: VM after ${firstVm} ms`);
    expect(firstVm).toBeLessThan(40_000);
    expect(logs.text()).toContain('"code":"RATE_LIMITED"');
    expect(logs.text()).not.toMatch(/eyJ[A-Za-z0-9_-]{30,}/); // no JIT config in any log line
  }, 120_000);
});
