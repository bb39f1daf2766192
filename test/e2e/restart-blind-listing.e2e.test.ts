import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { type GitHubSim, startGitHubSim } from "../../src/sim/github/index.js";
import { type CliRun, logLines, startCli } from "../cli/cli-process.js";
import {
  adcEnv,
  eventually,
  type FakeCloud,
  IMAGE,
  PROJECT,
  startFakeCloud,
  ZONES,
} from "../gcp/helpers.js";

/**
 * Issue 11 §1, reproduced with the real CLI: long jobs run on GCE VMs, the scaler is SIGKILLed
 * and started again (a redeploy), and GitHub's unfiltered runner listing now answers an empty
 * page and agent objects carry no `status`/`busy`. The new process must delete no VM under a
 * running job, and every job must succeed.
 */

const TOKEN = "ghp_blind_listing_restart_token";
const SCALE_SET = "blind-restart";
const JOBS = 8;
const dir = mkdtempSync(join(tmpdir(), "scaleset-blind-"));

let sim: GitHubSim | undefined;
let cloud: FakeCloud | undefined;
const runs: CliRun[] = [];
afterEach(async () => {
  for (const run of runs.splice(0)) run.child.kill("SIGKILL");
  await sim?.stop();
  await cloud?.stop();
});

function writeConfig(githubUrl: string, gceUrl: string): string {
  const path = join(dir, "config.yaml");
  writeFileSync(
    path,
    `
github: { url: ${githubUrl}, token: env:GITHUB_TOKEN }
scalesets:
  - name: ${SCALE_SET}
    max_runners: ${JOBS}
    idle_timeout: 1s
    engine:
      type: gcp
      gcp: { project: ${PROJECT}, zones: [${ZONES.join(", ")}], image: ${IMAGE}, api_endpoint: "${gceUrl}", api_timeout: 10s }
scaler: { reconcile_interval: 1s, shutdown_grace: 5s, session_conflict_wait: 200ms }
server: { port: 0, host: 127.0.0.1 }
logging: { level: info, format: json }
`,
  );
  return path;
}

describe("restart with a blind runner listing (real CLI, GCE fake)", () => {
  it("kills no running job: every busy VM is confirmed by name and adopted, every job succeeds", {
    timeout: 300_000,
  }, async () => {
    // A SIGKILLed session is replaced after 1 s without polls instead of GitHub's minutes.
    sim = await startGitHubSim({ pat: TOKEN, longPollMs: 500, sessionIdleTimeoutMs: 1000 });
    cloud = await startFakeCloud();
    const gce = cloud.sim;
    const config = writeConfig(sim.configUrl(), gce.url);
    const env = { GITHUB_TOKEN: TOKEN, ...adcEnv(cloud.credentials) };

    const first = startCli(["--config", config], env);
    runs.push(first);
    await first.logLine("session created", 30_000);
    const ids = sim.enqueueJobs(SCALE_SET, JOBS, { durationMs: 40_000 });
    await sim.waitFor((s) => s.jobs.filter((j) => j.state === "running").length === JOBS, 60_000);
    first.child.kill("SIGKILL");
    await first.exited;
    expect(gce.counters.deleted).toBe(0);

    sim.faults.agentListing("empty");
    sim.faults.agentStatus(false);
    const second = startCli(["--config", config], env);
    runs.push(second);
    await second.logLine("session created", 30_000);
    await eventually(
      "every busy VM adopted",
      () => logLines(second).filter((r) => r.msg === "reconcile: adopted machine").length === JOBS,
      30_000,
    );
    // Not vacuous: the jobs were still running when the new process judged their VMs …
    expect(sim.snapshot().jobs.filter((j) => j.state === "running")).toHaveLength(JOBS);
    // … and several more passes over the blind listing change nothing.
    const listsBefore = gce.requests.filter((r) => r.path.includes("/aggregated/")).length;
    await eventually(
      "three more reconcile passes",
      () => gce.requests.filter((r) => r.path.includes("/aggregated/")).length >= listsBefore + 3,
      30_000,
    );
    expect(gce.counters.deleted).toBe(0);
    expect(sim.faults.applied.blindAgentListings).toBeGreaterThan(0);
    expect(sim.faults.applied.agentsWithoutStatus).toBeGreaterThan(0);

    const done = await sim.waitFor(
      (s) => ids.every((id) => s.jobs.find((j) => j.id === id)?.state === "completed"),
      90_000,
    );
    const results = done.jobs.filter((j) => ids.includes(j.id)).map((j) => j.result);
    expect(results).toEqual(Array(JOBS).fill("succeeded"));
    // Each VM goes once its own job completed (JobCompleted is the proof), none before.
    await eventually("VMs deleted after their jobs", () => gce.instances().length === 0, 30_000);
    expect(gce.counters.deleted).toBe(JOBS);
    const deletes = logLines(second).filter((r) => r.msg === "reconcile: deleting machine");
    expect(deletes).toEqual([]);
    second.child.kill("SIGTERM");
    expect(await second.exited).toBe(0);
    expect(second.stdout()).not.toContain(TOKEN);
  });
});
