import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { deploymentScope } from "../../src/engines/deployment-scope.js";
import {
  type GceRecordedRequest,
  type GceSim,
  startGceSim,
  writeExternalAccountCredentials,
} from "../../src/sim/gce/index.js";
import { type GitHubSim, startGitHubSim } from "../../src/sim/github/index.js";
import { type CliRun, startCli } from "../cli/cli-process.js";
import { adcEnv, eventually, IMAGE, PROJECT, ZONES } from "./helpers.js";

/**
 * Staging and production: two `scaleset` processes (the built CLI), each with its own GitHub
 * (two simulators, two orgs), the same scale set name, one shared Compute Engine project (one
 * fake). Each reconciles every second and sees VMs whose runners its GitHub does not know — the
 * other deployment's. Neither may delete them; every job on both sides must run to completion.
 * Each process authenticates with its own credential, so the fake's request log says who did what.
 */

const SCALE_SET = "gcp-shared";
const JOBS = 4;
const dir = mkdtempSync(join(tmpdir(), "scaleset-gcp-deployments-"));
const started: Array<{ stop(): Promise<unknown> }> = [];
afterAll(async () => {
  for (const s of started.reverse()) await s.stop();
  rmSync(dir, { recursive: true, force: true });
});

interface Deployment {
  name: string;
  github: GitHubSim;
  scope: string;
  run: CliRun;
}

async function startDeployment(name: string, gce: GceSim): Promise<Deployment> {
  const token = `ghp_${name}_deployments_e2e_token`;
  const github = await startGitHubSim({ pat: token, longPollMs: 500 });
  started.push(github);
  const githubUrl = github.configUrl(`org-${name}`);
  const config = join(dir, `${name}.yaml`);
  writeFileSync(
    config,
    `
github: { url: ${githubUrl}, token: env:GITHUB_TOKEN }
scalesets:
  - name: ${SCALE_SET}
    max_runners: 10
    engine: { type: gcp, gcp: { project: ${PROJECT}, zones: [${ZONES.join(", ")}], image: ${IMAGE}, api_endpoint: "${gce.url}", api_timeout: 5s } }
scaler: { reconcile_interval: 1s, shutdown_grace: 5s }
server: { port: 0, host: 127.0.0.1 }
logging: { level: info, format: json }
`,
  );
  const credentials = writeExternalAccountCredentials(dir, gce.tokenUrl, name);
  const run = startCli(["--config", config], { GITHUB_TOKEN: token, ...adcEnv(credentials) });
  started.push({
    async stop() {
      if (run.child.exitCode === null) run.child.kill("SIGKILL");
    },
  });
  return { name, github, scope: deploymentScope(githubUrl, SCALE_SET), run };
}

const instanceName = (r: GceRecordedRequest) => r.path.split("/").pop() ?? "";

describe("two deployments, one project, one scale set name", () => {
  it("neither deletes the other's VMs, and every job on both runs to completion", async () => {
    const gce = await startGceSim({ zones: ZONES, operationDelayMs: 20, bootDelayMs: 20 });
    started.push(gce);
    const [staging, production] = await Promise.all([
      startDeployment("staging", gce),
      startDeployment("production", gce),
    ]);
    expect(staging.scope).not.toBe(production.scope);
    await Promise.all([staging, production].map((d) => d.run.logLine("session created", 30_000)));

    // Long enough jobs that each side reconciles several times while the other's VMs run.
    const jobs = [staging, production].map((d) =>
      d.github.enqueueJobs(SCALE_SET, JOBS, { durationMs: 4000 }),
    );
    await eventually(
      "both deployments' VMs running side by side",
      () =>
        new Set(gce.instances().map((vm) => vm.labels["scaleset-deployment"])).size === 2 &&
        gce.instances().length >= 2 * JOBS - 2,
      30_000,
    );
    await Promise.all(
      [staging, production].map((d, i) =>
        d.github.waitFor(
          (s) =>
            (jobs[i] ?? []).every((id) => s.jobs.find((j) => j.id === id)?.result === "succeeded"),
          60_000,
        ),
      ),
    );
    await eventually("every VM deleted", () => gce.instances().length === 0, 20_000);

    // Who inserted and who deleted what, from the fake's request log.
    const insertsBy = new Map<string, GceRecordedRequest[]>();
    const labelsOf = new Map<string, Record<string, string>>();
    for (const r of gce.requests.filter(
      (r) => r.method === "POST" && r.path.endsWith("/instances"),
    )) {
      const body = r.body as { name: string; labels: Record<string, string> };
      labelsOf.set(body.name, body.labels);
      insertsBy.set(r.principal ?? "", [...(insertsBy.get(r.principal ?? "") ?? []), r]);
    }
    const deletes = gce.requests.filter((r) => r.method === "DELETE");
    for (const d of [staging, production]) {
      const made = (insertsBy.get(d.name) ?? []).map((r) => (r.body as { name: string }).name);
      expect(made.length, `${d.name} inserts`).toBe(JOBS);
      for (const name of made) expect(labelsOf.get(name)?.["scaleset-deployment"]).toBe(d.scope);
      const deleted = deletes.filter((r) => r.principal === d.name).map(instanceName);
      // Each deleted exactly its own VMs: none of the other deployment's, none left over.
      expect(new Set(deleted), `${d.name} deletes`).toEqual(new Set(made));
      const runners = d.github.snapshot().jobs.map((j) => j.runnerName);
      expect(new Set(runners)).toEqual(new Set(made));
    }
    expect(deletes.every((r) => r.principal === "staging" || r.principal === "production")).toBe(
      true,
    );
    expect(gce.counters).toMatchObject({ inserted: 2 * JOBS, deleted: 2 * JOBS, expired: 0 });

    for (const d of [staging, production]) d.run.child.kill("SIGTERM");
    expect(await Promise.all([staging.run.exited, production.run.exited])).toEqual([0, 0]);
  }, 180_000);
});
