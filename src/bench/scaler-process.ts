/**
 * The measured side of `npm run bench`: a scaleset process (real client, listener, scaler, and
 * the sim engine or, with BENCH_ENGINE, the real gcp/ec2 engine) whose GitHub and cloud fakes run
 * in the driver process. Reports its figures over IPC.
 */
import { mkdir, writeFile } from "node:fs/promises";
import { Session } from "node:inspector/promises";
import { join } from "node:path";
import { Writable } from "node:stream";
import { getHeapStatistics } from "node:v8";
import { ScalesetApp } from "../app/app.js";
import { loadConfig } from "../config/index.js";
import { SimCloud } from "../engines/sim/sim-cloud.js";
import { createLogger } from "../logging/logger.js";
import { resolveTelemetrySettings, startTelemetry } from "../telemetry/index.js";
import { VERSION } from "../version.js";
import { type ProfileShare, profileShare } from "./profile-share.js";
import type { FromScaler, ToScaler } from "./protocol.js";
import { type ThreadCpu, threadCpu, threadCpuSince } from "./thread-cpu.js";

const [configUrl, token] = [process.argv[2] ?? "", process.env.GITHUB_TOKEN ?? ""];
const send = (message: FromScaler) => process.send?.(message);
// BENCH_TELEMETRY=1: traces, metrics and logs fully on — OTLP/protobuf to the driver's sink
// (OTEL_EXPORTER_OTLP_ENDPOINT, set by the driver) and a Prometheus endpoint it scrapes.
const telemetryOn = process.env.BENCH_TELEMETRY === "1";
// BENCH_ENGINE_YAML (set by the driver for BENCH_ENGINE=gcp|ec2): the engine and its cloud fake.
const cloudEngineYaml = process.env.BENCH_ENGINE_YAML;

const config = await loadConfig({
  yamlText: `
github: { url: ${configUrl}, token: env:GITHUB_TOKEN }
scalesets:
  - name: bench
    max_runners: 2000
    idle_timeout: 1m
    engine: ${cloudEngineYaml ?? "{ type: sim, sim: { boot_delay: 500ms, create_delay: 20ms } }"}
scaler: { create_concurrency: 1000, delete_concurrency: 200, reconcile_interval: 10m }
server: { port: 0, host: 127.0.0.1 }
logging: { level: warn, format: json }
${telemetryOn ? "telemetry: { enabled: true, metric_export_interval: 5s, prometheus: { host: 127.0.0.1, port: 0 } }" : ""}
`,
  env: { GITHUB_TOKEN: token },
  stdoutIsTTY: false,
});

// The simulated VMs run in the driver process: this process does only what scaleset does.
const runners = new Map<number, () => void>();
let nextRunnerId = 0;
const cloud = new SimCloud({
  launchRunner: (jitConfig, signal) =>
    new Promise<void>((resolve, reject) => {
      const id = nextRunnerId++;
      runners.set(id, resolve);
      send({ type: "launch-runner", id, jitConfig });
      signal.addEventListener(
        "abort",
        () => {
          if (!runners.delete(id)) return;
          send({ type: "kill-runner", id });
          reject(signal.reason);
        },
        { once: true },
      );
    }),
});
const latencies: number[] = [];
const scalerOnly: number[] = [];
let pollEndedAt: number | null = null;
let maxGap = 0;
let maxGapWithDeletes = 0;
let first = true;
let cpuAtBurst: NodeJS.CpuUsage | null = null;
let threadsAtBurst: ThreadCpu | undefined;
// With a warm-up burst (BENCH_WARMUP_JOBS), nothing is measured until the driver says "reset".
let measuring = Number(process.env.BENCH_WARMUP_JOBS ?? 0) === 0;
// BENCH_CPU_PROF=dir: a V8 CPU profile of exactly the window the CPU figure covers (burst start →
// last report), so start-up module loading does not blur the per-job picture.
const profileDir = process.env.BENCH_CPU_PROF;
let profiler: Session | null = null;
async function startProfile(): Promise<void> {
  if (!profileDir || profiler) return;
  profiler = new Session();
  profiler.connect();
  await profiler.post("Profiler.enable");
  await profiler.post("Profiler.setSamplingInterval", { interval: 250 });
  await profiler.post("Profiler.start");
  // BENCH_HEAP_PROF=1 (with BENCH_CPU_PROF): also a sampling allocation profile of the window —
  // with telemetry on, most of its extra CPU is the garbage collector's, so who allocates matters.
  if (process.env.BENCH_HEAP_PROF === "1") {
    await profiler.post("HeapProfiler.startSampling", {
      samplingInterval: 16384,
      includeObjectsCollectedByMajorGC: true,
      includeObjectsCollectedByMinorGC: true,
    });
  }
}
// Kept: the driver may ask for the report again (its cloud fake still deleting) after the stop.
let share: ProfileShare | undefined;
async function stopProfile(): Promise<void> {
  if (!profileDir || !profiler) return;
  const { profile } = await profiler.post("Profiler.stop");
  await mkdir(profileDir, { recursive: true });
  if (process.env.BENCH_HEAP_PROF === "1") {
    const heap = await profiler.post("HeapProfiler.stopSampling");
    await writeFile(
      join(profileDir, `burst-${process.pid}.heapprofile`),
      JSON.stringify(heap.profile),
    );
  }
  await writeFile(join(profileDir, `burst-${process.pid}.cpuprofile`), JSON.stringify(profile));
  profiler.disconnect();
  profiler = null;
  share = profileShare(profile);
}

