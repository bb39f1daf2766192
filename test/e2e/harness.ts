import pino from "pino";
import { ScalesetApp } from "../../src/app/app.js";
import { loadConfig } from "../../src/config/index.js";
import { SimCloud } from "../../src/engines/sim/sim-cloud.js";
import type { ScalerEvent } from "../../src/scaler/events.js";
import {
  type GitHubSim,
  type GitHubSimOptions,
  type SimSnapshot,
  startGitHubSim,
} from "../../src/sim/github/index.js";

export const SIM_TOKEN = "ghp_e2e_secret_token_value";
export const SCALE_SET = "e2e-linux";

export interface StackOptions {
  sim?: GitHubSimOptions;
  maxRunners?: number;
  minRunners?: number;
  idleTimeout?: string;
  bootDelay?: string;
  cloud?: SimCloud;
}

export function configYaml(url: string, o: StackOptions = {}): string {
  return `
github:
  url: ${url}
  token: env:GITHUB_TOKEN
scalesets:
  - name: ${SCALE_SET}
    min_runners: ${o.minRunners ?? 0}
    max_runners: ${o.maxRunners ?? 50}
    idle_timeout: ${o.idleTimeout ?? "2s"}
    engine: { type: sim, sim: { boot_delay: ${o.bootDelay ?? "50ms"}, create_delay: 10ms } }
scaler: { reconcile_interval: 1s, shutdown_grace: 5s, session_conflict_wait: 200ms }
server: { port: 0, host: 127.0.0.1 }
logging: { level: warn, format: json }
`;
}

/** A log sink that keeps every line, so tests can assert no secret was logged. */
export class LogCapture {
  readonly lines: string[] = [];
  write(chunk: string): boolean {
    this.lines.push(chunk);
    return true;
  }
  text(): string {
    return this.lines.join("");
  }
  /** Every line parsed as a pino JSON record. */
  records(): Array<Record<string, unknown>> {
    return this.text()
      .split("\n")
      .filter((line) => line.trim() !== "")
      .map((line) => JSON.parse(line) as Record<string, unknown>);
  }
}

export interface Stack {
  sim: GitHubSim;
  cloud: SimCloud;
  logs: LogCapture;
  events: ScalerEvent[];
  startApp(): Promise<ScalesetApp>;
  stop(): Promise<void>;
}

/** The GitHub simulator plus a ScalesetApp wired to it with short delays for tests. */
export async function startStack(options: StackOptions = {}): Promise<Stack> {
  const sim = await startGitHubSim({ pat: SIM_TOKEN, longPollMs: 400, ...options.sim });
  const cloud = options.cloud ?? new SimCloud();
  const logs = new LogCapture();
  const events: ScalerEvent[] = [];
  const apps: ScalesetApp[] = [];
  return {
    sim,
    cloud,
    logs,
    events,
    async startApp() {
      const config = await loadConfig({
        yamlText: configYaml(sim.configUrl(), options),
        env: { GITHUB_TOKEN: SIM_TOKEN },
        stdoutIsTTY: false,
      });
      const logger = pino({ level: "debug" }, logs);
      const app = new ScalesetApp({
        config,
        logger,
        simCloud: cloud,
        observer: (e) => events.push(e),
        tuning: { conflictRetryMs: [100, 200], errorRetryBaseMs: 50, watchdogMs: 10_000 },
        retry: { maxRetries: 4, minDelayMs: 20, maxDelayMs: 200 },
      });
      apps.push(app);
      await app.start();
      return app;
    },
    async stop() {
      for (const app of apps) await app.stop(5000);
      await sim.stop();
    },
  };
}

export const completedJobs = (s: SimSnapshot) => s.jobs.filter((j) => j.state === "completed");

/** Polls until `predicate` holds; fails with `what` after `timeoutMs`. */
export async function eventually(
  what: string,
  predicate: () => boolean,
  timeoutMs = 15_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for: ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
