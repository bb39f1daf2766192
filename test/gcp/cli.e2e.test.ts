import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterEach, describe, expect, it } from "vitest";
import { type GitHubSim, startGitHubSim } from "../../src/sim/github/index.js";
import { startCli } from "../cli/cli-process.js";
import {
  adcEnv,
  eventually,
  type FakeCloud,
  IMAGE,
  PROJECT,
  startFakeCloud,
  ZONES,
} from "./helpers.js";

/**
 * The built CLI (a child process) with `engine.type: gcp`: the real SDK in the child talks to
 * the GCE fake in this process, whose VMs run their runners against the GitHub simulator.
 */

const TOKEN = "ghp_gcp_cli_e2e_token_value";
const SCALE_SET = "gcp-cli";
const RECORDER = fileURLToPath(new URL("./fixtures/record-modules.mjs", import.meta.url));
const dir = mkdtempSync(join(tmpdir(), "scaleset-gcp-cli-"));

let sim: GitHubSim | undefined;
let cloud: FakeCloud | undefined;
afterEach(async () => {
  await sim?.stop();
  await cloud?.stop();
  sim = undefined;
  cloud = undefined;
});

function config(name: string, githubUrl: string, engine: string): string {
  const path = join(dir, name);
  writeFileSync(
    path,
    `
github: { url: ${githubUrl}, token: env:GITHUB_TOKEN }
scalesets:
  - name: ${SCALE_SET}
    max_runners: 10
    engine: ${engine}
scaler: { reconcile_interval: 2s, shutdown_grace: 5s }
server: { port: 0, host: 127.0.0.1 }
logging: { level: info, format: json }
`,
  );
  return path;
}

/** Env for a child that records the modules it loads. */
function recordingEnv(log: string): Record<string, string> {
  return { NODE_OPTIONS: `--import=${RECORDER}`, MODULE_LOG: log };
}

const loaded = (log: string) => readFileSync(log, "utf8").split("\n");
const computeModules = (log: string) =>
  loaded(log).filter((url) => url.includes("/@google-cloud/compute/"));

describe("scaleset CLI with the gcp engine", () => {
  it("runs jobs on GCE VMs end to end and leaves nothing behind; the SDK is deep-imported", async () => {
    sim = await startGitHubSim({ pat: TOKEN, longPollMs: 500 });
    cloud = await startFakeCloud();
    const engine = `{ type: gcp, gcp: { project: ${PROJECT}, zones: [${ZONES.join(", ")}], image: ${IMAGE}, api_endpoint: "${cloud.sim.url}", api_timeout: 5s } }`;
    const log = join(dir, "modules-gcp.txt");
    const run = startCli(["--config", config("gcp.yaml", sim.configUrl(), engine)], {
      GITHUB_TOKEN: TOKEN,
      ...adcEnv(cloud.credentials),
      ...recordingEnv(log),
    });
    await run.logLine("session created", 20_000);
    const ids = sim.enqueueJobs(SCALE_SET, 4, { durationMs: 100 });
    const done = await sim.waitFor(
      (s) => ids.every((id) => s.jobs.find((j) => j.id === id)?.result === "succeeded"),
      20_000,
    );
    const runners = done.jobs.filter((j) => ids.includes(j.id)).map((j) => j.runnerName);
    expect(new Set(runners).size).toBe(4);
    await eventually("VMs deleted", () => cloud?.sim.instances().length === 0, 10_000);
    await sim.waitFor((s) => s.runners.length === 0, 10_000);
    expect(cloud.sim.counters).toMatchObject({
      inserted: 4,
      deleted: 4,
      expired: 0,
      leakedDisks: 0,
    });
    run.child.kill("SIGTERM");
    expect(await run.exited).toBe(0);
    expect(sim.snapshot().sessions).toHaveLength(0);
    expect(cloud.sim.instances()).toHaveLength(0);
    expect(run.stdout()).not.toContain(TOKEN);
    expect(run.stdout()).not.toMatch(/eyJ[A-Za-z0-9_-]{30,}/); // no JIT config logged
    // Only the two clients were loaded, not the package index (all API versions, 30 MB of protos).
    const compute = computeModules(log);
    expect(compute.some((u) => u.endsWith("/build/src/v1/instances_client.js"))).toBe(true);
    expect(compute.some((u) => u.endsWith("/build/src/v1/zone_operations_client.js"))).toBe(true);
    expect(compute.some((u) => u.endsWith("/build/src/index.js"))).toBe(false);
    expect(compute.some((u) => u.includes("/v1beta/"))).toBe(false);
  });

  it("does not load @google-cloud/compute for `version` or a sim-only config", async () => {
    const versionLog = join(dir, "modules-version.txt");
    const version = startCli(["version"], recordingEnv(versionLog));
    expect(await version.exited).toBe(0);
    expect(loaded(versionLog).length).toBeGreaterThan(10); // the recorder did run
    expect(computeModules(versionLog)).toEqual([]);

    sim = await startGitHubSim({ pat: TOKEN, longPollMs: 300 });
    const simLog = join(dir, "modules-sim.txt");
    const run = startCli(["--config", config("sim.yaml", sim.configUrl(), "{ type: sim }")], {
      GITHUB_TOKEN: TOKEN,
      ...recordingEnv(simLog),
    });
    await run.logLine("session created", 20_000);
    run.child.kill("SIGTERM");
    expect(await run.exited).toBe(0);
    expect(loaded(simLog).some((u) => u.includes("/engines/sim/"))).toBe(true);
    expect(computeModules(simLog)).toEqual([]);
    expect(
      loaded(simLog).some((u) => u.includes("google-auth-library") || u.includes("google-gax")),
    ).toBe(false);
  });
});
