import type { RunnerState } from "./runner-record.js";

/**
 * What the scaler tells the outside world (status page, telemetry, benchmark). Observers must be
 * cheap and must not throw: they run on the scaler's hot path.
 */
export type ScalerEvent =
  | { type: "state"; runner: string; from: RunnerState | null; to: RunnerState | null }
  /** `latencyMs` runs from the decision to the create call; `jitMs` of it was the JIT request. */
  | { type: "create-called"; runner: string; latencyMs: number; jitMs: number }
  | { type: "create-failed"; runner: string; code: string; retryable: boolean }
  | { type: "machine-deleted"; runner: string; machineId: string; reason: string }
  | { type: "registration-removed"; runner: string; runnerId: number; reason: string }
  | { type: "orphan"; kind: "machine" | "registration"; reason: string };

export type ScalerObserver = (event: ScalerEvent) => void;
