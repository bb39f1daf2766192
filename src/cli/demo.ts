import { ScalesetApp } from "../app/app.js";
import { loadConfig, parseDuration } from "../config/index.js";
import { startGitHubSim } from "../sim/github/index.js";
import { startJobStream } from "../sim/job-stream.js";
import { startObservability } from "./bootstrap.js";
import { startDemoCloud } from "./demo-clouds.js";
import type { DemoEngine } from "./demo-engines.js";
import { formatSummary, leakReport } from "./demo-summary.js";
import { runUntilStopped } from "./lifecycle.js";

const DEMO_TOKEN = "ghp_scaleset_demo_token";
const DEMO_SCALE_SET = "scaleset-demo";

export interface DemoArgs {
  jobs?: number;
  rate: number;
  duration: string;
  "max-runners": number;
  engine: DemoEngine;
  port?: number;
  quiet: boolean;
  /** Export traces and metrics (OTLP to OTEL_EXPORTER_OTLP_ENDPOINT or localhost:4318, Prometheus). */
  telemetry?: boolean;
}

/**
 * `scaleset demo`: the real app (client, listener, scaler) against the GitHub simulator and the
 * sim engine, fed by a steady stream of jobs. With --jobs N it stops once N jobs completed and
 * every machine is gone, and exits non-zero if anything leaked.
 */
export async function demoCommand(args: DemoArgs): Promise<number> {
  const [minDuration, maxDuration] = parseDurationRange(args.duration);
  const sim = await startGitHubSim({ pat: DEMO_TOKEN, longPollMs: 10_000 });
  const demoCloud = await startDemoCloud(args.engine);
  Object.assign(process.env, demoCloud.env);
  const port = args.port ?? (process.env.PORT ? Number(process.env.PORT) : 8080);
  const config = await loadConfig({
    yamlText: demoYaml(
      sim.configUrl(),
      args["max-runners"],
      port,
      demoCloud.engineYaml,
      args.telemetry === true,
    ),
    env: { ...process.env, GITHUB_TOKEN: DEMO_TOKEN, PORT: String(port) },
  });
  const { telemetry, logger } = await startObservability(config);
  const app = new ScalesetApp({ config, logger, simCloud: demoCloud.simCloud, telemetry });
  const stream = startJobStream(sim, {
    labels: [DEMO_SCALE_SET],
    ratePerSecond: args.rate,
    durationMs: [minDuration, maxDuration],
    maxJobs: args.jobs,
  });
  const startedAt = Date.now();
  const summary = args.quiet
    ? undefined
    : setInterval(async () => {
        const machines = await demoCloud.liveMachines().catch(() => -1);
        process.stderr.write(`${formatSummary(startedAt, sim.snapshot(), machines, app)}\n`);
      }, 1000);
  const target = args.jobs;
  const finished =
    target === undefined
      ? undefined
      : sim
          .waitFor(
            (s) => s.jobs.filter((j) => j.state === "completed").length >= target,
            24 * 3_600_000,
          )
          .then(() =>
            waitUntil(
              async () => (await demoCloud.liveMachines()) === 0 && idleScaler(app),
              60_000,
            ),
          );
  try {
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
  } finally {
    if (summary) clearInterval(summary);
    stream.stop();
    await demoCloud.stop();
    await sim.stop();
  }
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

function parseDurationRange(text: string): [number, number] {
  const [a, b = a] = text.split("-", 2);
  const min = parseDuration(a ?? "");
  const max = parseDuration(b ?? "");
  if (max < min) throw new Error(`--duration ${text}: the maximum is shorter than the minimum`);
  return [min, max];
}

function demoYaml(
  configUrl: string,
  maxRunners: number,
  port: number,
  engineYaml: string,
  telemetry: boolean,
): string {
  return [
    "github:",
    `  url: ${configUrl}`,
    "  token: env:GITHUB_TOKEN",
    "scalesets:",
    `  - name: ${DEMO_SCALE_SET}`,
    "    min_runners: 0",
    `    max_runners: ${maxRunners}`,
    "    idle_timeout: 30s",
    `    engine: ${engineYaml}`,
    "scaler: { reconcile_interval: 30s, shutdown_grace: 10s }",
    `server: { port: ${port}, host: 127.0.0.1 }`,
    ...(telemetry ? ["telemetry: { enabled: true }"] : []),
    "",
  ].join("\n");
}
