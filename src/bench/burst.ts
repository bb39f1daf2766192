/**
 * `npm run bench`: a burst of 1,000 jobs through the simulators. The GitHub simulator runs here;
 * the scaleset under test runs in its own process so its CPU and memory are measured alone.
 * BENCH_ENGINE=gcp|ec2 runs the real engine and cloud SDK against that cloud's fake (also here)
 * instead of the sim engine, so the figures include the SDK's own work.
 */
import { fork } from "node:child_process";
import { chmodSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startDemoCloud } from "../cli/demo-clouds.js";
import { DEMO_ENGINES, type DemoEngine } from "../cli/demo-engines.js";
import { startGitHubSim } from "../sim/github/index.js";
import { runSimulatedRunner } from "../sim/runner.js";
import type { FromScaler, ScalerReport } from "./protocol.js";
import { percentile } from "./stats.js";

const JOBS = Number(process.env.BENCH_JOBS ?? 1000);
const JOB_MS = Number(process.env.BENCH_JOB_MS ?? 2000);
// BENCH_WARMUP_JOBS=N: a first burst of N jobs that is not measured, so the figures are those of
// a process whose code is already compiled and warm (a scaler runs for days; its first burst
// after a start pays for V8 tiering up the code paths once).
const WARMUP = Number(process.env.BENCH_WARMUP_JOBS ?? 0);
const TOKEN = "ghp_bench_token";
// BENCH_ARRIVAL_MS=N: jobs arrive one every N ms instead of all at once — steady traffic, where
// each message carries one job and a job costs several polls, acks and message spans of its own.
const ARRIVAL_MS = Number(process.env.BENCH_ARRIVAL_MS ?? 0);
// BENCH_SCALER_HEAP_MB=N: the scaler process gets V8's old-space limit N MB, as in a container
// whose memory limit makes Node size the heap small (a 512 MiB limit gives a 259 MB heap). Only
// the scaler: the driver and its fakes keep their default so they are not what slows down.
const SCALER_HEAP_MB = Number(process.env.BENCH_SCALER_HEAP_MB ?? 0);

// BENCH_SCALER_CGROUP=dir: the scaler process starts inside that memory cgroup (v1 or v2; made
// and limited beforehand, e.g. to 512 MiB as on Cloud Run), so Node sizes its heap from the
// limit as it does in a container. The driver and its fakes stay outside.
const CGROUP = process.env.BENCH_SCALER_CGROUP;
// BENCH_SCALER_CPUS=list (taskset syntax, e.g. "1"): the scaler process and all its threads run
// on those CPUs only, as on a 1-vCPU Cloud Run instance. On a small shared machine it also keeps
// the driver's fakes and the GC helper threads from trading places, which makes runs steadier.
const CPUS = process.env.BENCH_SCALER_CPUS;

const TELEMETRY = process.env.BENCH_TELEMETRY === "1";
const ENGINE = (process.env.BENCH_ENGINE ?? "sim") as DemoEngine;
if (!DEMO_ENGINES.includes(ENGINE)) {
  process.stderr.write(`BENCH_ENGINE must be one of ${DEMO_ENGINES.join(", ")}\n`);
  process.exit(2);
}
// No capacity fault: every job should cost one create, as in the sim engine's run.
const cloud = ENGINE === "sim" ? null : await startDemoCloud(ENGINE, { capacityFault: false });

// BENCH_TELEMETRY=1: an OTLP/HTTP sink for the scaler's exports (it only counts what arrives).
const otlp = { requests: 0, bytes: 0, logs: 0 };
const sink = createServer((req, res) => {
  req.on("data", (chunk: Buffer) => {
    otlp.bytes += chunk.length;
  });
  req.on("end", () => {
    otlp.requests++;
    if (req.url === "/v1/logs") otlp.logs++;
    res.writeHead(200, { "content-type": "application/x-protobuf" });
    res.end();
  });
});
if (TELEMETRY) await new Promise<void>((resolve) => sink.listen(0, "127.0.0.1", resolve));
const sinkUrl = TELEMETRY ? `http://127.0.0.1:${(sink.address() as AddressInfo).port}` : "";

