/**
 * The alert rules can fire: `promtool test rules` has a should-fire case for every alert in
 * monitoring/alerts.yml, and the counters the rules compare exist from the start (at 0) with
 * the same labels that real events give them, scraped from the real Prometheus endpoint.
 */
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { trace } from "@opentelemetry/api";
import { MeterProvider } from "@opentelemetry/sdk-metrics";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { METRICS, type MetricDefinition } from "../../src/telemetry/metric-definitions.js";
import { PrometheusEndpoint } from "../../src/telemetry/prometheus-endpoint.js";
import { TelemetryRuntime, type UnitHooks } from "../../src/telemetry/runtime.js";
import { prometheusName } from "../telemetry/prometheus-name.js";

const monitoring = new URL("../../monitoring/", import.meta.url);
const read = (file: string) => readFileSync(new URL(file, monitoring), "utf8");

interface RuleTests {
  tests: Array<{ alert_rule_test?: Array<{ alertname: string; exp_alerts: unknown[] }> }>;
}

describe("alert rules", () => {
  const rules = parse(read("alerts.yml")) as { groups: Array<{ rules: Array<{ alert: string }> }> };
  const alerts = rules.groups.flatMap((g) => g.rules.map((r) => r.alert));

  it("every alert has a promtool case where it fires", () => {
    const cases = (parse(read("alerts.test.yml")) as RuleTests).tests.flatMap(
      (t) => t.alert_rule_test ?? [],
    );
    const firing = new Set(cases.filter((c) => c.exp_alerts.length > 0).map((c) => c.alertname));
    expect(alerts.filter((alert) => !firing.has(alert))).toEqual([]);
    for (const added of [
      "ScalesetStoppedMachines",
      "ScalesetRunnerBootFailures",
      "ScalesetMessagesDropped",
      "ScalesetCreateBlocked",
    ])
      expect(alerts).toContain(added);
  });

  it("passes `promtool test rules` (Debian's prometheus package, installed by .ci/run)", () => {
    const result = spawnSync("promtool", ["test", "rules", "alerts.test.yml"], {
      cwd: monitoring,
      encoding: "utf8",
    });
    expect(result.error, "promtool is not installed: apt-get install prometheus").toBeUndefined();
    expect(`${result.stdout}${result.stderr}`).toContain("SUCCESS");
    expect(result.status).toBe(0);
  });
});

describe("counters exist at 0 once a scale set is known", () => {
  const endpoint = new PrometheusEndpoint();
  const provider = new MeterProvider({ readers: [endpoint] });
  let hooks: UnitHooks;
  let url = "";

  beforeAll(async () => {
    const runtime = new TelemetryRuntime(trace.getTracer("test"), provider.getMeter("scaleset"));
    hooks = runtime.instrumentUnit({ scaleSet: "linux", engineType: "gcp" });
    url = await endpoint.listen("127.0.0.1", 0, "/metrics");
  });
  afterAll(() => provider.shutdown());

  /** `name{labels} value` lines of one metric. */
  async function series(name: string): Promise<Array<{ labels: string; value: number }>> {
    const text = await (await fetch(url)).text();
    return text
      .split("\n")
      .filter((line) => line.startsWith(`${name}{`))
      .map((line) => {
        const [, labels = "", value = ""] = /^[^{]+\{([^}]*)\} (\S+)/.exec(line) ?? [];
        return { labels, value: Number(value) };
      });
  }
  const keys = (labels: string) => [...labels.matchAll(/(\w+)="/g)].map((m) => m[1]).sort();

  it("for every counter whose label values are all known in advance", async () => {
    const known = new Set([
      "scaleset.scale_set",
      "scaleset.engine.type",
      "scaleset.orphan.kind",
      "scaleset.poll.result",
      "cicd.pipeline.task.run.result",
      "scaleset.teardown.reason",
      "scaleset.cloud.operation",
      "scaleset.token.kind",
    ]);
    const counters = (Object.values(METRICS) as MetricDefinition[]).filter(
      (def) => def.kind === "counter" && def.attributes.every((a) => known.has(a)),
    );
    expect(counters.map((def) => def.name)).toEqual(
      expect.arrayContaining([
        "scaleset.orphans.deleted",
        "scaleset.runner.boot_failures",
        "scaleset.jobs.completed",
      ]),
    );
    for (const def of counters) {
      const found = await series(prometheusName(def));
      expect(found.length, def.name).toBeGreaterThan(0);
      expect(
        found.every((s) => s.value === 0),
        def.name,
      ).toBe(true);
      // The series carry exactly the declared attributes.
      for (const s of found)
        expect(keys(s.labels), def.name).toEqual(
          def.attributes.map((a) => a.replace(/\./g, "_")).sort(),
        );
    }
    expect(await series("scaleset_runner_boot_failures_total")).toEqual([
      { labels: 'scaleset_scale_set="linux",scaleset_engine_type="gcp"', value: 0 },
    ]);
  });

  it("and real events count on those same series, not on new ones", async () => {
    const before = await series("scaleset_orphans_deleted_total");
    expect(before.map((s) => s.value)).toEqual([0, 0]);
    hooks.scalerObserver({
      type: "orphan",
      kind: "machine",
      reason: "no-registration",
      runner: "r1",
    });
    hooks.scalerObserver({ type: "state", runner: "r1", from: null, to: "pending", adopted: true });
    hooks.scalerObserver({ type: "state", runner: "r1", from: "pending", to: "deleting" });
    hooks.scalerObserver({
      type: "machine-deleted",
      runner: "r1",
      machineId: "m-1",
      reason: "no-registration",
    });
    hooks.scalerObserver({
      type: "registration-removed",
      runner: "r2",
      runnerId: 2,
      reason: "ghost",
    });
    hooks.scalerObserver({ type: "boot-failed", runner: "r3" });
    const after = await series("scaleset_orphans_deleted_total");
    expect(after.map((s) => s.labels).sort()).toEqual(before.map((s) => s.labels).sort());
    expect(after.map((s) => s.value)).toEqual([1, 1]);
    expect((await series("scaleset_runner_boot_failures_total")).map((s) => s.value)).toEqual([1]);
  });
});
