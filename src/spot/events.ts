import type { MachineCost } from "../cost/ledger.js";
import type { CapacityType } from "../engines/engine.js";
import type { BreakerState } from "./breaker.js";

/**
 * What the spot side reports, for logs, telemetry and tests (the preemption e2e test's trace is
 * a list of these): a preemption, each re-run decision, the re-run's jobs, breaker changes.
 */
export type SpotEvent =
  | { type: "preempted"; runner: string; machineId: string; zone?: string; machineType?: string }
  | { type: "breaker"; key: string; from: BreakerState; to: BreakerState }
  | { type: "rerun-requested"; runId: number; owner: string; repo: string; jobs: number }
  | { type: "rerun-skipped"; runId: number; reason: string }
  | { type: "rerun-failed"; runId: number; message: string }
  /** A job of a run this process re-ran started; `capacity` of the runner that took it. */
  | { type: "rerun-job-started"; runId: number; runner: string; capacity?: CapacityType }
  | { type: "rerun-job-completed"; runId: number; runner: string; result: string };

export type SpotObserver = (event: SpotEvent) => void;

/** Telemetry's side of cost and spot: metrics and span attributes from their results. */
export interface SpotCostTelemetry {
  cost(cost: MachineCost): void;
  spot(event: SpotEvent): void;
}
