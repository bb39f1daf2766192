import type { MetricDefinition } from "../../src/telemetry/metric-definitions.js";
import { nameWithUnit } from "../../src/telemetry/prometheus-names.js";

/** The exposed name: unit suffix (ours), dots → underscores and `_total` (the exporter's). */
export function prometheusName(def: MetricDefinition): string {
  const base = nameWithUnit(def.name, def.unit).replace(/[^a-zA-Z0-9_]/g, "_");
  return def.kind === "counter" || def.kind === "observable-counter" ? `${base}_total` : base;
}