const telemetry = await startTelemetry(resolveTelemetrySettings(config.telemetry), {
  serviceVersion: VERSION,
});
// The process logger at its default level, created after telemetry as the CLI does, so with
// telemetry on the pino instrumentation sends its lines as OTLP log records. Its own lines go
// nowhere: the driver prints the figures.
const logger = createLogger({
  level: "info",
  format: "json",
  destination: new Writable({ write: (_chunk, _encoding, done) => done() }),
});
telemetry.useLogger(logger);
const app: ScalesetApp = new ScalesetApp({
  config,
  telemetry,
  logger,
  simCloud: cloudEngineYaml ? undefined : cloud,
  observer: (event) => {
    if (event.type === "create-called" && measuring) {
      if (!cpuAtBurst) {
        cpuAtBurst = process.cpuUsage();
        threadsAtBurst = threadCpu();
        void startProfile();
      }
      latencies.push(event.latencyMs);
      scalerOnly.push(event.latencyMs - event.jitMs);
    }
  },
  tuning: {
    observer: {
      pollStarted() {
        const now = performance.now();
        if (first) {
          first = false;
          send({
            type: "polling",
            msSinceProcessStart: now,
            metricsUrl: telemetry.prometheusUrl ?? undefined,
          });
        }
        if (pollEndedAt !== null) {
          const gap = now - pollEndedAt;
          maxGap = Math.max(maxGap, gap);
          const deletes = app.units[0]?.scaler?.snapshot().deleteQueue ?? 0;
          if (deletes > 0) maxGapWithDeletes = Math.max(maxGapWithDeletes, gap);
        }
      },
      pollEnded() {
        pollEndedAt = performance.now();
      },
    },
  },
});

process.on("message", async (message: ToScaler) => {
  if (message.type === "reset") {
    measuring = true;
    latencies.length = 0;
    scalerOnly.length = 0;
    maxGap = 0;
    maxGapWithDeletes = 0;
  } else if (message.type === "runner-exited") {
    runners.get(message.id)?.();
    runners.delete(message.id);
  } else if (message.type === "report") {
    // Export what is still buffered before the last report: its CPU belongs to the figures.
    // (Only then: a forced metrics export on every poll of the driver would inflate them.)
    // With a cloud fake the driver counts the machines left; here only the runners tracked.
    const finished =
      cloud.live().length === 0 && (app.units[0]?.scaler?.runners().length ?? 0) === 0;
    if (finished) await telemetry.flush();
    const cpu = process.cpuUsage(cpuAtBurst ?? undefined);
    const threadsNow = threadCpu();
    if (finished) await stopProfile();
    send({
      type: "report",
      report: {
        createLatenciesMs: latencies,
        scalerOnlyLatenciesMs: scalerOnly,
        maxPollGapWithDeletesMs: maxGapWithDeletes,
        maxPollGapMs: maxGap,
        cpuUserMs: cpu.user / 1000,
        cpuSystemMs: cpu.system / 1000,
        peakRssMb: process.resourceUsage().maxRSS / 1024,
        heapLimitMb: getHeapStatistics().heap_size_limit / 2 ** 20,
        ...(share ? { profileShare: share } : {}),
        ...(threadsAtBurst && threadsNow
          ? { threadCpuMs: threadCpuSince(threadsAtBurst, threadsNow) }
          : {}),
        machinesLeft: cloud.live().length,
        runnersTracked: app.units[0]?.scaler?.runners().length ?? -1,
        created: cloud.counters.created,
        deleted: cloud.counters.deleted,
      },
    });
  } else if (message.type === "stop") {
    await app.stop(10_000);
    await telemetry.shutdown(10_000);
    process.exit(0);
  }
});

await app.start();
