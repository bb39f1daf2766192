import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { type Ec2Sim, startEc2Sim } from "../../src/sim/ec2/index.js";
import { type GitHubSim, startGitHubSim } from "../../src/sim/github/index.js";
import { CLI } from "../cli/cli-process.js";
import { AWS_TEST_ENV, writeCliConfig } from "./helpers.js";

const TOKEN = "ghp_ec2_cli_secret_token";
const SCALE_SET = "ec2-cli";
const dir = mkdtempSync(join(tmpdir(), "scaleset-ec2-cli-"));

/** Reports at exit whether the process resolved @aws-sdk/client-ec2 (sync module hooks, Node ≥ 22.15). */
const HOOK = join(dir, "sdk-probe.mjs");
writeFileSync(
  HOOK,
  `import { registerHooks } from "node:module";
let loaded = false;
registerHooks({ resolve(specifier, context, next) {
  const result = next(specifier, context);
  if (result.url.includes("/@aws-sdk/client-ec2/")) loaded = true;
  return result;
} });
process.on("exit", () => process.stderr.write("\\nAWS_SDK_LOADED=" + loaded + "\\n"));
`,
);

let github: GitHubSim | null = null;
let ec2: Ec2Sim | null = null;
let child: ChildProcess | null = null;
afterEach(async () => {
  child?.kill("SIGKILL");
  child = null;
  await ec2?.stop();
  await github?.stop();
  ec2 = github = null;
});

function start(args: string[], env: Record<string, string>) {
  const proc = spawn(process.execPath, ["--import", HOOK, CLI, ...args], {
    // A minimal env: no registry CA bundles, no ~/.aws, nothing that could reach IMDS.
    env: { PATH: process.env.PATH ?? "", HOME: dir, ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  child = proc;
  let out = "";
  let err = "";
  proc.stdout?.setEncoding("utf8").on("data", (d: string) => {
    out += d;
  });
  proc.stderr?.setEncoding("utf8").on("data", (d: string) => {
    err += d;
  });
  const exited = new Promise<number | string>((resolve) =>
    proc.on("exit", (code, signal) => resolve(code ?? signal ?? -1)),
  );
  return { proc, exited, stdout: () => out, stderr: () => err };
}

async function until(what: string, predicate: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for: ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

const config = (file: string, githubUrl: string, engine: string) =>
  writeCliConfig(dir, file, { githubUrl, scaleSet: SCALE_SET, engine });

describe("scaleset CLI with engine ec2", () => {
  it("runs jobs end to end through the real SDK and the EC2 fake, leaving nothing behind", async () => {
    github = await startGitHubSim({ pat: TOKEN, longPollMs: 500 });
    ec2 = await startEc2Sim({
      subnets: { "subnet-a": "us-east-1a", "subnet-b": "us-east-1b" },
      bootDelayMs: 100,
      shutdownDelayMs: 50,
    });
    ec2.faults.failLaunches({ instanceType: "m7i.large" });
    const engine = `{ type: ec2, ec2: { region: us-east-1, endpoint: "${ec2.url}", image_id: ami-0123456789abcdef0, instance_types: [m7i.large, m6i.large], subnet_ids: [subnet-a, subnet-b], max_run_duration: 10m, call_timeout: 5s } }`;
    const run = start(["--config", config("ec2.yaml", github.configUrl(), engine)], {
      GITHUB_TOKEN: TOKEN,
      ...AWS_TEST_ENV,
    });
    await until("session", () => run.stdout().includes('"msg":"session created"'), 15_000);
    const ids = github.enqueueJobs(SCALE_SET, 5, { durationMs: 100 });
    const done = await github.waitFor(
      (s) => s.jobs.filter((j) => j.state === "completed").length === 5,
      20_000,
    );
    expect(done.jobs.filter((j) => ids.includes(j.id)).every((j) => j.result === "succeeded")).toBe(
      true,
    );
    await until("instances gone", () => ec2?.liveInstances().length === 0, 10_000);
    await github.waitFor((s) => s.runners.length === 0, 10_000);
    const instances = ec2.instances();
    expect(instances).toHaveLength(5);
    expect(instances.every((i) => i.instanceType === "m6i.large")).toBe(true);
    run.proc.kill("SIGTERM");
    expect(await run.exited).toBe(0);
    expect(github.snapshot().sessions).toHaveLength(0);
    // Nothing secret in the logs: no token, no JIT config, no user data.
    const userData = ec2.requests("RunInstances").map((r) => r.params.UserData ?? "");
    expect(userData.filter((u) => u.length > 0)).toHaveLength(ec2.requests("RunInstances").length);
    for (const text of [run.stdout(), run.stderr()]) {
      expect(text).not.toContain(TOKEN);
      expect(text).not.toMatch(/eyJ[A-Za-z0-9_-]{30,}/);
      for (const u of userData) expect(text).not.toContain(u);
    }
    expect(run.stderr()).toContain("AWS_SDK_LOADED=true");
  });

  it("a sim-only process never loads the AWS SDK", async () => {
    github = await startGitHubSim({ pat: TOKEN, longPollMs: 500 });
    const engine = "{ type: sim, sim: { boot_delay: 20ms, create_delay: 5ms } }";
    const run = start(["--config", config("sim.yaml", github.configUrl(), engine)], {
      GITHUB_TOKEN: TOKEN,
    });
    await until("session", () => run.stdout().includes('"msg":"session created"'), 15_000);
    github.enqueueJobs(SCALE_SET, 1, { durationMs: 20 });
    await github.waitFor((s) => s.jobs.some((j) => j.state === "completed"), 10_000);
    run.proc.kill("SIGTERM");
    expect(await run.exited).toBe(0);
    expect(run.stderr()).toContain("AWS_SDK_LOADED=false");
  });

  it("scaleset demo --engine ec2 completes with nothing left behind", async () => {
    const run = start(
      [
        "demo",
        "--engine",
        "ec2",
        "--jobs",
        "4",
        "--rate",
        "20",
        "--duration",
        "50ms-100ms",
        "--port",
        "0",
        "--quiet",
      ],
      {},
    );
    expect(await run.exited).toBe(0);
    expect(run.stderr()).toMatch(
      /demo finished: 4 jobs completed; left behind: 0 machines, 0 runner registrations, 0 sessions/,
    );
    expect(run.stderr()).toContain("AWS_SDK_LOADED=true");
  });
});
