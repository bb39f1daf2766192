/**
 * The one interface every cloud engine implements. A machine runs exactly one ephemeral runner;
 * the scaler never touches a cloud SDK directly.
 */

/** Labels/tags written on every machine so state can be rebuilt from the cloud after a crash. */
export const MACHINE_LABELS = {
  managedBy: "scaleset-managed-by",
  scaleSet: "scaleset-scale-set",
  runner: "scaleset-runner",
  owner: "scaleset-owner",
  /** The deployment scope (src/engines/deployment-scope.ts); every list filters on it. */
  deployment: "scaleset-deployment",
} as const;

/** How a machine is bought: spot (preemptible, cheaper) or standard (on-demand). */
export type CapacityType = "spot" | "standard";

/**
 * Where a new machine must not be spot, whatever the engine's config prefers: the spot circuit
 * breaker's "standard only here" and the re-run of a preempted job. Engines that launch spot
 * machines turn such a spot attempt into a standard one; they ignore what they cannot tell.
 */
export interface CapacityPreference {
  /** No spot machine at all. */
  standardOnly?: boolean;
  /** Zones (GCE zones, EC2 availability zones) where spot is avoided. */
  avoidSpotZones?: readonly string[];
  /** Machine types where spot is avoided. */
  avoidSpotTypes?: readonly string[];
}

export interface MachineRequest {
  /** Unique runner name; engines use it (or a sanitised form) as the machine name. */
  runnerName: string;
  /** Secret single-use runner config. Never log it, never put it in a label or tag. */
  jitConfig: string;
  scaleSetId: number;
  scaleSetName: string;
  labels: readonly string[];
  /** Absent: the engine's config decides spot or standard alone. */
  capacity?: CapacityPreference;
}

export type MachineState = "provisioning" | "running" | "stopping" | "stopped" | "terminated";

export interface Machine {
  /** Cloud name or id, what `delete` takes. */
  id: string;
  runnerName: string;
  scaleSetName: string;
  /** Identity of the scaleset process that created it (the `owner` label). */
  owner: string;
  /**
   * The machine's deployment scope label. Engines return only machines of their own scope, plus
   * machines of their scale set that carry no scope at all (made by a version before scopes):
   * those have `deployment` undefined, and the scaler adopts them only when GitHub confirms the
   * runner belongs to its scale set. A machine of another scope is never returned.
   */
  deployment?: string;
  state: MachineState;
  createdAt: Date;
  /** Zone, region or instance type, for logs and metrics. */
  location?: string;
  /** Spot or standard, when the engine knows (for prices and the spot circuit breaker). */
  capacity?: CapacityType;
  /** The machine type (`e2-standard-2`, `m7i.large`), when the engine knows. */
  machineType?: string;
  /** Size of its boot disk in GB, when the engine knows (the disk is billed too). */
  diskGb?: number;
}

/** A spot machine the cloud took back (GCE preemption, EC2 spot interruption). */
export interface Preemption {
  machineId: string;
  runnerName: string;
  /** Zone or availability zone. */
  zone?: string;
  machineType?: string;
  /** When the cloud preempted it (or when that was first seen, if the cloud does not say). */
  at: Date;
}

/** Thrown by engines. `retryable` tells the scaler whether trying again may succeed. */
export class EngineError extends Error {
  readonly retryable: boolean;
  readonly code: string;
  /** What the operator can do about it (a permission, a command, a config field), when known. */
  readonly fix?: string;
  constructor(
    message: string,
    opts: { code: string; retryable: boolean; cause?: unknown; fix?: string },
  ) {
    super(message, { cause: opts.cause });
    this.name = "EngineError";
    this.code = opts.code;
    this.retryable = opts.retryable;
    if (opts.fix) this.fix = opts.fix;
  }
}

export interface Engine {
  readonly type: string;
  /**
   * True when the engine opens a CLIENT span per cloud API call itself (gcp, ec2). The telemetry
   * decorator then adds no operation span around them: the runner span already carries the
   * machine's id and place, and a create span around its one RunInstances says nothing more.
   */
  readonly tracesCalls?: boolean;
  /** Creates and starts a machine for one runner; resolves once the cloud has accepted it. */
  create(request: MachineRequest, signal?: AbortSignal): Promise<Machine>;
  /** Deletes a machine. Idempotent: a machine that no longer exists is success. */
  delete(machineId: string, signal?: AbortSignal): Promise<void>;
  /**
   * Every machine of this engine's deployment scope, including ones created by an earlier process,
   * plus unscoped machines of its scale set from older versions (see `Machine.deployment`).
   */
  list(signal?: AbortSignal): Promise<Machine[]>;
  /**
   * Read-only, for `scaleset doctor`: every managed machine of this engine's scale set name,
   * whatever its deployment scope, each with its `deployment` label (undefined when it has none).
   * Another scope's machines are only shown: `delete` stays scope-checked, and never reaches them.
   */
  inventory?(signal?: AbortSignal): Promise<Machine[]>;
  /**
   * Spot machines of this deployment the cloud preempted since `since` (a little earlier is
   * fine: callers drop repeats by machine id). Absent when the engine cannot tell; [] when it
   * launches no spot machines.
   */
  preemptions?(since: Date, signal?: AbortSignal): Promise<Preemption[]>;
  /**
   * The current spot price in USD per hour of `machineType` in `zone`, read from the cloud; null
   * when the cloud has none for it. Absent when the engine cannot read live prices.
   */
  spotPrice?(machineType: string, zone: string, signal?: AbortSignal): Promise<number | null>;
  close(): Promise<void>;
}
