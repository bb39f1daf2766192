/**
 * Cloud Run (and `docker stop`) send SIGKILL 10 s after SIGTERM. With cloud calls that hang, the
 * process must still delete its session and exit within `scaler.shutdown_grace` plus a little,
 * so a grace of 7 s fits the 10 s window (docs/deploy/cloud-run.md).
 */
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { type GitHubSim, startGitHubSim } from "../../src/sim/github/index.js";
import { startCli } from "../cli/cli-process.js";

const TOKEN = "ghp_shutdown_budget_token";
let sim: GitHubSim | null = null;
afterEach(async () => {
  await sim?.stop();
  sim = null;
});

describe("SIGTERM with cloud calls in flight", () => {
  it("deletes the session and exits 0 within shutdown_grace", async () => {
    const graceMs = 2000;
    sim = await startGitHubSim({ pat: TOKEN, longPollMs: 300 });
    const path = join(mkdtempSync(join(tmpdir(), "scaleset-budget-")), "config.yaml");
    writeFileSync(
      path,
      `github: { url: ${sim.configUrl()}, token: env:GITHUB_TOKEN }
scalesets:
  - name: budget
    engine: { type: sim, sim: { boot_delay: 1s, create_delay: 60s } }
scaler: { shutdown_grace: ${graceMs}ms, session_conflict_wait: 1s }
server: { port: 0, host: 127.0.0.1 }
logging: { level: info, format: json }
`,
    );
    const run = startCli(["--config", path], { GITHUB_TOKEN: TOKEN });
    try {
      await run.logLine("session created");
      sim.enqueueJobs("budget", 3, { durationMs: 100 });
      // Runners registered: their (60 s) machine creates are now in flight.
      await sim.waitFor((s) => s.runners.length === 3, 10_000);
      const signalledAt = Date.now();
      run.child.kill("SIGTERM");
      const code = await run.exited;
      const tookMs = Date.now() - signalledAt;
      expect(code).toBe(0);
      expect(tookMs).toBeLessThan(graceMs + 1500);
      expect(sim.snapshot().sessions).toHaveLength(0);
      expect(run.stdout()).toContain('"msg":"session deleted"');
    } finally {
      if (run.child.exitCode === null) run.child.kill("SIGKILL");
    }
  }, 30_000);
});