const sim = await startGitHubSim({ pat: TOKEN, longPollMs: 5000 });
const child = fork(new URL("./scaler-process.js", import.meta.url), [sim.configUrl()], {
  env: {
    ...process.env,
    GITHUB_TOKEN: TOKEN,
    ...(TELEMETRY ? { OTEL_EXPORTER_OTLP_ENDPOINT: sinkUrl } : {}),
    ...(cloud ? { ...cloud.env, BENCH_ENGINE_YAML: cloud.engineYaml } : {}),
  },
  execArgv: SCALER_HEAP_MB > 0 ? [`--max-old-space-size=${SCALER_HEAP_MB}`] : [],
  ...(CGROUP || CPUS ? { execPath: launcher(CGROUP, CPUS) } : {}),
  // BENCH_CPU_PROF=dir: the scaler process writes a CPU profile of the measured window there.
  stdio: ["ignore", "inherit", "inherit", "ipc"],
});
const vms = new Map<number, AbortController>();
child.on("message", (m: FromScaler) => {
  if (m.type === "launch-runner") {
    const vm = new AbortController();
    vms.set(m.id, vm);
    runSimulatedRunner(m.jitConfig, vm.signal)
      .catch(() => undefined)
      .finally(() => {
        if (vms.delete(m.id) && child.connected) child.send({ type: "runner-exited", id: m.id });
      });
  } else if (m.type === "kill-runner") {
    vms.get(m.id)?.abort();
    vms.delete(m.id);
  }
});
const next = (type: FromScaler["type"]) =>
  new Promise<FromScaler>((resolve) => {
    const onMessage = (m: FromScaler) => {
      if (m.type !== type) return;
      child.off("message", onMessage);
      resolve(m);
    };
    child.on("message", onMessage);
  });

const polling = (await next("polling")) as Extract<FromScaler, { type: "polling" }>;
// Prometheus scrapes every 5 s (a tight scrape_interval; 15–60 s is usual).
let scrapes = 0;
const scraper = polling.metricsUrl
  ? setInterval(() => {
      fetch(polling.metricsUrl as string)
        .then((r) => r.text())
        .then(() => scrapes++)
        .catch(() => undefined);
    }, 5000)
  : undefined;
/** Runs `count` more jobs to the end: every job completed, every machine and record gone. */
async function burst(
  count: number,
  total: number,
): Promise<{ report: ScalerReport; jobIds: Set<string> }> {
  const jobIds = new Set<string>();
  if (ARRIVAL_MS > 0) {
    for (let i = 0; i < count; i++) {
      for (const id of sim.enqueueJobs("bench", 1, { durationMs: JOB_MS })) jobIds.add(id);
      await new Promise((r) => setTimeout(r, ARRIVAL_MS));
    }
  } else {
    for (const id of sim.enqueueJobs("bench", count, { durationMs: JOB_MS })) jobIds.add(id);
  }
  await sim.waitFor((s) => s.jobs.filter((j) => j.state === "completed").length === total, 600_000);
  const jobsDone = performance.now();
  await sim.waitFor((s) => s.runners.length === 0, 60_000);
  for (;;) {
    child.send({ type: "report" });
    const report = ((await next("report")) as Extract<FromScaler, { type: "report" }>).report;
    if (cloud) report.machinesLeft = await cloud.liveMachines();
    if (
      (report.machinesLeft === 0 && report.runnersTracked === 0) ||
      performance.now() - jobsDone > 30_000
    )
      return { report, jobIds };
    await new Promise((r) => setTimeout(r, 200));
  }
}

if (WARMUP > 0) {
  await burst(WARMUP, WARMUP);
  child.send({ type: "reset" });
}
const t0 = performance.now();
const { report, jobIds } = await burst(JOBS, WARMUP + JOBS);
const wall = performance.now() - t0;
if (scraper) clearInterval(scraper);
const snap = sim.snapshot();
child.send({ type: "stop" });
await new Promise((r) => child.once("exit", r));
const sessionsLeft = sim.snapshot().sessions.length;
await sim.stop();
await cloud?.stop();
if (TELEMETRY) sink.close();

const cpuMs = report.cpuUserMs + report.cpuSystemMs;
const distinctRunners = new Set(snap.jobs.filter((j) => jobIds.has(j.id)).map((j) => j.runnerName))
  .size;
