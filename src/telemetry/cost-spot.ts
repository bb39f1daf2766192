/**
 * Telemetry of cost and spot (src/cost, src/spot): the cost metrics and the `scaleset.cost_usd`
 * attribute on the runner's and its job's spans (the job span stays open until the runner's
 * machine is deleted, which is when its bill is known), preemption and re-run counters.
 */
import type { Attributes, Span } from "@opentelemetry/api";
import type { SpotCostTelemetry } from "../spot/events.js";
import type { Instruments } from "./instruments.js";

export const COST_ATTR = {
  costUsd: "scaleset.cost_usd",
  costKnown: "scaleset.cost.known",
  capacity: "scaleset.capacity.type",
  preempted: "scaleset.machine.preempted",
  zone: "cloud.availability_zone",
  machineType: "scaleset.machine.type",
  rerunOutcome: "scaleset.rerun.outcome",
} as const;

export function costSpotTelemetry(
  m: Instruments,
  attributes: { set: Attributes; withEngine: Attributes },
  spansOf: (runner: string) => Span[],
): SpotCostTelemetry {
  const rerun = (outcome: string) =>
    m.reruns.add(1, { ...attributes.set, [COST_ATTR.rerunOutcome]: outcome });
  return {
    cost(cost) {
      const metric = {
        ...attributes.withEngine,
        [COST_ATTR.capacity]: cost.capacity ?? "standard",
      };
      if (cost.usd === null) m.machinesUnpriced.add(1, metric);
      else {
        m.cost.add(cost.usd, metric);
        if (cost.job) m.jobCost.record(cost.usd, metric);
      }
      for (const span of spansOf(cost.runner)) {
        // Unknown is said as unknown: no cost_usd at all, never 0.
        if (cost.usd !== null) span.setAttribute(COST_ATTR.costUsd, cost.usd);
        span.setAttribute(COST_ATTR.costKnown, cost.usd !== null);
        if (cost.capacity) span.setAttribute(COST_ATTR.capacity, cost.capacity);
        if (cost.preempted) span.setAttribute(COST_ATTR.preempted, true);
      }
    },
    spot(event) {
      switch (event.type) {
        case "preempted":
          m.preemptions.add(1, {
            ...attributes.withEngine,
            [COST_ATTR.zone]: event.zone ?? "unknown",
            [COST_ATTR.machineType]: event.machineType ?? "unknown",
          });
          for (const span of spansOf(event.runner)) span.addEvent("machine.preempted");
          return;
        case "rerun-requested":
          return rerun("requested");
        case "rerun-skipped":
          return rerun("skipped");
        case "rerun-failed":
          return rerun("failed");
        default:
          return;
      }
    },
  };
}
