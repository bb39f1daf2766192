/**
 * Two deployments in one AWS account (two orgs, each with its own scaleset process, GitHub and
 * AWS identity) that use the same scale set name: real CLI processes, the real SDK, one EC2 fake
 * that enforces docs/aws/scaler-policy.json per identity. Before deployment scopes each process
 * listed the other's busy instances as its own machines without a registration and deleted them.
 */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { deploymentScope } from "../../src/engines/deployment-scope.js";
import { type Ec2Sim, startEc2Sim } from "../../src/sim/ec2/index.js";
import { type GitHubSim, startGitHubSim } from "../../src/sim/github/index.js";
import { type CliRun, startCli } from "../cli/cli-process.js";
import { eventually } from "../e2e/harness.js";
import { AWS_TEST_ENV, scalerPolicy, writeCliConfig } from "./helpers.js";

const TOKEN = "ghp_ec2_two_deployments_token";
const SCALE_SET = "ec2-shared-name";
const JOBS = 4;
const dir = mkdtempSync(join(tmpdir(), "scaleset-ec2-deployments-"));

function configFile(file: string, githubUrl: string, ec2Url: string, scaleSetLines: string[]) {
  const engine = `{ type: ec2, ec2: { region: us-east-1, endpoint: "${ec2Url}", image_id: ami-0123456789abcdef0, instance_types: [m7i.large], subnet_ids: [subnet-a, subnet-b], max_run_duration: 10m, call_timeout: 5s } }`;
  return writeCliConfig(dir, file, { githubUrl, scaleSet: SCALE_SET, engine, scaleSetLines });
}

const githubs: GitHubSim[] = [];
const runs: CliRun[] = [];
let ec2: Ec2Sim | null = null;
afterEach(async () => {
  for (const run of runs.splice(0)) run.child.kill("SIGKILL");
  await ec2?.stop();
  ec2 = null;
  for (const github of githubs.splice(0)) await github.stop();
});

describe("two deployments, one scale set name, one AWS account", () => {
  it("each runs its own jobs and never deletes the other's instances", async () => {
    const githubA = await startGitHubSim({ pat: TOKEN, longPollMs: 500, ownerName: "org-a" });
    const githubB = await startGitHubSim({ pat: TOKEN, longPollMs: 500, ownerName: "org-b" });
    githubs.push(githubA, githubB);
    // A names its scope (as the docs recommend with the policy); B uses the derived one.
    const scopeA = "org-a-ci";
    const urlB = githubB.configUrl("org-b");
    const scopeB = deploymentScope(urlB, SCALE_SET);
    const keyA = "AKIDDEPLOYMENTA";
    const keyB = "AKIDDEPLOYMENTB";
    ec2 = await startEc2Sim({
      subnets: { "subnet-a": "us-east-1a", "subnet-b": "us-east-1b" },
      bootDelayMs: 100,
      shutdownDelayMs: 50,
      iam: { [keyA]: scalerPolicy(scopeA, SCALE_SET), [keyB]: scalerPolicy(scopeB, SCALE_SET) },
    });
    const env = (key: string) => ({ GITHUB_TOKEN: TOKEN, ...AWS_TEST_ENV, AWS_ACCESS_KEY_ID: key });
    const configA = configFile("a.yaml", githubA.configUrl("org-a"), ec2.url, [
      `deployment: ${scopeA}`,
    ]);
    const configB = configFile("b.yaml", urlB, ec2.url, []);
    const a = startCli(["--config", configA], env(keyA));
    const b = startCli(["--config", configB], env(keyB));
    runs.push(a, b);
    await a.logLine("session created", 20_000);
    await b.logLine("session created", 20_000);

    // Long enough jobs that both deployments' instances are busy through several reconciles.
    githubA.enqueueJobs(SCALE_SET, JOBS, { durationMs: 3000 });
    githubB.enqueueJobs(SCALE_SET, JOBS, { durationMs: 3000 });
    const sim = ec2;
    const running = (scope: string) =>
      sim
        .instances()
        .filter((i) => i.state === "running" && i.tags["scaleset-deployment"] === scope).length;
    await eventually(
      "both deployments busy at once",
      () => running(scopeA) > 0 && running(scopeB) > 0,
      20_000,
    );

    for (const github of [githubA, githubB]) {
      const snap = await github.waitFor(
        (s) => s.jobs.filter((j) => j.state === "completed").length === JOBS,
        40_000,
      );
      expect(snap.jobs.every((j) => j.result === "succeeded")).toBe(true);
    }
    await eventually("instances gone", () => sim.liveInstances().length === 0, 20_000);

    const instances = sim.instances();
    expect(instances.filter((i) => i.tags["scaleset-deployment"] === scopeA)).toHaveLength(JOBS);
    expect(instances.filter((i) => i.tags["scaleset-deployment"] === scopeB)).toHaveLength(JOBS);
    // Every termination came from the instance's own deployment — none was even attempted
    // across (the policy would have answered 403), and every launch carried the caller's scope.
    const scopeOfKey: Record<string, string> = { [keyA]: scopeA, [keyB]: scopeB };
    const tagOf = (id: string | undefined) =>
      instances.find((i) => i.id === id)?.tags["scaleset-deployment"];
    for (const r of sim.requests("TerminateInstances")) {
      expect(tagOf(r.params["InstanceId.1"])).toBe(scopeOfKey[r.accessKeyId ?? ""]);
    }
    expect(sim.requests().filter((r) => r.errorCode === "UnauthorizedOperation")).toEqual([]);
    expect(sim.requests("RunInstances").every((r) => r.status === 200)).toBe(true);

    a.child.kill("SIGTERM");
    b.child.kill("SIGTERM");
    expect([await a.exited, await b.exited]).toEqual([0, 0]);
  }, 120_000);
});
