import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { type GitHubSim, startGitHubSim } from "../../src/sim/github/index.js";
import { configYaml, SCALE_SET, SIM_TOKEN } from "../e2e/harness.js";
import { runCli, startCli } from "./cli-process.js";

const dir = mkdtempSync(join(tmpdir(), "scaleset-cli-"));
let sim: GitHubSim | null = null;
afterEach(async () => {
  await sim?.stop();
  sim = null;
});

function writeConfig(name: string, yaml: string): string {
  const path = join(dir, name);
  writeFileSync(path, yaml);
  return path;
}

const jsonConfig = (url: string) => configYaml(url).replace("level: warn", "level: info");

describe("scaleset CLI", () => {
  it("prints its version", async () => {
    const { code, stdout } = await runCli(["version"]);
    const pkg = JSON.parse(
      readFileSync(new URL("../../package.json", import.meta.url), "utf8"),
    ) as { version: string };
    expect(code).toBe(0);
    expect(stdout.trim()).toBe(`scaleset ${pkg.version}`);
  });

  it("exits 2 on a config error, naming the field and the fix, before touching any API", async () => {
    const path = writeConfig(
      "bad.yaml",
      "github: { url: http://127.0.0.1:1/org, token: env:GITHUB_TOKEN }\nscalesets:\n  - name: a\n    min_runners: 5\n    max_runners: 2\n",
    );
    const { code, stderr } = await runCli(["--config", path], { GITHUB_TOKEN: SIM_TOKEN });
    expect(code).toBe(2);
    expect(stderr).toContain("scalesets[0].max_runners");
    expect(stderr).toMatch(/raise max_runners|lower min_runners/);
    expect(stderr).not.toContain(SIM_TOKEN);
  });

  it("refuses a secret passed as a flag", async () => {
    const path = writeConfig("ok.yaml", configYaml("http://127.0.0.1:1/org"));
    const { code, stderr } = await runCli(["--config", path, "--github.token", "ghp_leaky"], {
      GITHUB_TOKEN: SIM_TOKEN,
    });
    expect(code).toBe(2);
    expect(stderr).toContain("github.token");
    expect(stderr).not.toContain("ghp_leaky");
  });

  it("validate checks credentials without creating anything", async () => {
    sim = await startGitHubSim({ pat: SIM_TOKEN });
    const path = writeConfig("validate.yaml", configYaml(sim.configUrl()));
    const ok = await runCli(["validate", "--config", path], { GITHUB_TOKEN: SIM_TOKEN });
    expect(ok.code).toBe(0);
    expect(ok.stdout).toContain("credentials ok");
    expect(ok.stdout).toContain("will be created on first run");
    const snap = sim.snapshot();
    expect(snap.scaleSets).toHaveLength(0);
    expect(snap.requests.createScaleSet ?? 0).toBe(0);
    const bad = await runCli(["validate", "--config", path], { GITHUB_TOKEN: "ghp_wrong_token" });
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/401/);
    expect(bad.stderr).not.toContain("ghp_wrong_token");
  });

  it("runs jobs in bursts, deletes every machine, and deletes its session on SIGTERM", async () => {
    sim = await startGitHubSim({ pat: SIM_TOKEN, longPollMs: 500 });
    const path = writeConfig("run.yaml", jsonConfig(sim.configUrl()));
    const run = startCli(["--config", path], { GITHUB_TOKEN: SIM_TOKEN });
    const started = await run.logLine("scaleset started");
    await run.logLine("session created");
    const ids = sim.enqueueJobs(SCALE_SET, 15, { durationMs: 100 });
    await new Promise((r) => setTimeout(r, 300));
    ids.push(...sim.enqueueJobs(SCALE_SET, 15, { durationMs: 50 }));
    const done = await sim.waitFor(
      (s) => s.jobs.filter((j) => j.state === "completed").length === 30,
      30_000,
    );
    expect(new Set(done.jobs.map((j) => j.runnerName)).size).toBe(30);
    await sim.waitFor((s) => s.runners.length === 0, 10_000);
    // The scaler drops a runner only after its machine delete succeeded.
    let status: { scalesets: Array<{ scaler: { runners: Record<string, number> } }> } | null = null;
    for (let i = 0; i < 100; i++) {
      status = (await (await fetch(`${started.url}/status`)).json()) as typeof status;
      if (Object.values(status!.scalesets[0]!.scaler.runners).every((n) => n === 0)) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    expect(status!.scalesets[0]!.scaler.runners).toEqual({
      pending: 0,
      booting: 0,
      idle: 0,
      busy: 0,
      deleting: 0,
    });
    expect((await fetch(`${started.url}/readyz`)).status).toBe(200);
    run.child.kill("SIGTERM");
    expect(await run.exited).toBe(0);
    expect(sim.snapshot().sessions).toHaveLength(0);
    expect(run.stdout()).not.toContain(SIM_TOKEN);
    expect(run.stdout()).not.toMatch(/eyJ[A-Za-z0-9_-]{30,}/);
  });

  it("after a crash (SIGKILL), a new process waits out the stale session and removes ghost registrations", async () => {
    // The stale session outlives the restart (a slow start under load must still meet it).
    sim = await startGitHubSim({ pat: SIM_TOKEN, longPollMs: 300, sessionIdleTimeoutMs: 5000 });
    const path = writeConfig("crash.yaml", jsonConfig(sim.configUrl()));
    const first = startCli(["--config", path], { GITHUB_TOKEN: SIM_TOKEN });
    await first.logLine("session created");
    sim.enqueueJobs(SCALE_SET, 4, { durationMs: 60_000 });
    await sim.waitFor((s) => s.jobs.filter((j) => j.state === "running").length === 4, 15_000);
    first.child.kill("SIGKILL");
    expect(await first.exited).toBe("SIGKILL");
    // Its machines died with it; their registrations remain, and so does its session.
    await sim.waitFor((s) => s.runners.every((r) => r.status === "offline"), 5000);
    expect(sim.snapshot().sessions).toHaveLength(1);
    const second = startCli(["--config", path], { GITHUB_TOKEN: SIM_TOKEN });
    await second.logLine("session created", 20_000);
    expect(second.stdout()).toContain("session held elsewhere");
    await sim.waitFor((s) => s.runners.length === 0, 15_000);
    const ids = sim.enqueueJobs(SCALE_SET, 3, { durationMs: 50 });
    await sim.waitFor(
      (s) => ids.every((id) => s.jobs.find((j) => j.id === id)?.result === "succeeded"),
      15_000,
    );
    await sim.waitFor((s) => s.runners.length === 0, 10_000);
    second.child.kill("SIGTERM");
    expect(await second.exited).toBe(0);
    expect(sim.snapshot().sessions).toHaveLength(0);
  });

  it("demo runs to completion with nothing left behind", async () => {
    const { code, stderr } = await runCli([
      "demo",
      "--jobs",
      "6",
      "--rate",
      "20",
      "--duration",
      "50ms-150ms",
      "--port",
      "0",
      "--quiet",
    ]);
    expect(code).toBe(0);
    expect(stderr).toMatch(
      /demo finished: 6 jobs completed; left behind: 0 machines, 0 runner registrations, 0 sessions/,
    );
  });
});
