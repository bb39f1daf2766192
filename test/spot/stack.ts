/**
 * The whole scaler (ScalesetApp) on the gcp engine, with the real Compute client against the GCE
 * fake and the GitHub simulator: what the spot end-to-end tests drive. Every event of the
 * scaler and the spot side is kept with its time, as a trace of what happened.
 */
import pino from "pino";
import { ScalesetApp } from "../../src/app/app.js";
import { loadConfig } from "../../src/config/index.js";
import type { ScalerEvent } from "../../src/scaler/events.js";
import { type Ec2Sim, startEc2Sim } from "../../src/sim/ec2/index.js";
import { type GitHubSim, startGitHubSim } from "../../src/sim/github/index.js";
import type { SpotEvent } from "../../src/spot/events.js";
import { useAwsTestEnv } from "../ec2/helpers.js";
import {
  type FakeCloud,
  IMAGE,
  inserts,
  LogSink,
  PROJECT,
  startFakeCloud,
  ZONES,
} from "../gcp/helpers.js";

export const TOKEN = "ghp_spot_e2e_token";
export const SET = "spot-linux";

export interface SpotStackOptions {
  rerun: boolean;
  breakerPreemptions?: number;
  /** The cloud: gcp (default) or ec2, each the real SDK against its fake. */
  engine?: "gcp" | "ec2";
}

const SUBNETS = { "subnet-0spota": "us-east-1a", "subnet-0spotb": "us-east-1b" };

export type TraceEntry = { at: number; what: string };

export interface SpotStack {
  github: GitHubSim;
  /** The GCE fake; on ec2 `ec2` instead. */
  cloud: FakeCloud;
  ec2?: Ec2Sim;
  /** The cloud takes back the spot machine of runner `name`, mid-job. */
  preempt(name: string): void;
  /** How the cloud bought runner `name`'s machine: the insert's SPOT/STANDARD, or spot/on-demand. */
  boughtAs(name: string): string | undefined;
  app: ScalesetApp;
  logs: LogSink;
  spotEvents: SpotEvent[];
  scalerEvents: ScalerEvent[];
  trace: TraceEntry[];
  stop(): Promise<void>;
}

function engineYaml(o: SpotStackOptions, cloudUrl: string): string {
  if (o.engine === "ec2") {
    return `
      type: ec2
      ec2:
        region: us-east-1
        endpoint: ${cloudUrl}
        image_id: ami-0123456789abcdef0
        instance_types: [m7i.large]
        subnet_ids: [${Object.keys(SUBNETS).join(", ")}]
        spot: true
        disk_size_gb: 30
        call_timeout: 5s`;
  }
  return `
      type: gcp
      gcp:
        project: ${PROJECT}
        zones: [${ZONES.join(", ")}]
        image: ${IMAGE}
        api_endpoint: "${cloudUrl}"
        api_timeout: 5s
        spot: true`;
}

function yaml(githubUrl: string, cloudUrl: string, o: SpotStackOptions): string {
  return `
github: { url: ${githubUrl}, token: env:GITHUB_TOKEN }
scalesets:
  - name: ${SET}
    max_runners: 10
    idle_timeout: 1s
    engine:${engineYaml(o, cloudUrl)}
    cost: { standard_per_hour: 0.067006, spot_per_hour: 0.020102, disk_gb_month: 0.1 }
    spot:
      rerun_preempted: ${o.rerun}
      rerun_wait: 2m
      standard_after_rerun: 2m
      breaker: { preemptions: ${o.breakerPreemptions ?? 5}, window: 10m, cool_down: 10m }
scaler: { reconcile_interval: 2s, shutdown_grace: 5s, session_conflict_wait: 200ms }
server: { port: 0, host: 127.0.0.1 }
logging: { level: info, format: json }
`;
}

