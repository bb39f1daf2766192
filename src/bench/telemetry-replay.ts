/**
 * `node dist/bench/telemetry-replay.js`: the CPU telemetry adds per job, without the noise of a
 * whole scaler run. It replays, in one process, the calls a job makes into the instrumentation
 * (the same ones the scaler, listener, GitHub client and engine make: messages, runner states,
 * provisioning and teardown with their GitHub and cloud calls) and measures CPU per job with
 * telemetry fully on (OTLP/protobuf traces and metrics to a loopback sink, a Prometheus reader)
 * against the same calls with no OpenTelemetry SDK behind the API. `npm run bench` stays the
 * reference figure; this one isolates the instrumentation so a change to it can be measured.
 *
 * BENCH_JOBS (default 20000), BENCH_BATCH jobs per message (default 12, about what a 1,000-job
 * burst gives), BENCH_ROUNDS (default 5), BENCH_IN_FLIGHT jobs open at once (default 1000).
 */
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { metrics, trace } from "@opentelemetry/api";
import { loadConfig } from "../config/index.js";
import type { Engine, Machine, MachineRequest } from "../engines/engine.js";
import type { HttpMethod, HttpObserver } from "../github/http.js";
import { emptyJobMessages } from "../github/messages.js";
import { type JobAssigned, type ScaleSetMessage, ZERO_STATISTICS } from "../github/types.js";
import type { UnitTelemetry } from "../telemetry/index.js";
import { resolveTelemetrySettings, startTelemetry } from "../telemetry/index.js";
import { TelemetryRuntime } from "../telemetry/runtime.js";

const JOBS = Number(process.env.BENCH_JOBS ?? 20_000);
const BATCH = Number(process.env.BENCH_BATCH ?? 12);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
const IN_FLIGHT = Number(process.env.BENCH_IN_FLIGHT ?? 1000);
const BASE = "http://127.0.0.1:9/tenant/_apis";

interface Hooks {
  unit: UnitTelemetry;
  github: HttpObserver;
  engine: Engine;
}

const bareEngine: Engine = {
  type: "sim",
  create: async (r: MachineRequest): Promise<Machine> => ({
    id: `m-${r.runnerName}`,
    runnerName: r.runnerName,
    scaleSetName: r.scaleSetName,
    owner: "bench",
    state: "provisioning",
    createdAt: new Date(),
  }),
  delete: async () => undefined,
  list: async () => [],
  close: async () => undefined,
};

function call(github: HttpObserver, method: HttpMethod, url: string, status: number, op?: string) {
  const observation = github.start({ method, url, headers: {}, operation: op });
  observation?.end({ status, retries: 0 });
}

let messageId = 0;
function message(parts: Partial<ScaleSetMessage>): ScaleSetMessage {
  return { ...emptyJobMessages(++messageId, { ...ZERO_STATISTICS }), ...parts };
}

function job(id: number): JobAssigned {
  return {
    messageType: "JobAssigned",
    runnerRequestId: id,
    jobId: `job-${id}`,
    repositoryName: "app",
    ownerName: "acme",
    jobWorkflowRef: "acme/app/.github/workflows/ci.yml@refs/heads/main",
    jobDisplayName: `build (${id % 7})`,
    workflowRunId: 1000 + Math.floor(id / 10),
    eventName: "push",
    requestLabels: ["linux"],
    queueTime: new Date(),
  };
}

/** One message: the listener's span around it, then its ack. */
async function handle(h: Hooks, m: ScaleSetMessage, work: () => Promise<void> | void) {
  const started = Date.now();
  h.unit.listenerObserver.pollEnded?.(true, 3);
  const wrap = h.unit.listenerObserver.wrapMessage;
  const run = async () => {
    await work();
    call(h.github, "DELETE", `${BASE}/q/message/${m.messageId}`, 200, "delete_message");
  };
  await (wrap ? wrap(m, started, run) : run());
}

function batchOf(first: number) {
  const jobs = Array.from({ length: BATCH }, (_, i) => job(first + i));
  return { jobs, names: jobs.map((j) => `runner-${j.runnerRequestId}`) };
}

/** BATCH jobs from available to runner online, the way the scaler reports them. */
async function begin(h: Hooks, first: number): Promise<void> {
  const { jobs, names } = batchOf(first);
  const emit = h.unit.scalerObserver;
  await handle(
    h,
    message({
      jobAvailable: jobs.map((j) => ({
        ...j,
        messageType: "JobAvailable" as const,
        acquireJobUrl: "",
      })),
    }),
    () => call(h.github, "POST", `${BASE}/runtime/runnerscalesets/1/acquirejobs`, 200),
  );
  await handle(h, message({ jobAssigned: jobs }), () => {
    for (const runner of names) emit({ type: "state", runner, from: null, to: "pending" });
  });
  for (const runner of names) {
    await h.unit.tracing.runnerPhase(runner, "provision", async () => {
      call(h.github, "POST", `${BASE}/runtime/runnerscalesets/1/generatejitconfig`, 200);
      const machine = await h.engine.create({
        runnerName: runner,
        jitConfig: "x",
        scaleSetId: 1,
        scaleSetName: "bench",
        labels: [],
      });
      emit({ type: "machine-created", runner, machineId: machine.id });
      emit({ type: "create-called", runner, latencyMs: 1, jitMs: 1 });
      return { kind: "created" };
    });
    emit({ type: "state", runner, from: "pending", to: "booting" });
    emit({ type: "state", runner, from: "booting", to: "idle" });
  }
}

