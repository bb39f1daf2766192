import type { Logger } from "pino";
import type { CapacityPreference, Engine } from "../engines/engine.js";
import type { JobCompleted, JobStarted } from "../github/types.js";
import type { CreateBackoffSnapshot } from "./create-backoff.js";
import type { ScalerObserver, ScalerTracing } from "./events.js";
import type { ScalerGitHubApi } from "./provision.js";
import type { RunnerState } from "./runner-record.js";
import type { ScheduleWindow } from "./schedule.js";

export interface ScalerOptions {
  scaleSetId: number;
  scaleSetName: string;
  labels: readonly string[];
  minRunners: number;
  maxRunners: number;
  /** Windows of the week with a higher minimum (warm pools); evaluated on every tick. */
  schedules?: readonly ScheduleWindow[];
  idleTimeoutMs: number;
  bootTimeoutMs: number;
  maxLifetimeMs: number;
  createConcurrency: number;
  deleteConcurrency: number;
  reconcileIntervalMs: number;
  github: ScalerGitHubApi;
  engine: Engine;
  logger: Logger;
  observer?: ScalerObserver;
  /** Runs provisioning, teardown and reconciliation inside telemetry spans. */
  tracing?: ScalerTracing;
  /** Asked before each create: where the new machine must not be spot (see src/spot). */
  capacity?: () => CapacityPreference | undefined;
  /** Interval of the housekeeping tick (idle timeouts, create backoff). */
  tickMs?: number;
  /** Records younger than this are not judged missing by reconciliation. */
  settleMs?: number;
  now?: () => number;
}

/** The narrow interface the listener drives (as in the Go SDK): it never awaits cloud work. */
export interface ScaleHandler {
  handleDesiredRunnerCount(totalAssignedJobs: number): void;
  handleJobStarted(message: JobStarted): void;
  handleJobCompleted(message: JobCompleted): void;
}

export interface ScalerSnapshot {
  scaleSetId: number;
  desired: number;
  /** The minimum in force now (a schedule window's, or `min_runners`). */
  minRunners: number;
  totalAssignedJobs: number;
  runners: Record<RunnerState, number>;
  createQueue: number;
  deleteQueue: number;
  consecutiveCreateFailures: number;
  /** When creates may run again and why they last failed. */
  createBackoff: CreateBackoffSnapshot;
  /** Machines found powered off at the last reconciliation and not deleted since. */
  stoppedMachines: number;
  /** JobStarted and JobCompleted messages handled by this process. */
  jobsStarted: number;
  jobsCompleted: number;
}
