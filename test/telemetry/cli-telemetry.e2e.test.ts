/**
 * The CLI against the GitHub simulator and the sim engine, telemetry fully on: OTLP/protobuf to a
 * receiver on loopback, the Prometheus endpoint mounted on the status port. One job, with one
 * injected 500 on its JIT config call so a retry shows up.
 */
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type GitHubSim, startGitHubSim } from "../../src/sim/github/index.js";
import { type CliRun, startCli } from "../cli/cli-process.js";
import { configYaml, SCALE_SET, SIM_TOKEN } from "../e2e/harness.js";
import type { DecodedSpan } from "./otlp-proto.js";
import { type OtlpReceiver, startOtlpReceiver } from "./otlp-receiver.js";
import { HAS_PROMETHEUS, HAS_PROMTOOL, promtool, startPrometheus } from "./prometheus-tools.js";

/** One millisecond in the nanoseconds OTLP carries. */
const MS_IN_NS = 1_000_000n;
const OTLP_KEY = "otlp-api-key-s3cr3t";
let sim: GitHubSim;
let receiver: OtlpReceiver;
let run: CliRun;
let statusUrl: string;
let jobId: string;
let scrape = "";

async function metricsText(): Promise<string> {
  return await (await fetch(`${statusUrl}/metrics`)).text();
}

async function until<T>(what: string, probe: () => Promise<T | undefined>, ms = 15_000) {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

beforeAll(async () => {
  sim = await startGitHubSim({ pat: SIM_TOKEN, longPollMs: 500 });
  receiver = await startOtlpReceiver();
  const dir = mkdtempSync(join(tmpdir(), "scaleset-telemetry-"));
  const path = join(dir, "config.yaml");
  writeFileSync(
    path,
    `${configYaml(sim.configUrl()).replace("level: warn", "level: debug")}telemetry:
  enabled: true
  resource_attributes: { deployment.environment.name: e2e }
  metric_export_interval: 1h
  otlp:
    endpoint: ${receiver.url}
    headers: { x-otlp-api-key: env:OTLP_KEY }
  prometheus: { on_main_port: true }
`,
  );
  run = startCli(["--config", path], { GITHUB_TOKEN: SIM_TOKEN, OTLP_KEY });
  statusUrl = String((await run.logLine("scaleset started")).url);
  await run.logLine("session created");
  sim.faults.serverErrors(1, 500, ["generateJitConfig"]);
  [jobId] = sim.enqueueJobs(SCALE_SET, 1, { durationMs: 300 }) as [string];
  await sim.waitFor((s) => s.jobs.every((j) => j.state === "completed"), 20_000);
  // Torn down: the machine is deleted and no runner is tracked any more.
  scrape = await until("teardown", async () => {
    const text = await metricsText();
    return /scaleset_runners_deleted_total\{[^}]*\} 1\b/.test(text) &&
      !/scaleset_runners\{[^}]*\} [1-9]/.test(text)
      ? text
      : undefined;
  });
}, 60_000);

afterAll(async () => {
  if (run.child.exitCode === null) run.child.kill("SIGKILL");
  await receiver?.close();
  await sim?.stop();
});

