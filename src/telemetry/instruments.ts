/** Creates the instruments of METRICS on a meter, typed by kind. */
import type {
  Counter,
  Histogram,
  Meter,
  ObservableCounter,
  ObservableGauge,
  UpDownCounter,
} from "@opentelemetry/api";
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
  return out as Instruments;
}
