/**
 * One trace per job, also in a burst: 200 jobs at once through the GitHub simulator and the sim
 * engine, the CLI exporting OTLP/protobuf to a receiver on loopback. Most runners are created
 * before anyone knows which job they will run; each must still end up inside the trace of the
 * job it ran, with its provisioning (JIT config call, create call), and the exported data must
 * hold no span whose parent is missing.
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

const JOBS = 200;
const JIT = "POST /_apis/runtime/runnerscalesets/{id}/generatejitconfig";
let sim: GitHubSim;
let receiver: OtlpReceiver;
let run: CliRun;
let spans: DecodedSpan[] = [];
let jobIds: string[] = [];

async function until(what: string, probe: () => Promise<boolean>, ms = 120_000) {
  const deadline = Date.now() + ms;
  while (!(await probe())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

beforeAll(async () => {
  sim = await startGitHubSim({ pat: SIM_TOKEN, longPollMs: 500 });
  receiver = await startOtlpReceiver();
  const path = join(mkdtempSync(join(tmpdir(), "scaleset-burst-")), "config.yaml");
  writeFileSync(
    path,
    `${configYaml(sim.configUrl(), { maxRunners: JOBS, bootDelay: "200ms" }).replace(
      "level: warn",
      "level: info",
    )}telemetry:
  enabled: true
  metrics: [prometheus]
  otlp: { endpoint: ${receiver.url} }
  prometheus: { on_main_port: true }
`,
  );
  run = startCli(["--config", path], { GITHUB_TOKEN: SIM_TOKEN });
  const statusUrl = String((await run.logLine("scaleset started", 20_000)).url);
  await run.logLine("session created", 20_000);
  jobIds = sim.enqueueJobs(SCALE_SET, JOBS, { durationMs: 300 });
  await sim.waitFor((s) => s.jobs.every((j) => j.state === "completed"), 120_000);
  // Every VM deleted and every runner record dropped: the job spans have ended.
  await until("teardown", async () => {
    const text = await (await fetch(`${statusUrl}/metrics`)).text();
    const total = (name: string) =>
      [...text.matchAll(new RegExp(`^${name}\\{[^}]*\\} (\\d+)`, "gm"))].reduce(
        (sum, m) => sum + Number(m[1]),
        0,
      );
    const created = total("scaleset_runners_created_total");
    return (
      created >= JOBS &&
      total("scaleset_runners_deleted_total") >= created &&
      total("scaleset_runners") === 0
    );
  });
  run.child.kill("SIGTERM");
  expect(await run.exited).toBe(0);
  spans = receiver.spans();
}, 240_000);

afterAll(async () => {
  if (run && run.child.exitCode === null) run.child.kill("SIGKILL");
  await receiver?.close();
  await sim?.stop();
});

describe("one trace per job in a burst of 200", () => {
  it("puts the provisioning of the runner that ran each job into that job's trace", () => {
    const byTrace = new Map<string, DecodedSpan[]>();
    for (const span of spans) {
      const list = byTrace.get(span.traceId) ?? [];
      list.push(span);
      byTrace.set(span.traceId, list);
    }
    const jobs = spans.filter((s) => s.name === "scaleset.job");
    expect(jobs.map((j) => j.attributes["cicd.pipeline.task.run.id"]).sort()).toEqual(
      [...jobIds].sort(),
    );
    let complete = 0;
    for (const job of jobs) {
      expect(job.parentSpanId).toBe("");
      const trace = byTrace.get(job.traceId) ?? [];
      const runner = trace.find(
        (s) => s.name === "scaleset.runner" && s.parentSpanId === job.spanId,
      );
      const childOf = (name: string) =>
        trace.some((s) => s.name === name && s.parentSpanId === runner?.spanId);
      if (
        runner &&
        runner.attributes["cicd.worker.name"] === job.attributes["cicd.worker.name"] &&
        runner.attributes["cicd.pipeline.task.run.id"] ===
          job.attributes["cicd.pipeline.task.run.id"] &&
        childOf(JIT) &&
        childOf("scaleset.engine.create") &&
        childOf("scaleset.engine.delete") &&
        // The job span covers its VM's deletion: nothing in its trace ends after it.
        trace.every((s) => s.endNs <= job.endNs)
      )
        complete++;
    }
    // The figure the issue asks for (target 100 %).
    console.log(`jobs whose trace holds their runner's provisioning: ${complete}/${jobs.length}`);
    expect(complete).toBe(JOBS);
  });

  it("exports no span whose parent is missing", () => {
    const ids = new Set(spans.map((s) => `${s.traceId}/${s.spanId}`));
    const orphans = spans.filter(
      (s) => s.parentSpanId !== "" && !ids.has(`${s.traceId}/${s.parentSpanId}`),
    );
    expect(orphans.map((s) => s.name)).toEqual([]);
  });

  it("keeps the trace list to one root per job (message spans are children of job traces)", () => {
    const roots = spans.filter((s) => s.parentSpanId === "");
    const byName = new Map<string, number>();
    for (const root of roots) byName.set(root.name, (byName.get(root.name) ?? 0) + 1);
    expect(byName.get("scaleset.job")).toBe(JOBS);
    expect(byName.get("scaleset.message") ?? 0).toBe(0);
    // Each message span sits in the trace of a job it carries, with the messaging conventions.
    const messages = spans.filter((s) => s.name === "scaleset.message");
    expect(messages.length).toBeGreaterThan(0);
    for (const m of messages) {
      expect(m.attributes["messaging.system"]).toBe("github_actions");
      expect(m.attributes["messaging.operation.name"]).toBe("process");
    }
    // Whatever else is a root is not per job: start-up calls, reconciliation passes, and the
    // runners that never ran a job (scaled down once the burst was served).
    const others = [...byName.keys()].filter((name) => name !== "scaleset.job");
    expect(
      others.filter(
        (name) =>
          name !== "scaleset.reconcile" && name !== "scaleset.runner" && !/^[A-Z]+ \//.test(name),
      ),
    ).toEqual([]);
    console.log("root spans by name:", Object.fromEntries(byName));
  });
});
