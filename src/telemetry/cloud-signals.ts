/**
 * Signals engines can send without depending on the telemetry module's internals. No-ops unless
 * the process started telemetry (the global meter provider is then the SDK's).
 */
import { metrics } from "@opentelemetry/api";
import { METRICS } from "./metric-definitions.js";

/**
 * A create moved on to another zone, instance type or market after a capacity (or quota) error.
 * `errorType` is the cloud's error code, e.g. ZONE_RESOURCE_POOL_EXHAUSTED or
 * InsufficientInstanceCapacity.
 */
export function recordCapacityFallback(engineType: string, errorType: string): void {
  const def = METRICS.capacityFallbacks;
  metrics
    .getMeter("scaleset")
    .createCounter(def.name, { unit: def.unit, description: def.description })
    .add(1, { "scaleset.engine.type": engineType, "error.type": errorType });
}