const leaks = report.machinesLeft + snap.runners.length + sessionsLeft;
const ms = (value: number) => `${value.toFixed(1)} ms`;
const rows: Array<[string, string, string]> = [
  [
    "jobs",
    `${JOBS} (each ${JOB_MS} ms), ${distinctRunners} distinct runners`,
    [
      ARRIVAL_MS > 0 ? `one every ${ARRIVAL_MS} ms` : "all at once",
      WARMUP > 0 ? `after an unmeasured warm-up burst of ${WARMUP}` : "",
    ]
      .filter(Boolean)
      .join(", "),
  ],
  ["assigned → create called p50", ms(percentile(report.createLatenciesMs, 50)), ""],
  [
    "assigned → create called p99",
    ms(percentile(report.createLatenciesMs, 99)),
    "incl. JIT answer",
  ],
  ["scaler-added latency p50", ms(percentile(report.scalerOnlyLatenciesMs, 50)), "less JIT answer"],
  ["scaler-added latency p99", ms(percentile(report.scalerOnlyLatenciesMs, 99)), "target < 50 ms"],
  [
    "total wall time",
    `${(wall / 1000).toFixed(2)} s`,
    "first job enqueued → every machine deleted",
  ],
  [
    "CPU per job",
    `${(cpuMs / JOBS).toFixed(2)} ms`,
    cloud
      ? `scaler process with the ${ENGINE} SDK (the < 2 ms target is the sim engine's)`
      : "target < 2 ms (scaler process; simulated VMs run in the driver)",
  ],
  ["peak RSS", `${report.peakRssMb.toFixed(0)} MB`, "target < 200 MB"],
  [
    "scaler heap limit",
    `${report.heapLimitMb.toFixed(0)} MB`,
    SCALER_HEAP_MB > 0
      ? `old space ${SCALER_HEAP_MB} MB (BENCH_SCALER_HEAP_MB)`
      : "V8 default here",
  ],
  [
    "longest poll gap, deletes in flight",
    `${report.maxPollGapWithDeletesMs.toFixed(1)} ms`,
    "target < 100 ms",
  ],
  ["longest poll gap, any", `${report.maxPollGapMs.toFixed(1)} ms`, ""],
  [
    "machines created / deleted",
    cloud ? "(counted by the fake)" : `${report.created - WARMUP} / ${report.deleted - WARMUP}`,
    `engine ${ENGINE}`,
  ],
  ["leaks (machines + registrations + sessions)", String(leaks), "target 0"],
  ["process start → first poll", `${polling.msSinceProcessStart.toFixed(0)} ms`, ""],
  [
    "telemetry",
    TELEMETRY ? "on" : "off",
    TELEMETRY
      ? `OTLP ${otlp.requests} exports (${otlp.logs} of logs), ${(otlp.bytes / 1e6).toFixed(1)} MB; ${scrapes} scrapes`
      : "BENCH_TELEMETRY=1 turns traces, metrics and logs on",
  ],
];
if (report.threadCpuMs) {
  // Whole-process CPU split by thread: the main thread against V8's GC helpers and libuv's pool.
  const byThread = Object.entries(report.threadCpuMs)
    .filter(([, cpu]) => cpu > 0)
    .sort((a, b) => b[1] - a[1]);
  rows.push([
    "CPU per job by thread",
    `${((report.threadCpuMs.main ?? 0) / JOBS).toFixed(2)} ms main`,
    byThread
      .filter(([name]) => name !== "main")
      .map(([name, cpu]) => `${name.trim()} ${(cpu / JOBS).toFixed(2)}`)
      .join(", "),
  ]);
}
const share = report.profileShare;
if (share && TELEMETRY) {
  // GC and other threads are not charged to anyone: the "over the rest" figure is a floor.
  const busy = share.telemetryMs + share.otherMs + share.gcMs;
  rows.push([
    "telemetry in the CPU profile",
    `${((100 * share.telemetryMs) / busy).toFixed(1)} %`,
    `of main-thread CPU; +${((100 * share.telemetryMs) / (busy - share.telemetryMs)).toFixed(0)} % over the rest (a floor: GC not charged)`,
  ]);
}
if (CPUS) rows.push(["scaler CPUs", CPUS, "BENCH_SCALER_CPUS (taskset)"]);
if (CGROUP) {
  const peak = cgroupPeakBytes(CGROUP);
  rows.push(["cgroup peak", peak ? `${(peak / 2 ** 20).toFixed(0)} MB` : "?", CGROUP]);
}
const width = Math.max(...rows.map((r) => r[0].length));
for (const [name, value, note] of rows) {
  process.stdout.write(`${name.padEnd(width)}  ${value.padEnd(14)} ${note}\n`);
}
process.exitCode = leaks === 0 && distinctRunners === JOBS ? 0 : 1;

/**
 * A launcher that moves itself into the cgroup and/or onto the CPUs, then becomes node (IPC and
 * env carry over; threads node starts later inherit the CPU list).
 */
function launcher(cgroup: string | undefined, cpus: string | undefined): string {
  const script = join(mkdtempSync(join(tmpdir(), "scaleset-bench-")), "launch.sh");
  const steps = [
    "#!/bin/sh",
    cgroup ? `echo $$ > '${cgroup}/cgroup.procs' || exit 97` : "",
    cpus
      ? `exec taskset -c '${cpus}' '${process.execPath}' "$@"`
      : `exec '${process.execPath}' "$@"`,
  ];
  writeFileSync(script, `${steps.filter(Boolean).join("\n")}\n`);
  chmodSync(script, 0o755);
  return script;
}

function cgroupPeakBytes(dir: string): number | undefined {
  for (const file of ["memory.peak", "memory.max_usage_in_bytes"]) {
    try {
      return Number(readFileSync(join(dir, file), "utf8").trim());
    } catch {
      // the other cgroup version's file
    }
  }
  return undefined;
}