describe("Prometheus endpoint on the main port", () => {
  it("exposes scaleset_* metrics with _total and unit suffixes", () => {
    expect(scrape).toMatch(/^# TYPE scaleset_runners_created_total counter$/m);
    expect(scrape).toMatch(/^scaleset_jobs_completed_total\{.*result="success".*\} 1$/m);
    expect(scrape).toMatch(/^# TYPE scaleset_runner_provision_duration_seconds histogram$/m);
    expect(scrape).toMatch(/^scaleset_job_queue_duration_seconds_count\{[^}]*\} 1$/m);
    expect(scrape).toMatch(
      /^scaleset_github_retries_total\{.*operation="generate_jit_config"\} 1$/m,
    );
    expect(scrape).toMatch(/^target_info\{.*deployment_environment_name="e2e"/m);
    // Limits, GitHub's runner counts, scale decisions, warm/cold time to start, Node runtime.
    expect(scrape).toMatch(/^scaleset_runners_max\{[^}]*\} 50$/m);
    expect(scrape).toMatch(/^scaleset_runners_min\{[^}]*\} 0$/m);
    expect(scrape).toMatch(/^scaleset_github_runners\{.*runner_state="registered".*\} \d+$/m);
    expect(scrape).toMatch(/^scaleset_scaler_decisions_total\{.*direction="up".*\} 1$/m);
    expect(scrape).toMatch(
      /^scaleset_job_start_duration_seconds_count\{.*start_type="cold".*\} 1$/m,
    );
    expect(scrape).toMatch(/^nodejs_eventloop_delay_p99_seconds \d/m);
    expect(scrape).toMatch(/^v8js_memory_heap_used_bytes\{/m);
    // Bounded labels: never a job id or runner name.
    expect(scrape).not.toContain(jobId);
    expect(scrape).not.toMatch(new RegExp(`${SCALE_SET}-[0-9a-f]{8}`));
  });

  it.skipIf(!HAS_PROMTOOL)("passes promtool check metrics", () => {
    const result = promtool(["check", "metrics"], scrape);
    expect(result.output).toBe("");
    expect(result.status).toBe(0);
  });

  it.skipIf(!HAS_PROMETHEUS)(
    "is scraped by a real Prometheus that answers a PromQL query",
    async () => {
      const prometheus = await startPrometheus(new URL(statusUrl).host, "/metrics");
      try {
        const result = await until("a scrape", async () => {
          const r = await prometheus.query(
            `sum by (scaleset_scale_set) (scaleset_runners_created_total)`,
          );
          return r.length > 0 ? r : undefined;
        });
        expect(result[0]?.metric.scaleset_scale_set).toBe(SCALE_SET);
        expect(result[0]?.value[1]).toBe("1");
        const up = await prometheus.query('up{job="scaleset"}');
        expect(up[0]?.value[1]).toBe("1");
      } finally {
        await prometheus.stop();
      }
    },
    30_000,
  );
});

describe("OTLP export, flushed on SIGTERM", () => {
  let spans: DecodedSpan[] = [];
  beforeAll(async () => {
    run.child.kill("SIGTERM");
    expect(await run.exited).toBe(0);
    spans = receiver.spans();
  }, 30_000);

  it("sends protobuf (the default) with the configured headers", () => {
    const traces = receiver.requests.filter((r) => r.path === "/v1/traces");
    expect(traces.length).toBeGreaterThan(0);
    expect(traces.every((r) => r.contentType === "application/x-protobuf")).toBe(true);
    expect(traces[0]?.headers["x-otlp-api-key"]).toBe(OTLP_KEY);
    expect(run.stdout()).not.toContain(OTLP_KEY);
    expect(spans[0]?.resource["service.name"]).toBe("scaleset");
    expect(spans[0]?.resource["deployment.environment.name"]).toBe("e2e");
  });

  it("puts the job's whole life in one trace with the expected shape", () => {
    const job = spans.find(
      (s) => s.name === "scaleset.job" && s.attributes["cicd.pipeline.task.run.id"] === jobId,
    );
    expect(job).toBeDefined();
    if (!job) return;
    expect(job.parentSpanId).toBe("");
    expect(job.attributes["cicd.pipeline.task.run.result"]).toBe("success");
    expect(job.events.map((e) => e.name)).toEqual([
      "available",
      "assigned",
      "started",
      "completed",
    ]);
    const trace = spans.filter((s) => s.traceId === job.traceId);
    const byId = new Map(trace.map((s) => [s.spanId, s]));
    const parentName = (s: DecodedSpan) => byId.get(s.parentSpanId)?.name;
    const one = (name: string) => {
      const found = trace.filter((s) => s.name === name);
      expect(found, name).toHaveLength(1);
      return found[0] as DecodedSpan;
    };
    const runner = one("scaleset.runner");
    expect(parentName(runner)).toBe("scaleset.job");
    expect(runner.attributes["scaleset.runner.created_for_job"]).toBe(jobId);
    expect(runner.attributes["cicd.pipeline.task.run.id"]).toBe(jobId);
    expect(runner.events.map((e) => e.name)).toEqual([
      "booting",
      "busy",
      "deleting",
      "machine.deleted",
    ]);
    const jit = one("POST /_apis/runtime/runnerscalesets/{id}/generatejitconfig");
    expect(parentName(jit)).toBe("scaleset.runner");
    expect(jit.kind).toBe(3); // CLIENT
    expect(jit.attributes).toMatchObject({
      "http.request.method": "POST",
      "http.response.status_code": 200,
      "http.request.resend_count": 1,
      "server.address": "127.0.0.1",
    });
    expect(jit.events.map((e) => e.name)).toEqual(["retry"]);
    const create = one("scaleset.engine.create");
    expect(parentName(create)).toBe("scaleset.runner");
    expect(create.attributes["scaleset.engine.type"]).toBe("sim");
    // The SDK stamps a span's start with Date.now() (whole milliseconds) and its end as start plus
    // a sub-millisecond duration, so a span started in the millisecond its predecessor ended in
    // can read up to 1 ms before that end: order is only provable to the millisecond.
    expect(create.startNs).toBeGreaterThanOrEqual(jit.endNs - MS_IN_NS);
    const remove = one("DELETE /_apis/distributedtask/pools/{id}/agents/{id}");
    const del = one("scaleset.engine.delete");
    expect([parentName(remove), parentName(del)]).toEqual(["scaleset.runner", "scaleset.runner"]);
    expect(del.startNs).toBeGreaterThan(create.endNs - MS_IN_NS);
    // Each message carried this job alone: its span is the job's child, not a root of its own.
    // The broker sends whatever is queued when a poll arrives, so two of the job's events may
    // come in one message: count the events the messages carried, not the messages.
    const messages = spans.filter((s) => s.name === "scaleset.message");
    expect(messages.length).toBeGreaterThan(0);
    expect(messages.every((m) => m.parentSpanId === job.spanId)).toBe(true);
    const carried = (kind: string) =>
      messages.reduce(
        (sum, m) => sum + Number(m.attributes[`scaleset.message.jobs.${kind}`] ?? 0),
        0,
      );
    expect(["available", "assigned", "started", "completed"].map(carried)).toEqual([1, 1, 1, 1]);
    const messageIds = new Set(messages.map((s) => s.spanId));
    // The runner links the message that made it; the later ones (JobStarted, JobCompleted) are
    // already the job's children in the same trace, so they are not linked a second time.
    expect(runner.links.filter((l) => messageIds.has(l.spanId)).length).toBe(1);
    // The job span covers the VM's deletion: no span of its trace ends after it.
    expect(trace.every((s) => s.endNs <= job.endNs)).toBe(true);
    // It ran the job it was created for: parent and child, no links between them.
    expect(runner.links.some((l) => l.spanId === job.spanId)).toBe(false);
    expect(job.links.some((l) => l.spanId === runner.spanId)).toBe(false);
  });

  it("keeps secrets out of every span", () => {
    const text = JSON.stringify(spans, (_k, v) => (typeof v === "bigint" ? String(v) : v));
    expect(text).not.toContain(SIM_TOKEN);
    expect(text).not.toContain(OTLP_KEY);
    expect(text).not.toMatch(/jitconfig"?:|encodedJITConfig|Bearer /i);
  });

  it("writes trace_id and span_id on log lines emitted inside a span", () => {
    const retry = run
      .stdout()
      .split("\n")
      .filter((l) => l.startsWith("{"))
      .map((l) => JSON.parse(l) as Record<string, unknown>)
      .find((l) => l.msg === "retrying GitHub request");
    expect(retry?.trace_id).toMatch(/^[0-9a-f]{32}$/);
    expect(retry?.span_id).toMatch(/^[0-9a-f]{16}$/);
  });

  it("exports the log lines as OTLP log records in the job's trace", () => {
    const job = spans.find(
      (s) => s.name === "scaleset.job" && s.attributes["cicd.pipeline.task.run.id"] === jobId,
    );
    const runner = spans.find((s) => s.name === "scaleset.runner" && s.traceId === job?.traceId);
    const records = receiver.logs();
    const retry = records.find((r) => r.body === "retrying GitHub request");
    // Logged while the runner was provisioned, before anyone knew which job it would run; the
    // record moved into the job's trace with the runner's spans.
    expect(retry?.traceId).toBe(job?.traceId);
    expect(retry?.spanId).toBe(runner?.spanId); // the span active while the runner provisions
    expect(retry?.severityText).toBe("debug");
    expect(retry?.attributes.component).toBe("github");
    expect(retry?.resource["service.name"]).toBe("scaleset");
    expect(records.some((r) => r.body === "scaleset started")).toBe(true);
    const text = JSON.stringify(records, (_k, v) => (typeof v === "bigint" ? String(v) : v));
    expect(text).not.toContain(SIM_TOKEN);
    expect(text).not.toContain(OTLP_KEY);
  });

  it("exports the metrics with their names, units and values", () => {
    const metrics = receiver.lastMetrics();
    const get = (name: string) => {
      const metric = metrics.find((m) => m.name === name);
      expect(metric, name).toBeDefined();
      return metric!;
    };
    const value = (name: string, attrs: Record<string, string> = {}) =>
      get(name)
        .points.filter((p) => Object.entries(attrs).every(([k, v]) => p.attributes[k] === v))
        .reduce((sum, p) => sum + (p.value ?? p.count ?? 0), 0);
    expect(get("scaleset.runners.created")).toMatchObject({
      unit: "{runner}",
      type: "sum",
      monotonic: true,
    });
    expect(value("scaleset.runners.created", { "scaleset.engine.type": "sim" })).toBe(1);
    expect(value("scaleset.runners.deleted", { "scaleset.teardown.reason": "job-completed" })).toBe(
      1,
    );
    expect(value("scaleset.jobs.completed", { "cicd.pipeline.task.run.result": "success" })).toBe(
      1,
    );
    expect(value("scaleset.jobs.started")).toBe(1);
    for (const phase of [
      "scaleset.job.queue.duration",
      "scaleset.job.duration",
      "scaleset.runner.provision.duration",
      "scaleset.runner.boot.duration",
      "scaleset.runner.teardown.duration",
    ]) {
      expect(get(phase)).toMatchObject({ unit: "s", type: "histogram" });
      expect(value(phase), phase).toBe(1);
    }
    const provision = get("scaleset.runner.provision.duration").points[0];
    expect(provision?.sum).toBeGreaterThan(0);
    expect(provision?.sum).toBeLessThan(10);
    expect(
      value("scaleset.github.retries", { "scaleset.github.operation": "generate_jit_config" }),
    ).toBe(1);
    expect(
      value("scaleset.github.requests", { "scaleset.github.operation": "generate_jit_config" }),
    ).toBe(1);
    expect(value("scaleset.cloud.requests", { "scaleset.cloud.operation": "create" })).toBe(1);
    expect(
      value("scaleset.github.token_refreshes", { "scaleset.token.kind": "admin" }),
    ).toBeGreaterThanOrEqual(1);
    expect(
      value("scaleset.listener.polls", { "scaleset.poll.result": "message" }),
    ).toBeGreaterThanOrEqual(3);
    expect(get("scaleset.runners").points.every((p) => p.value === 0)).toBe(true);
  });
});
