import type { RunnerState } from "./runner-record.js";

/**
 * What the scaler tells the outside world (status page, telemetry, benchmark). Observers must be
 * cheap and must not throw: they run on the scaler's hot path.
 */
export type ScalerEvent =
  /** `adopted` is set when a record appears for a runner this process did not create. */
  | {
      type: "state";
      runner: string;
      from: RunnerState | null;
      to: RunnerState | null;
      adopted?: boolean;
    }
  /** `latencyMs` runs from the decision to the create call; `jitMs` of it was the JIT request. */
  | { type: "create-called"; runner: string; latencyMs: number; jitMs: number }
  /** The cloud accepted the create; `location` is the engine's zone, region or instance type. */
  | { type: "machine-created"; runner: string; machineId: string; location?: string }
  | {
      type: "create-failed";
      runner: string;
      code: string;
      retryable: boolean;
      stage?: "jit" | "engine";
    }
  | { type: "machine-deleted"; runner: string; machineId: string; reason: string }
  | { type: "registration-removed"; runner: string; runnerId: number; reason: string }
  | { type: "orphan"; kind: "machine" | "registration"; reason: string; runner?: string }
  /** Every adopt, delete, keep or leave that reconciliation decides, with its reason. */
  | {
      type: "reconcile";
      action: ReconcileAction;
      reason: string;
      runner: string;
      machineId?: string;
    }
  /** A machine powered off before its runner came online. */
  | { type: "boot-failed"; runner: string };

export type ReconcileAction = "adopt" | "delete-machine" | "remove-registration" | "keep" | "leave";

export type ScalerObserver = (event: ScalerEvent) => void;

export type RunnerPhase = "provision" | "teardown";

/**
 * Lets telemetry run a runner's GitHub and cloud calls inside that runner's trace. Each method
 * must call `work` exactly once and return its result unchanged; it must not throw on its own.
 */
export interface ScalerTracing {
  runnerPhase<T>(
    runner: string,
    phase: RunnerPhase,
    work: () => Promise<T>,
    reason?: string,
  ): Promise<T>;
  reconcile<T>(work: () => Promise<T>): Promise<T>;
}
