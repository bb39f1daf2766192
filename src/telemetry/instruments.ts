/**
 * Creates the instruments of METRICS on a meter, typed by kind, and the counters' series at 0
 * wherever every label value is known in advance.
 */
import type {
  Attributes,
  Counter,
  Histogram,
  Meter,
  ObservableCounter,
  ObservableGauge,
  UpDownCounter,
} from "@opentelemetry/api";
import type { TeardownReason } from "../scaler/teardown.js";
import { ATTR } from "./attributes.js";
import { METRICS, type MetricDefinition, type MetricKind } from "./metric-definitions.js";

type InstrumentOf<K extends MetricKind> = K extends "counter"
  ? Counter
  : K extends "updown"
    ? UpDownCounter
    : K extends "histogram"
      ? Histogram
      : K extends "gauge"
        ? ObservableGauge
        : ObservableCounter;

export type Instruments = {
  [Id in keyof typeof METRICS]: InstrumentOf<(typeof METRICS)[Id]["kind"]>;
};

export function createInstruments(meter: Meter): Instruments {
  const out: Record<string, unknown> = {};
  for (const [id, def] of Object.entries(METRICS) as [string, MetricDefinition][]) {
    const options = { unit: def.unit, description: def.description };
    switch (def.kind) {
      case "counter":
        out[id] = meter.createCounter(def.name, options);
        break;
      case "updown":
        out[id] = meter.createUpDownCounter(def.name, options);
        break;
      case "histogram":
        out[id] = meter.createHistogram(def.name, {
          ...options,
          advice: def.buckets ? { explicitBucketBoundaries: [...def.buckets] } : undefined,
        });
        break;
      case "gauge":
        out[id] = meter.createObservableGauge(def.name, options);
        break;
      case "observable-counter":
        out[id] = meter.createObservableCounter(def.name, options);
        break;
    }
  }
  const instruments = out as Instruments;
  zeroCounters(instruments, KNOWN_VALUES);
  return instruments;
}

/** Every value of `cicd.pipeline.task.run.result` that `taskResult` maps GitHub results to. */
export const TASK_RESULTS = ["success", "failure", "cancellation", "skip", "timeout", "error"];

const TEARDOWN_REASONS = [
  "job-completed",
  "idle-timeout",
  "stopped",
  "max-lifetime",
  "no-registration",
  "boot-timeout",
  "machine-missing",
] as const satisfies readonly TeardownReason[];
// A reason added to TeardownReason but not here fails to compile, instead of missing its 0.
const _everyReason: [Exclude<TeardownReason, (typeof TEARDOWN_REASONS)[number]>] extends [never]
  ? true
  : never = true;
void _everyReason;

/**
 * Attributes with a closed set of values, so their counters can start at 0. The others (error
 * type, orphan and reconcile reasons, message type, location, GitHub operation) are open: their
 * series appear with their first event, and the alert rules (monitoring/alerts.yml) allow for it.
 */
const KNOWN_VALUES: Readonly<Record<string, readonly string[]>> = {
  [ATTR.orphanKind]: ["machine", "registration"],
  [ATTR.pollResult]: ["message", "empty"],
  [ATTR.taskResult]: TASK_RESULTS,
  [ATTR.teardownReason]: TEARDOWN_REASONS,
  [ATTR.cloudOperation]: ["create", "delete", "list"],
  [ATTR.tokenKind]: ["admin", "message_queue"],
  [ATTR.scaleDirection]: ["up", "down"],
  "scaleset.capacity.type": ["spot", "standard"],
  "scaleset.rerun.outcome": ["requested", "skipped", "failed"],
};

/**
 * A Prometheus counter that does not exist yet cannot take part in a rule: `found > 2 *
 * deleted` is silent while nothing was ever deleted, and `increase()` misses a series' first
 * step. So once a scale set is known, its counters are created at 0 for every combination of
 * known values.
 */
export function zeroUnitCounters(
  m: Instruments,
  identity: { scaleSet: string; engineType: string },
): void {
  zeroCounters(
    m,
    {
      ...KNOWN_VALUES,
      [ATTR.scaleSet]: [identity.scaleSet],
      [ATTR.engineType]: [identity.engineType],
    },
    ATTR.scaleSet,
  );
}

/** Adds 0 to each counter (with `required` among its attributes) whose attributes are all known. */
function zeroCounters(
  m: Instruments,
  known: Readonly<Record<string, readonly string[]>>,
  required?: string,
): void {
  for (const [id, def] of Object.entries(METRICS) as [keyof Instruments, MetricDefinition][]) {
    if (def.kind !== "counter" || (required && !def.attributes.includes(required))) continue;
    if (!def.attributes.every((name) => known[name] !== undefined)) continue;
    let combinations: Attributes[] = [{}];
    for (const name of def.attributes)
      combinations = combinations.flatMap((partial) =>
        known[name]!.map((value) => ({ ...partial, [name]: value })),
      );
    for (const attributes of combinations) (m[id] as Counter).add(0, attributes);
  }
}
