/**
 * The subset of Compute Engine v1 resources the engine reads and writes, as plain structural
 * types. They are assignable to the SDK's generated `protos` interfaces, so the engine code
 * never depends on the SDK (whose type and runtime load is heavy) outside `compute-api.ts`.
 */

export interface GceInstanceResource {
  name: string;
  machineType: string;
  labels: Record<string, string>;
  metadata: { items: Array<{ key: string; value: string }> };
  disks: Array<{
    boot: boolean;
    autoDelete: boolean;
    initializeParams: {
      sourceImage: string;
      diskSizeGb: string;
      diskType: string;
      labels: Record<string, string>;
    };
  }>;
  networkInterfaces: Array<{
    network: string;
    subnetwork?: string;
    accessConfigs: Array<{ name: string; type: string }>;
  }>;
  serviceAccounts: Array<{ email: string; scopes: string[] }>;
  tags?: { items: string[] };
  scheduling: {
    provisioningModel: "SPOT" | "STANDARD";
    automaticRestart: boolean;
    onHostMaintenance: "TERMINATE" | "MIGRATE";
    instanceTerminationAction: "DELETE";
    maxRunDuration: { seconds: string };
  };
}

/** An instance as get/list return it (only what the engine reads). */
export interface GceInstance {
  name?: string | null;
  zone?: string | null;
  status?: string | null;
  labels?: Record<string, string> | null;
  creationTimestamp?: string | null;
  /** A URL ending in `machineTypes/NAME`. */
  machineType?: string | null;
  scheduling?: { provisioningModel?: string | null } | null;
  /** int64 fields arrive as strings. */
  disks?: Array<{ boot?: boolean | null; diskSizeGb?: string | number | null }> | null;
}

export interface GceOperationErrorItem {
  code?: string | null;
  message?: string | null;
  /** QUOTA_EXCEEDED names its quota here: metric, limit and (for regional ones) the region. */
  errorDetails?: Array<{
    quotaInfo?: {
      metricName?: string | null;
      limitName?: string | null;
      dimensions?: Record<string, string> | null;
    } | null;
  }> | null;
}

export interface GceOperation {
  name?: string | null;
  status?: string | null;
  /** `insert`, `delete`, or a system event such as `compute.instances.preempted`. */
  operationType?: string | null;
  /** A URL ending in `instances/NAME`. */
  targetLink?: string | null;
  insertTime?: string | null;
  httpErrorStatusCode?: number | null;
  error?: { errors?: GceOperationErrorItem[] | null } | null;
}

/** Per-call options: every call is bounded and can be cancelled. */
export interface CallLimits {
  timeoutMs: number;
  signal?: AbortSignal;
}

/** The narrow Compute Engine API the engine uses; `compute-api.ts` implements it with the SDK. */
export interface GceApi {
  insert(
    zone: string,
    resource: GceInstanceResource,
    requestId: string,
    limits: CallLimits,
  ): Promise<GceOperation>;
  delete(zone: string, name: string, requestId: string, limits: CallLimits): Promise<GceOperation>;
  /** One `zoneOperations.wait` call: returns the operation, DONE or not. */
  waitOperation(zone: string, operation: string, limits: CallLimits): Promise<GceOperation>;
  /** All pages of `instances.aggregatedList` for a server-side filter. */
  aggregatedList(filter: string, limits: CallLimits): Promise<GceInstance[]>;
  /** All pages of `zoneOperations.list` in one zone for a server-side filter. */
  listOperations(zone: string, filter: string, limits: CallLimits): Promise<GceOperation[]>;
  close(): Promise<void>;
}
