import { ScalesetApp } from "../app/app.js";
import { loadConfig } from "../config/index.js";
import { type GitHubSim, startGitHubSim } from "../sim/github/index.js";
import { startJobStream } from "../sim/job-stream.js";
import { startObservability } from "./bootstrap.js";
import {
  checkDemoArgs,
  type DemoArgs,
  type DemoOptions,
  type DemoStage,
  DemoUsageError,
  describeDemoFailure,
  type LogFormat,
} from "./demo-args.js";
import { startDemoCloud } from "./demo-clouds.js";
import { formatSummary, leakReport } from "./demo-summary.js";
import { runUntilStopped } from "./lifecycle.js";

export type { DemoArgs } from "./demo-args.js";

const DEMO_TOKEN = "ghp_scaleset_demo_token";
const DEMO_SCALE_SET = "scaleset-demo";
/** With --telemetry, metrics go out this often (a 35 s demo sends 7 batches, not 1). */
const DEMO_METRIC_EXPORT_INTERVAL = "5s";

type Stop = () => unknown;

/**
 * `scaleset demo`: the real app (client, listener, scaler) against the GitHub simulator and the
 * sim engine, fed by a steady stream of jobs. With --jobs N it stops once N jobs completed and
 * every machine is gone, and exits non-zero if anything leaked. Any error ends it at once with
 * one line and a non-zero exit, after stopping everything it had started.
 */
export async function demoCommand(args: DemoArgs): Promise<number> {
  let options: DemoOptions;
  try {
    options = checkDemoArgs(args, process.stdout.isTTY === true);
  } catch (error) {
    if (!(error instanceof DemoUsageError)) throw error;
    process.stderr.write(`error: ${error.message}\n`);
    return 2;
  }
  // What started, stopped in reverse order however the demo ends.
  const started: Stop[] = [];
  const stage: { now: DemoStage } = { now: "simulators" };
  try {
    return await runDemo(args, options, started, stage);
  } catch (error) {
    process.stderr.write(`error: ${describeDemoFailure(error, stage.now)}\n`);
    return 1;
  } finally {
    for (const stop of started.reverse()) {
      try {
        await stop();
      } catch {
        // Stopping the rest matters more than why one part did not stop cleanly.
      }
    }
  }
}

async function runDemo(
  args: DemoArgs,
  options: DemoOptions,
  started: Stop[],
  stage: { now: DemoStage },
): Promise<number> {
  const sim = await startGitHubSim({ pat: DEMO_TOKEN, longPollMs: 10_000 });
  started.push(() => sim.stop());
  const demoCloud = await startDemoCloud(args.engine);
  started.push(() => demoCloud.stop());
  Object.assign(process.env, demoCloud.env);
  const port = args.port ?? (process.env.PORT ? Number(process.env.PORT) : 8080);
  const config = await loadConfig({
    yamlText: demoYaml({
      configUrl: sim.configUrl(),
      maxRunners: args["max-runners"],
      port,
      engineYaml: demoCloud.engineYaml,
      costYaml: demoCloud.costYaml,
      telemetry: args.telemetry === true,
      logFormat: options.logFormat,
    }),
    env: { ...process.env, GITHUB_TOKEN: DEMO_TOKEN, PORT: String(port) },
  });
  stage.now = "telemetry";
  const { telemetry, logger } = await startObservability(config);
  started.push(() => telemetry.shutdown(2_000));
  stage.now = "scaler";
  const app = new ScalesetApp({ config, logger, simCloud: demoCloud.simCloud, telemetry });
  started.push(() => app.stop(2_000)); // a no-op after a graceful stop
  const stream = startJobStream(sim, {
    labels: [DEMO_SCALE_SET],
    ratePerSecond: args.rate,
    durationMs: options.durationMs,
    maxJobs: args.jobs,
  });
  started.push(() => stream.stop());
  const startedAt = Date.now();
  if (!args.quiet) {
    const summary = setInterval(async () => {
      const machines = await demoCloud.liveMachines().catch(() => -1);
      process.stderr.write(`${formatSummary(startedAt, sim.snapshot(), machines, app)}\n`);
    }, 1000);
    started.push(() => clearInterval(summary));
  }
  const target = args.jobs;
  let finished: Promise<void> | undefined;
  if (target !== undefined) {
    const completed = whenCompleted(sim, target);
    started.push(completed.cancel);
    finished = completed.done.then(() =>
      waitUntil(async () => (await demoCloud.liveMachines()) === 0 && idleScaler(app), 60_000),
    );
  }
  const code = await runUntilStopped(app, {
    logger,
    graceMs: config.scaler.shutdownGrace,
    telemetry,
    until: finished,
  });
  stream.stop();
  const report = leakReport(sim.snapshot(), await demoCloud.liveMachines());
  process.stderr.write(`${report.text}\n`);
  return code === 0 && (target === undefined || report.clean) ? code : 1;
}

/** Resolves once `target` jobs completed; `cancel` drops the subscription (nothing lingers). */
function whenCompleted(sim: GitHubSim, target: number): { done: Promise<void>; cancel: Stop } {
  let unsubscribe: () => void = () => undefined;
  let timer: NodeJS.Timeout | undefined;
  const cancel = () => {
    unsubscribe();
    clearTimeout(timer);
  };
  const done = new Promise<void>((resolve) => {
    const check = () => {
      timer = undefined;
      if (sim.snapshot().jobs.filter((j) => j.state === "completed").length < target) return;
      cancel();
      resolve();
    };
    // Coalesced: a burst of changes builds one snapshot.
    unsubscribe = sim.onChange(() => {
      timer ??= setTimeout(check, 50);
    });
    check();
  });
  return { done, cancel };
}

function idleScaler(app: ScalesetApp): boolean {
  return app.units.every((u) => {
    const s = u.scaler?.snapshot();
    return !s || (s.createQueue === 0 && s.deleteQueue === 0);
  });
}

async function waitUntil(predicate: () => Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await predicate()) && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 100));
  }
}

export interface DemoYamlOptions {
  configUrl: string;
  maxRunners: number;
  port: number;
  engineYaml: string;
  costYaml?: string;
  telemetry: boolean;
  logFormat: LogFormat;
}

/** The demo's config. OTEL_* variables still override its telemetry section. */
export function demoYaml(o: DemoYamlOptions): string {
  const telemetry = [
    ...(o.telemetry ? ["enabled: true"] : []),
    `metric_export_interval: ${DEMO_METRIC_EXPORT_INTERVAL}`,
  ];
  return [
    "github:",
    `  url: ${o.configUrl}`,
    "  token: env:GITHUB_TOKEN",
    "scalesets:",
    `  - name: ${DEMO_SCALE_SET}`,
    "    min_runners: 0",
    `    max_runners: ${o.maxRunners}`,
    "    idle_timeout: 30s",
    `    engine: ${o.engineYaml}`,
    ...(o.costYaml ? [`    cost: ${o.costYaml}`] : []),
    "scaler: { reconcile_interval: 30s, shutdown_grace: 10s }",
    `server: { port: ${o.port}, host: 127.0.0.1 }`,
    `logging: { format: ${o.logFormat} }`,
    `telemetry: { ${telemetry.join(", ")} }`,
    "",
  ].join("\n");
}
