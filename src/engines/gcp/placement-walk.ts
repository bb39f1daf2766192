import { EngineError } from "../engine.js";
import { machineTypeFix } from "./error-fixes.js";
import { PlacementError } from "./errors.js";
import { type Placement, regionOf } from "./instance-resource.js";

/**
 * Tries placements in order until one takes the VM. What a refusal rules out decides what is
 * tried next: a stockout or a machine type the zone does not offer rules out that zone only; a
 * regional quota rules out every zone of its region (retrying sibling zones only spends API
 * quota on the same refusal; a preemptible quota rules out spot VMs only); a project-wide quota
 * rules out everything, so the error goes straight to the scaler, which waits and tries again.
 * Any other error (rate limit, permission, bad request) also ends the walk at once.
 */
export async function walkPlacements<T>(
  placements: readonly Placement[],
  attempt: (placement: Placement) => Promise<T>,
  context: {
    runnerName: string;
    machineType: string;
    onFallthrough(placement: Placement, error: PlacementError): void;
  },
): Promise<T> {
  const closed = new Set<string>(); // "region" (all VMs) or "region/spot" (spot VMs only)
  const isClosed = (p: Placement) =>
    closed.has(regionOf(p.zone)) || (p.spot && closed.has(`${regionOf(p.zone)}/spot`));
  const tried: string[] = [];
  const refusals: PlacementError[] = [];
  for (const placement of placements) {
    if (isClosed(placement)) continue;
    try {
      return await attempt(placement);
    } catch (error) {
      if (!(error instanceof PlacementError) || error.fallthrough.to === "nowhere") throw error;
      refusals.push(error);
      tried.push(`${placement.zone}${placement.spot ? " (spot)" : ""}: ${error.code}`);
      const { fallthrough } = error;
      if (fallthrough.to === "region") {
        const region = fallthrough.region ?? regionOf(placement.zone);
        closed.add(fallthrough.spotOnly ? `${region}/spot` : region);
      }
      context.onFallthrough(placement, error);
    }
  }
  const last = refusals.at(-1);
  if (last && refusals.every((r) => r.code === "MACHINE_TYPE_UNAVAILABLE")) {
    const zones = [...new Set(placements.map((p) => p.zone))];
    throw new EngineError(
      `${context.machineType} is offered in none of the zones for ${context.runnerName}; last error: ${last.message}`,
      {
        code: "MACHINE_TYPE_UNAVAILABLE",
        retryable: false,
        fix: machineTypeFix(context.machineType, zones),
      },
    );
  }
  // Stockouts and quotas clear up: the scaler tries again after its backoff.
  const capacity = refusals.filter((r) => r.code !== "MACHINE_TYPE_UNAVAILABLE").at(-1) ?? last;
  throw new EngineError(
    `no capacity for ${context.runnerName} (tried ${tried.join("; ")}); last error: ${capacity?.message ?? "none"}`,
    {
      code: capacity?.code ?? "ZONE_RESOURCE_POOL_EXHAUSTED",
      retryable: true,
      fix: capacity?.fix,
    },
  );
}
