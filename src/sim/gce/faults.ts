import type { OperationFailure } from "./operations.js";
import type { GceFaults } from "./types.js";

/** Fault injection: what a new insert runs into, decided when the insert arrives. */

export function noFaults(): GceFaults {
  return {
    stockoutZones: new Set(),
    spotStockoutZones: new Set(),
    quotaExceeded: 0,
    serverErrors: 0,
    serverErrorsOn: null,
    hangRequests: 0,
    operationErrors: [],
    operationDelayMs: null,
  };
}

/** The error the insert's operation will end with, or undefined if it will succeed. */
export function insertFailure(
  faults: GceFaults,
  target: { project: string; zone: string; spot: boolean },
): OperationFailure | undefined {
  const { project, zone, spot } = target;
  if (faults.stockoutZones.has(zone) || (spot && faults.spotStockoutZones.has(zone))) {
    return {
      httpStatus: 503,
      code: "ZONE_RESOURCE_POOL_EXHAUSTED",
      message: `The zone 'projects/${project}/zones/${zone}' does not have enough resources available to fulfill the request.  Try a different zone, or try again later.`,
    };
  }
  if (faults.quotaExceeded > 0) {
    faults.quotaExceeded--;
    const region = zone.replace(/-[a-z]$/, "");
    return {
      httpStatus: 403,
      code: "QUOTA_EXCEEDED",
      message: `Quota 'CPUS' exceeded.  Limit: 24.0 in region ${region}.`,
      details: [
        {
          quotaInfo: {
            metricName: "compute.googleapis.com/cpus",
            limitName: "CPUS-per-project-region",
            dimensions: { region },
            limit: 24,
          },
        },
      ],
    };
  }
  const generic = faults.operationErrors.shift();
  return generic ? { httpStatus: 400, ...generic } : undefined;
}
