import pino from "pino";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { ScalesetApp } from "../../src/app/app.js";
import { loadConfig } from "../../src/config/index.js";
import { type Ec2Sim, startEc2Sim } from "../../src/sim/ec2/index.js";
import { type GitHubSim, type SimSnapshot, startGitHubSim } from "../../src/sim/github/index.js";
import { eventually } from "../e2e/harness.js";
import { LogCapture, useAwsTestEnv } from "./helpers.js";

const TOKEN = "ghp_ec2_e2e_secret_token";
const SCALE_SET = "ec2-e2e";
const SUBNETS = { "subnet-a": "us-east-1a", "subnet-b": "us-east-1b" };

let github: GitHubSim | null = null;
let ec2: Ec2Sim | null = null;
const apps: ScalesetApp[] = [];
beforeAll(useAwsTestEnv);
afterEach(async () => {
  for (const app of apps.splice(0)) await app.stop(2000);
  await ec2?.stop();
  await github?.stop();
  ec2 = github = null;
});

function yaml(githubUrl: string, ec2Url: string): string {
  return `
github: { url: ${githubUrl}, token: env:GITHUB_TOKEN }
scalesets:
  - name: ${SCALE_SET}
    max_runners: 10
    idle_timeout: 2s
    engine:
      type: ec2
      ec2:
        region: us-east-1
        endpoint: ${ec2Url}
        image_id: ami-0123456789abcdef0
        instance_types: [m7i.large, m6i.large]
        subnet_ids: [subnet-a, subnet-b]
        spot: true
        call_timeout: 5s
scaler: { reconcile_interval: 1s, shutdown_grace: 5s, session_conflict_wait: 200ms }
server: { port: 0, host: 127.0.0.1 }
logging: { level: debug, format: json }
`;
}

async function startApp(gh: GitHubSim, cloud: Ec2Sim, logs: LogCapture): Promise<ScalesetApp> {
  const config = await loadConfig({
    yamlText: yaml(gh.configUrl(), cloud.url),
    env: { GITHUB_TOKEN: TOKEN },
    stdoutIsTTY: false,
  });
  const app = new ScalesetApp({
    config,
    logger: pino({ level: "debug" }, logs),
    tuning: { conflictRetryMs: [100, 200], errorRetryBaseMs: 50, watchdogMs: 10_000 },
    retry: { maxRetries: 4, minDelayMs: 20, maxDelayMs: 200 },
  });
  apps.push(app);
  await app.start();
  return app;
}

const completed = (s: SimSnapshot) => s.jobs.filter((j) => j.state === "completed");

describe("the app on the ec2 engine, EC2 fake and GitHub simulator", () => {
  it("runs jobs on instances that fall back from a spot stockout, and leaks nothing", async () => {
    github = await startGitHubSim({ pat: TOKEN, longPollMs: 400 });
    ec2 = await startEc2Sim({ subnets: SUBNETS, bootDelayMs: 50, shutdownDelayMs: 50 });
    ec2.faults.failLaunches({ market: "spot", availabilityZone: "us-east-1a" });
    const logs = new LogCapture();
    await startApp(github, ec2, logs);
    const ids = github.enqueueJobs(SCALE_SET, 4, { durationMs: 100 });
    const snap = await github.waitFor((s) => completed(s).length === 4, 20_000);
    expect(snap.jobs.every((j) => ids.includes(j.id) && j.result === "succeeded")).toBe(true);
    expect(new Set(snap.jobs.map((j) => j.runnerName)).size).toBe(4);
    await eventually("instances gone", () => ec2?.liveInstances().length === 0);
    await github.waitFor((s) => s.runners.length === 0, 10_000);
    const launched = ec2.instances().filter((i) => i.state === "terminated");
    expect(launched).toHaveLength(4);
    expect(launched.every((i) => i.availabilityZone === "us-east-1b" && i.market === "spot")).toBe(
      true,
    );
    expect(logs.text()).not.toContain(TOKEN);
    expect(logs.text()).not.toMatch(/eyJ[A-Za-z0-9_-]{30,}/); // no JIT config, no JWT
  });

  it("a restarted process adopts the running instances and tears them down when their jobs end", async () => {
    github = await startGitHubSim({ pat: TOKEN, longPollMs: 400 });
    ec2 = await startEc2Sim({ subnets: SUBNETS, bootDelayMs: 50, shutdownDelayMs: 50 });
    const first = await startApp(github, ec2, new LogCapture());
    const ids = github.enqueueJobs(SCALE_SET, 3, { durationMs: 2000 });
    await github.waitFor((s) => s.jobs.filter((j) => j.state === "running").length === 3, 10_000);
    await first.stop(2000); // busy instances stay for the next process
    expect(ec2.liveInstances().map((i) => i.state)).toEqual(["running", "running", "running"]);
    const second = await startApp(github, ec2, new LogCapture());
    expect(second.owner).not.toBe(first.owner);
    await eventually(
      "adopted",
      () => second.status().scalesets[0]?.scaler?.runners.busy === 3,
      5000,
    );
    const snap = await github.waitFor((s) => completed(s).length === 3, 10_000);
    expect(snap.jobs.filter((j) => ids.includes(j.id)).every((j) => j.result === "succeeded")).toBe(
      true,
    );
    await eventually("instances gone", () => ec2?.liveInstances().length === 0);
    await github.waitFor((s) => s.runners.length === 0, 10_000);
    expect(ec2.requests("RunInstances")).toHaveLength(3); // adopted, not relaunched
  });

  it("an instance stopped from outside (EC2 would keep it) is terminated by reconciliation", async () => {
    github = await startGitHubSim({ pat: TOKEN, longPollMs: 400 });
    ec2 = await startEc2Sim({ subnets: SUBNETS, bootDelayMs: 50, shutdownDelayMs: 50 });
    await startApp(github, ec2, new LogCapture());
    github.enqueueJobs(SCALE_SET, 1, { durationMs: 30_000 });
    await github.waitFor((s) => s.jobs.some((j) => j.state === "running"), 10_000);
    const sim = ec2;
    const [instance] = sim.liveInstances();
    sim.stopFromOutside(instance?.id ?? "");
    // Reconciliation may terminate it before this sees "stopped": wait for either, then the end.
    await eventually(
      "stopped",
      () => instance?.state === "stopped" || instance?.state === "terminated",
    );
    await eventually("terminated by scaleset", () => instance?.state === "terminated", 20_000);
    expect(sim.requests("TerminateInstances").map((r) => r.params["InstanceId.1"])).toContain(
      instance?.id,
    );
  });
});
