import type { CapacityType, Machine } from "../engines/engine.js";
import type { JobCompleted, JobStarted } from "../github/types.js";
import type { RunnerState } from "./runner-record.js";

/** What the cloud said a machine is, for prices and the spot circuit breaker. */
export interface MachineFacts {
  /** The engine's zone, region or instance type. */
  location?: string;
  capacity?: CapacityType;
  machineType?: string;
  diskGb?: number;
}

/** A job as its messages name it (the workflow run it belongs to). */
export interface JobBinding {
  jobId: string;
  owner: string;
  repo: string;
  runId: number;
}

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
  | ({ type: "machine-created"; runner: string; machineId: string } & MachineFacts)
  /** Reconciliation took over a machine this process did not create (`createdAt`: the cloud's). */
  | ({ type: "machine-adopted"; runner: string; machineId: string; createdAt: Date } & MachineFacts)
  /** A job message named the runner that took or finished a job. */
  | { type: "job-started"; runner: string; job: JobBinding }
  | { type: "job-completed"; runner: string; job: JobBinding; result: string }
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

export function jobBinding(message: JobStarted | JobCompleted): JobBinding {
  return {
    jobId: message.jobId,
    owner: message.ownerName,
    repo: message.repositoryName,
    runId: message.workflowRunId,
  };
}

export function machineAdopted(machine: Machine): ScalerEvent {
  const { location, capacity, machineType, diskGb } = machine;
  return {
    type: "machine-adopted",
    runner: machine.runnerName,
    machineId: machine.id,
    createdAt: machine.createdAt,
    ...{ location, capacity, machineType, diskGb },
  };
}

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