/** What a trace line says about an event; undefined for events the trace leaves out. */
function describe(event: ScalerEvent | SpotEvent): string | undefined {
  switch (event.type) {
    case "machine-created":
      return `machine created: ${event.runner} in ${event.location} (${event.capacity})`;
    case "job-started":
      return `job started: run ${event.job.runId} on ${event.runner}`;
    case "job-completed":
      return `job completed: run ${event.job.runId} on ${event.runner}: ${event.result}`;
    case "preempted":
      return `preempted: ${event.runner} in ${event.zone}`;
    case "rerun-requested":
      return `re-run requested: run ${event.runId} (${event.jobs} job)`;
    case "rerun-skipped":
      return `re-run skipped: run ${event.runId}: ${event.reason}`;
    case "rerun-failed":
      return `re-run refused: run ${event.runId}: ${event.message}`;
    case "rerun-job-started":
      return `re-run job started: run ${event.runId} on ${event.runner} (${event.capacity})`;
    case "rerun-job-completed":
      return `re-run job completed: run ${event.runId} on ${event.runner}: ${event.result}`;
    case "breaker":
      return `breaker ${event.key}: ${event.from} → ${event.to}`;
    default:
      return undefined;
  }
}

export async function startSpotStack(options: SpotStackOptions): Promise<SpotStack> {
  const github = await startGitHubSim({ pat: TOKEN, longPollMs: 400 });
  const cloud = await startFakeCloud();
  let ec2: Ec2Sim | undefined;
  if (options.engine === "ec2") {
    useAwsTestEnv();
    ec2 = await startEc2Sim({
      subnets: SUBNETS,
      bootDelayMs: 50,
      shutdownDelayMs: 50,
      spotPrices: { "m7i.large/us-east-1a": 0.0385, "m7i.large/us-east-1b": 0.0412 },
    });
  }
  const instanceOf = (name: string) =>
    ec2?.instances().find((i) => i.tags["scaleset-runner"] === name);
  const logs = new LogSink();
  const spotEvents: SpotEvent[] = [];
  const scalerEvents: ScalerEvent[] = [];
  const trace: TraceEntry[] = [];
  const started = Date.now();
  const note = (event: ScalerEvent | SpotEvent) => {
    const what = describe(event);
    if (what) trace.push({ at: Date.now() - started, what });
  };
  const config = await loadConfig({
    yamlText: yaml(github.configUrl(), ec2?.url ?? cloud.sim.url, options),
    env: { GITHUB_TOKEN: TOKEN },
    stdoutIsTTY: false,
  });
  const app = new ScalesetApp({
    config,
    logger: pino({ level: "debug" }, logs),
    observer: (e) => {
      scalerEvents.push(e);
      note(e);
    },
    onSpotEvent: (e) => {
      spotEvents.push(e);
      note(e);
    },
    spotTuning: { preemptionPollMs: 250, rerunPollMs: 100 },
    tuning: { conflictRetryMs: [100, 200], errorRetryBaseMs: 50, watchdogMs: 10_000 },
    retry: { maxRetries: 4, minDelayMs: 20, maxDelayMs: 200 },
  });
  await app.start();
  return {
    github,
    cloud,
    ec2,
    preempt(name) {
      if (ec2) ec2.interruptSpot(instanceOf(name)?.id ?? "");
      else cloud.sim.preempt(name);
    },
    boughtAs(name) {
      if (ec2) return instanceOf(name)?.market;
      const body = inserts(cloud.sim).find(
        (r) => (r.body as { name?: string }).name === name,
      )?.body;
      return (body as { scheduling?: { provisioningModel?: string } } | undefined)?.scheduling
        ?.provisioningModel;
    },
    app,
    logs,
    spotEvents,
    scalerEvents,
    trace,
    async stop() {
      await app.stop(5000);
      await github.stop();
      await ec2?.stop();
      await cloud.stop();
    },
  };
}

/** The VM (runner name) running job `jobId`, once it runs. */
export async function runnerOf(stack: SpotStack, jobId: string): Promise<string> {
  const snapshot = await stack.github.waitFor(
    (s) => s.jobs.some((j) => j.id === jobId && j.state === "running"),
    20_000,
  );
  return snapshot.jobs.find((j) => j.id === jobId)?.runnerName ?? "";
}

/** Resolves with the first spot event `predicate` accepts (already seen, or when it comes). */
export async function spotEvent(
  stack: SpotStack,
  predicate: (e: SpotEvent) => boolean,
  timeoutMs = 20_000,
): Promise<SpotEvent> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const found = stack.spotEvents.find(predicate);
    if (found) return found;
    if (Date.now() > deadline) {
      throw new Error(`no such spot event; trace:\n${stack.trace.map((t) => t.what).join("\n")}`);
    }
    await new Promise((r) => setTimeout(r, 20));
  }
}
