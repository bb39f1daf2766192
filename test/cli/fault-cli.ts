/**
 * The real CLI against the GitHub simulator, for the fault tests (shutdown, poll timeout,
 * poison message, kill between ack and acquire): config, start, status and readiness probes.
 */
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach } from "vitest";
import {
  type GitHubSim,
  type GitHubSimOptions,
  startGitHubSim,
} from "../../src/sim/github/index.js";
import { type CliRun, startCli } from "./cli-process.js";

export const TOKEN = "ghp_fault_cli_token_0123456789";

export interface FaultCliOptions {
  scaleSet: string;
  graceMs?: number;
  /** `scaler.poll_timeout` (default: the config default, 65 s). */
  pollTimeout?: string;
  /** Extra YAML appended at the top level (e.g. a telemetry section). */
  extraYaml?: string;
  env?: Record<string, string>;
}

export function writeConfig(sim: GitHubSim, o: FaultCliOptions): string {
  const path = join(mkdtempSync(join(tmpdir(), "scaleset-fault-")), "config.yaml");
  writeFileSync(
    path,
    `github: { url: ${sim.configUrl()}, token: env:GITHUB_TOKEN }
scalesets:
  - name: ${o.scaleSet}
    max_runners: 5
    engine: { type: sim, sim: { boot_delay: 200ms, create_delay: 10ms } }
scaler: { shutdown_grace: ${o.graceMs ?? 8000}ms, session_conflict_wait: 1s, reconcile_interval: 10m${o.pollTimeout ? `, poll_timeout: ${o.pollTimeout}` : ""} }
server: { port: 0, host: 127.0.0.1 }
logging: { level: info, format: json }
${o.extraYaml ?? ""}`,
  );
  return path;
}

export interface RunningCli {
  run: CliRun;
  url: string;
}

/** Starts the CLI and waits for its status server and its first session. */
export async function startFaultCli(sim: GitHubSim, o: FaultCliOptions): Promise<RunningCli> {
  const run = startCli(["--config", writeConfig(sim, o)], { GITHUB_TOKEN: TOKEN, ...o.env });
  const started = await run.logLine("scaleset started", 20_000);
  await run.logLine("session created", 20_000);
  return { run, url: String(started.url) };
}

export interface ListenerView {
  phase: string;
  droppedMessages: number;
  unansweredPolls: number;
}

export async function listenerOf(cli: RunningCli): Promise<ListenerView> {
  const res = await fetch(`${cli.url}/status`, { signal: AbortSignal.timeout(2_000) });
  const body = (await res.json()) as { scalesets: Array<{ listener: ListenerView }> };
  return body.scalesets[0]!.listener;
}

export async function readyz(cli: RunningCli): Promise<{ status: number; reasons: string[] }> {
  const res = await fetch(`${cli.url}/readyz`, { signal: AbortSignal.timeout(2_000) });
  const body = (await res.json()) as { reasons: string[] };
  return { status: res.status, reasons: body.reasons };
}

/** Re-evaluates `probe` every 50 ms (a condition, not a sleep) until it holds. */
export async function until<T>(
  what: string,
  probe: () => Promise<T | undefined>,
  timeoutMs = 20_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe().catch(() => undefined);
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

export { logLines } from "./cli-process.js";

/**
 * The simulator and the CLIs of one test, torn down after each test of the file (a CLI still
 * running is killed). Call at the top level of a test file.
 */
export function faultStage() {
  let sim: GitHubSim | null = null;
  const clis: RunningCli[] = [];
  afterEach(async () => {
    for (const c of clis.splice(0)) if (c.run.child.exitCode === null) c.run.child.kill("SIGKILL");
    await sim?.stop();
    sim = null;
  });
  return {
    async startSim(options: GitHubSimOptions = {}): Promise<GitHubSim> {
      sim = await startGitHubSim({ pat: TOKEN, ...options });
      return sim;
    },
    async startCli(o: FaultCliOptions): Promise<RunningCli> {
      if (!sim) throw new Error("start the simulator first");
      const cli = await startFaultCli(sim, o);
      clis.push(cli);
      return cli;
    },
  };
}
