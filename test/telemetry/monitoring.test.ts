/**
 * monitoring/ and docker-compose.yaml stay in step with the metrics the code exports: every
 * scaleset_* series a dashboard panel or an alert queries must exist.
 */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { METRICS, type MetricDefinition } from "../../src/telemetry/metric-definitions.js";
import { prometheusName } from "./prometheus-name.js";
import { HAS_PROMTOOL, promtool } from "./prometheus-tools.js";

const read = (path: string) => readFileSync(new URL(`../../${path}`, import.meta.url), "utf8");

const exposed = new Set<string>();
for (const def of Object.values(METRICS) as MetricDefinition[]) {
  const name = prometheusName(def);
  exposed.add(name);
  if (def.kind === "histogram")
    for (const s of ["_bucket", "_sum", "_count"]) exposed.add(name + s);
}

/** Metric names in a PromQL expression (label names in `by (…)`, `on (…)` and `{…}` removed). */
function seriesIn(expr: string): string[] {
  const bare = expr
    .replace(/\b(by|on|without|ignoring)\s*\([^)]*\)/g, "")
    .replace(/\{[^}]*\}/g, "{}");
  return [...new Set(bare.match(/\bscaleset_[a-z_]+/g) ?? [])];
}

describe("monitoring files", () => {
  it("the Grafana dashboard only queries metrics that exist", () => {
    const dashboard = JSON.parse(read("monitoring/grafana/scaleset-dashboard.json")) as {
      panels: Array<{ targets?: Array<{ expr: string }> }>;
      templating: { list: Array<{ name: string }> };
    };
    const exprs = dashboard.panels.flatMap((p) => p.targets ?? []).map((t) => t.expr);
    expect(exprs.length).toBeGreaterThan(15);
    const used = exprs.flatMap(seriesIn);
    expect(used.filter((name) => !exposed.has(name))).toEqual([]);
    for (const must of [
      "scaleset_runners",
      "scaleset_runners_desired",
      "scaleset_jobs_waiting",
      "scaleset_runners_max",
      "scaleset_github_runners",
      "scaleset_scaler_decisions_total",
      "scaleset_job_start_duration_seconds_bucket",
    ])
      expect(used).toContain(must);
    expect(dashboard.templating.list.map((v) => v.name)).toEqual(["datasource", "scale_set"]);
  });

  it("the alert rules only query metrics that exist, and cover the four failure modes", () => {
    const rules = parse(read("monitoring/alerts.yml")) as {
      groups: Array<{ rules: Array<{ alert: string; expr: string }> }>;
    };
    const all = rules.groups.flatMap((g) => g.rules);
    expect(all.flatMap((r) => seriesIn(r.expr)).filter((n) => !exposed.has(n))).toEqual([]);
    expect(all.map((r) => r.alert)).toEqual(
      expect.arrayContaining([
        "ScalesetJobsWaitingTooLong",
        "ScalesetOrphansFound",
        "ScalesetRunnerCreateFailures",
        "ScalesetListenerNotPolling",
        "ScalesetAtMaxRunners",
        "ScalesetRunnerCountMismatch",
      ]),
    );
  });

  it.skipIf(!HAS_PROMTOOL)("passes promtool check rules and the rule unit tests", () => {
    const root = new URL("../../monitoring/", import.meta.url).pathname;
    expect(promtool(["check", "rules", `${root}alerts.yml`]).status).toBe(0);
    const tests = promtool(["test", "rules", `${root}alerts.test.yml`]);
    expect(tests.output).toContain("SUCCESS");
    expect(tests.status).toBe(0);
  });

  it("docker-compose.yaml runs Aspire (UI 18888, OTLP 4317/4318) and Prometheus", () => {
    const compose = parse(read("docker-compose.yaml")) as {
      services: Record<
        string,
        { ports?: string[]; environment?: Record<string, string>; profiles?: string[] }
      >;
    };
    const aspire = compose.services["aspire-dashboard"];
    expect(aspire?.ports).toEqual(["18888:18888", "4317:18889", "4318:18890"]);
    expect(aspire?.environment?.ASPIRE_DASHBOARD_UNSECURED_ALLOW_ANONYMOUS).toBe("true");
    expect(compose.services.prometheus).toBeDefined();
    expect(compose.services.scaleset?.profiles).toEqual(["scaler"]);
    const scrape = parse(read("monitoring/prometheus.yml")) as {
      scrape_configs: Array<{ static_configs: Array<{ targets: string[] }> }>;
    };
    expect(scrape.scrape_configs[0]?.static_configs[0]?.targets).toContain(
      "host.docker.internal:9464",
    );
  });
});
