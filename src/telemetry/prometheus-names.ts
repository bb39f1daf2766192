/**
 * OpenTelemetry → Prometheus unit suffixes. exporter-prometheus 0.301 turns `.` into `_` and adds
 * `_total` to counters but adds no unit suffix (the unit only appears as a `# UNIT` comment), so
 * `scaleset.job.duration` in seconds would be exposed as `scaleset_job_duration`. Following the
 * OTel Prometheus compatibility spec, this renames metrics before serialising: `s` → `_seconds`,
 * `By` → `_bytes`, `ms` → `_milliseconds`; annotation units like `{runner}` add nothing.
 * OTLP export is untouched (names stay `scaleset.job.duration` with unit `s`).
 */
import type { MetricData, ResourceMetrics } from "@opentelemetry/sdk-metrics";

const UNIT_WORDS: Record<string, string> = {
  s: "seconds",
  ms: "milliseconds",
  us: "microseconds",
  ns: "nanoseconds",
  min: "minutes",
  h: "hours",
  By: "bytes",
  KiBy: "kibibytes",
  MiBy: "mebibytes",
  "%": "percent",
};

/** The Prometheus unit word for an OTel (UCUM) unit, or "" for none/annotations. */
export function prometheusUnit(unit: string): string {
  const plain = unit.replace(/\{[^}]*\}/g, "").trim();
  if (plain === "" || plain === "1") return "";
  return UNIT_WORDS[plain] ?? plain.replace(/[^A-Za-z0-9_]/g, "_");
}

/** `scaleset.job.duration` + `s` → `scaleset.job.duration.seconds` (no double suffix). */
export function nameWithUnit(name: string, unit: string): string {
  const word = prometheusUnit(unit);
  if (word === "" || name.endsWith(`.${word}`) || name.endsWith(`_${word}`)) return name;
  return `${name}.${word}`;
}

export function withPrometheusUnits(metrics: ResourceMetrics): ResourceMetrics {
  return {
    resource: metrics.resource,
    scopeMetrics: metrics.scopeMetrics.map((scope) => ({
      scope: scope.scope,
      metrics: scope.metrics.map(renamed),
    })),
  };
}

function renamed(metric: MetricData): MetricData {
  const { name, unit } = metric.descriptor;
  const word = prometheusUnit(unit);
  const newName = nameWithUnit(name, unit);
  if (newName === name && word === unit) return metric;
  return { ...metric, descriptor: { ...metric.descriptor, name: newName, unit: word } };
}
