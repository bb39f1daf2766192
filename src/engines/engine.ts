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

export interface MachineRequest {
  /** Unique runner name; engines use it (or a sanitised form) as the machine name. */
  runnerName: string;
  /** Secret single-use runner config. Never log it, never put it in a label or tag. */
  jitConfig: string;
  scaleSetId: number;
  scaleSetName: string;
  labels: readonly string[];
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
  /** Creates and starts a machine for one runner; resolves once the cloud has accepted it. */
  create(request: MachineRequest, signal?: AbortSignal): Promise<Machine>;
  /** Deletes a machine. Idempotent: a machine that no longer exists is success. */
  delete(machineId: string, signal?: AbortSignal): Promise<void>;
  /**
   * Every machine of this engine's deployment scope, including ones created by an earlier process,
   * plus unscoped machines of its scale set from older versions (see `Machine.deployment`).
   */
  list(signal?: AbortSignal): Promise<Machine[]>;
  close(): Promise<void>;
}