/** The same jobs from started to VM deleted. */
async function finish(h: Hooks, first: number): Promise<void> {
  const { jobs, names } = batchOf(first);
  const emit = h.unit.scalerObserver;
  const withRunner = jobs.map((j, i) => ({
    ...j,
    runnerId: i + 1,
    runnerName: names[i] as string,
  }));
  await handle(
    h,
    message({ jobStarted: withRunner.map((j) => ({ ...j, messageType: "JobStarted" as const })) }),
    () => {
      for (const runner of names) emit({ type: "state", runner, from: "idle", to: "busy" });
    },
  );
  const done = withRunner.map((j) => ({
    ...j,
    messageType: "JobCompleted" as const,
    result: "succeeded",
  }));
  await handle(h, message({ jobCompleted: done }), () => {
    for (const runner of names) emit({ type: "state", runner, from: "busy", to: "deleting" });
  });
  for (const runner of names) {
    await h.unit.tracing.runnerPhase(
      runner,
      "teardown",
      async () => {
        await h.engine.delete(`m-${runner}`);
        call(h.github, "DELETE", `${BASE}/distributedtask/pools/1/agents/7`, 404);
        emit({
          type: "machine-deleted",
          runner,
          machineId: `m-${runner}`,
          reason: "job-completed",
        });
        return "done";
      },
      "job-completed",
    );
    emit({ type: "state", runner, from: "deleting", to: null });
  }
}

async function cpuPerJob(h: Hooks, flush: () => Promise<void>): Promise<number> {
  const start = process.cpuUsage();
  // IN_FLIGHT jobs are open at any time, so their spans live (and age) as in a real burst.
  for (let i = 0; i < JOBS + IN_FLIGHT; i += BATCH) {
    if (i < JOBS) await begin(h, i);
    if (i >= IN_FLIGHT) await finish(h, i - IN_FLIGHT);
    // Let exports and timers run as they would between messages.
    if (i % (BATCH * 50) === 0) await new Promise((resolve) => setImmediate(resolve));
  }
  await flush();
  const used = process.cpuUsage(start);
  return (used.user + used.system) / JOBS;
}

const sink = createServer((req, res) => {
  req.resume();
  req.on("end", () => res.writeHead(200, { "content-type": "application/x-protobuf" }).end());
});
await new Promise<void>((resolve) => sink.listen(0, "127.0.0.1", resolve));
const config = await loadConfig({
  yamlText: `
github: { url: "https://github.com/acme", token: "env:T" }
scalesets: [{ name: bench, engine: { type: sim } }]
telemetry: { enabled: true, metric_export_interval: 5s, prometheus: { host: 127.0.0.1, port: 0 } }
`,
  env: { T: "x" },
  stdoutIsTTY: false,
});

// No SDK behind the API: what the instrumentation costs when nothing records.
const noop = new TelemetryRuntime(trace.getTracer("scaleset"), metrics.getMeter("scaleset"));
const noopHooks: Hooks = {
  unit: { ...noop.instrumentUnit({ scaleSet: "bench", engineType: "sim" }), watch() {} },
  github: noop.githubObserver,
  engine: noop.instrumentEngine(bareEngine, "bench"),
};
const sinkUrl = `http://127.0.0.1:${(sink.address() as AddressInfo).port}`;
const noopFigures: number[] = [];
for (let round = 0; round < ROUNDS; round++)
  noopFigures.push(await cpuPerJob(noopHooks, async () => {}));

const telemetry = await startTelemetry(
  resolveTelemetrySettings(config.telemetry, {
    ...process.env,
    OTEL_EXPORTER_OTLP_ENDPOINT: sinkUrl,
  }),
  { serviceVersion: "bench" },
);
const unit = telemetry.instrumentUnit({ scaleSet: "bench", engineType: "sim" });
if (!unit || !telemetry.githubObserver) throw new Error("telemetry did not start");
const onHooks: Hooks = {
  unit,
  github: telemetry.githubObserver,
  engine: telemetry.instrumentEngine(bareEngine, "bench"),
};
const onFigures: number[] = [];
for (let round = 0; round < ROUNDS; round++)
  onFigures.push(await cpuPerJob(onHooks, () => telemetry.flush()));
await telemetry.shutdown(5000);
sink.close();

const median = (values: number[]) =>
  [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? 0;
const show = (values: number[]) => values.map((v) => v.toFixed(0)).join(" ");
process.stdout.write(
  `telemetry replay: ${JOBS} jobs × ${ROUNDS} rounds, ${BATCH} jobs per message\n` +
    `  no SDK (API no-ops)   µs CPU per job: ${show(noopFigures)}  median ${median(noopFigures).toFixed(0)}\n` +
    `  fully on (OTLP+Prom)  µs CPU per job: ${show(onFigures)}  median ${median(onFigures).toFixed(0)}\n` +
    `  telemetry's cost      µs CPU per job: ${(median(onFigures) - median(noopFigures)).toFixed(0)} (+ the no-SDK figure, less the replay's own work)\n`,
);
