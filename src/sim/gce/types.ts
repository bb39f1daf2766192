/** Public shapes of the Compute Engine fake: options, fault knobs, and what tests can inspect. */

/** A simulated VM's workload: what the runner image runs at boot with its JIT config. */
export type GceRunnerLauncher = (jitConfig: string, signal: AbortSignal) => Promise<unknown>;

export interface GceSimOptions {
  /** Zones that exist; an insert into any other zone is a 404 like on GCE. */
  zones?: string[];
  /** Ms an operation stays RUNNING before it is DONE (default 30). */
  operationDelayMs?: number;
  /** Ms from a finished insert (STAGING) to RUNNING and the runner starting (default 50). */
  bootDelayMs?: number;
  /** Longest a `wait` call holds before answering with a RUNNING operation (default 1000). */
  waitTimeoutMs?: number;
  /**
   * Scales `scheduling.maxRunDuration` so tests can watch the cloud enforce the TTL in
   * milliseconds (default 1: a 30 s TTL fires after 30 s).
   */
  ttlScale?: number;
  /** Runs inside each VM; default: the simulated runner against the GitHub simulator. */
  launchRunner?: GceRunnerLauncher;
  /** Reject API calls without a bearer token issued by this fake's token endpoint (default true). */
  requireAuth?: boolean;
  onRunnerError?: (instance: string, error: unknown) => void;
}

export interface GceOperationError {
  code: string;
  message: string;
}

/** Mutable fault knobs; tests change them while the fake runs. */
export interface GceFaults {
  /** Every insert into these zones ends with ZONE_RESOURCE_POOL_EXHAUSTED. */
  stockoutZones: Set<string>;
  /** Spot inserts into these zones end with ZONE_RESOURCE_POOL_EXHAUSTED; standard ones work. */
  spotStockoutZones: Set<string>;
  /** Regions whose CPUS quota is used up: inserts into their zones fail with QUOTA_EXCEEDED. */
  quotaRegions: Set<string>;
  /** The project-wide CPUS_ALL_REGIONS quota is used up: every insert fails with QUOTA_EXCEEDED. */
  globalQuota: boolean;
  /**
   * Quota failures answer the insert call itself (403 quotaExceeded) instead of ending its
   * operation with QUOTA_EXCEEDED; Compute does both.
   */
  quotaSynchronous: boolean;
  /** The next n compute API calls (matching `rateLimitsOn`, if set) answer 403 rateLimitExceeded. */
  rateLimits: number;
  /** Limits `rateLimits` to requests whose `METHOD path` matches, e.g. /^POST .*\/instances$/. */
  rateLimitsOn: RegExp | null;
  /** The next n inserts answer 400 resourceNotReady (their subnetwork is being changed). */
  notReadyInserts: number;
  /** `ZONE/MACHINE_TYPE` pairs not offered: such an insert answers 400 invalid, naming both. */
  unofferedMachineTypes: Set<string>;
  /** IAM permissions the caller lacks (`compute.instances.create`…): 403 forbidden. */
  deniedPermissions: Set<string>;
  /** The Compute Engine API is disabled: every call answers 403 SERVICE_DISABLED. */
  apiDisabled: boolean;
  /**
   * Other APIs disabled in the project (`cloudresourcemanager.googleapis.com`,
   * `iam.googleapis.com`): their calls answer 403 SERVICE_DISABLED.
   */
  disabledServices: Set<string>;
  /** The next n compute API calls (matching `serverErrorsOn`, if set) answer HTTP 503. */
  serverErrors: number;
  /** Limits `serverErrors` to requests whose `METHOD path` matches, e.g. /^POST .*\/instances$/. */
  serverErrorsOn: RegExp | null;
  /** The next n compute API calls never answer (the connection stays open). */
  hangRequests: number;
  /** The next inserts' operations end with these errors, one each, in order. */
  operationErrors: GceOperationError[];
  /** Overrides `operationDelayMs` for operations created from now on (slow operations). */
  operationDelayMs: number | null;
}

export type GceInstanceStatus =
  | "PROVISIONING"
  | "STAGING"
  | "RUNNING"
  | "STOPPING"
  | "TERMINATED"
  | "SUSPENDED";

/** A request as the fake received it (the JSON body parsed). */
export interface GceRecordedRequest {
  method: string;
  path: string;
  query: Record<string, string>;
  body: unknown;
  /**
   * Who made it, as an audit log would name them: the `sub` of the subject token its access token
   * was exchanged for (or the service account of a JWT grant); undefined without a valid token.
   */
  principal?: string;
}

/** A VM as tests see it. */
export interface GceInstanceView {
  project: string;
  zone: string;
  name: string;
  status: GceInstanceStatus;
  labels: Record<string, string>;
  metadata: Record<string, string>;
  spot: boolean;
  /** What the VM's runner did: null while running or never started. */
  runnerOutcome: "completed" | "failed" | "aborted" | null;
}

export interface GceCounters {
  inserted: number;
  deleted: number;
  /** VMs the cloud deleted itself because `maxRunDuration` elapsed. */
  expired: number;
  insertFailures: number;
  /** Boot disks left behind by deleted VMs whose disk was not `autoDelete`. */
  leakedDisks: number;
}
