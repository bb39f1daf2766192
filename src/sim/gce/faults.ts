import {
  forbidden,
  globalCpus,
  machineTypeNotInZone,
  type QuotaLimit,
  quotaExceeded,
  quotaOperationFailure,
  regionalCpus,
  resourceNotReady,
} from "./compute-errors.js";
import type { GceHttpError } from "./http-io.js";
import type { OperationFailure } from "./operations.js";
import type { GceFaults } from "./types.js";

/** Fault injection: what a new insert runs into, decided when the insert arrives. */

export function noFaults(): GceFaults {
  return {
    stockoutZones: new Set(),
    spotStockoutZones: new Set(),
    quotaRegions: new Set(),
    globalQuota: false,
    quotaSynchronous: false,
    rateLimits: 0,
    rateLimitsOn: null,
    notReadyInserts: 0,
    unofferedMachineTypes: new Set(),
    deniedPermissions: new Set(),
    apiDisabled: false,
    disabledServices: new Set(),
    serverErrors: 0,
    serverErrorsOn: null,
    hangRequests: 0,
    operationErrors: [],
    operationDelayMs: null,
  };
}

/** Refuses a call (403 forbidden) whose permission the caller lacks (a fault). */
export function authorize(faults: GceFaults, permission: string, resource: string): void {
  if (faults.deniedPermissions.has(permission)) throw forbidden(permission, resource);
}

const regionOf = (zone: string) => zone.replace(/-[a-z]$/, "");

/** The quota an insert into `zone` runs out of, if any: the project-wide one first. */
function exhaustedQuota(faults: GceFaults, zone: string): QuotaLimit | undefined {
  if (faults.globalQuota) return globalCpus;
  const region = regionOf(zone);
  return faults.quotaRegions.has(region) ? regionalCpus(region) : undefined;
}

export interface InsertTarget {
  project: string;
  zone: string;
  spot: boolean;
  machineType: string;
  /** `machineType` as the request body had it (Compute quotes it back in its message). */
  machineTypeSent: string;
  subnetwork: string | null;
}

/** The error the insert call itself answers with (nothing is created), or undefined. */
export function insertRefusal(faults: GceFaults, target: InsertTarget): GceHttpError | undefined {
  const { project, zone } = target;
  if (faults.unofferedMachineTypes.has(`${zone}/${target.machineType}`)) {
    return machineTypeNotInZone(target.machineTypeSent, target.machineType, zone);
  }
  if (faults.notReadyInserts > 0) {
    faults.notReadyInserts--;
    const subnetwork = target.subnetwork ?? `regions/${regionOf(zone)}/subnetworks/default`;
    return resourceNotReady(`projects/${project}/${subnetwork}`);
  }
  const quota = faults.quotaSynchronous ? exhaustedQuota(faults, zone) : undefined;
  return quota ? quotaExceeded(quota) : undefined;
}

/** The error the insert's operation will end with, or undefined if it will succeed. */
export function insertFailure(
  faults: GceFaults,
  target: Pick<InsertTarget, "project" | "zone" | "spot">,
): OperationFailure | undefined {
  const { project, zone, spot } = target;
  if (faults.stockoutZones.has(zone) || (spot && faults.spotStockoutZones.has(zone))) {
    return {
      httpStatus: 503,
      code: "ZONE_RESOURCE_POOL_EXHAUSTED",
      message: `The zone 'projects/${project}/zones/${zone}' does not have enough resources available to fulfill the request.  Try a different zone, or try again later.`,
    };
  }
  const quota = faults.quotaSynchronous ? undefined : exhaustedQuota(faults, zone);
  if (quota) return quotaOperationFailure(quota);
  const generic = faults.operationErrors.shift();
  return generic ? { httpStatus: 400, ...generic } : undefined;
}
