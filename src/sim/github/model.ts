import type { ScaleSetLabel } from "../../github/types.js";
import type { Fifo } from "./fifo.js";
import type { MessageQueue } from "./message-queue.js";

/** Server-side entities of the fake. */

export type JobState = "queued" | "available" | "acquired" | "assigned" | "running" | "completed";

export const JOB_STATES: readonly JobState[] = [
  "queued",
  "available",
  "acquired",
  "assigned",
  "running",
  "completed",
];

export interface SimJob {
  id: string;
  /** Internal request id; sent as runnerRequestId in `available` mode, 0 in `assigned` mode. */
  requestId: number;
  labels: string[];
  durationMs: number;
  plannedResult: string;
  state: JobState;
  /** Scale set the job was matched to; null while no scale set matches its labels. */
  scaleSetId: number | null;
  runner: SimRunner | null;
  result: string | null;
  displayName: string;
  workflowRunId: number;
  /** Which attempt of its workflow run this job belongs to (a re-run makes new jobs). */
  runAttempt: number;
  /** The job's numeric id in the REST API (the Actions service names it by `id`). */
  restId: number;
  queueTime: Date;
  scaleSetAssignTime: Date | null;
  runnerAssignTime: Date | null;
  finishTime: Date | null;
  timer: NodeJS.Timeout | null;
}

export type RunOutcome =
  | { kind: "completed"; jobId: string; result: string }
  | { kind: "removed" }
  | { kind: "stopped" };

/** A simulated runner process connected to POST /_sim/runner/run. */
export interface RunnerWaiter {
  settle(outcome: RunOutcome): void;
}

export interface SimRunner {
  id: number;
  name: string;
  scaleSetId: number;
  clientId: string;
  clientSecret: string;
  status: "online" | "offline";
  busy: boolean;
  /** The JIT config was used to start a runner (single use). */
  used: boolean;
  job: SimJob | null;
  waiter: RunnerWaiter | null;
  createdOn: Date;
}

export interface SimSession {
  id: string;
  scaleSetId: number;
  ownerName: string;
  /** Bumped by refresh and by expireQueueTokens; tokens of older generations are rejected. */
  generation: number;
  createdAt: Date;
  lastActivity: number;
  /** Ends each held long poll of this session with 202. */
  heldPolls: Set<() => void>;
}

export interface SimScaleSet {
  id: number;
  name: string;
  runnerGroupId: number;
  labels: ScaleSetLabel[];
  /** Lower-cased label names, for matching jobs. */
  labelNames: Set<string>;
  runnerSetting: Record<string, unknown>;
  createdOn: Date;
  /** Last X-ScaleSetMaxCapacity seen; unlimited until the first poll (like the real backend). */
  maxCapacity: number;
  jobCounts: Record<JobState, number>;
  registeredRunners: number;
  busyRunners: number;
  /** Jobs waiting for capacity: acquired (available mode) or queued (assigned mode). */
  pendingAssignment: Fifo<SimJob>;
  /** Assigned jobs that no runner has picked up yet. */
  unclaimed: Fifo<SimJob>;
  /** Online idle runners waiting for a job. */
  waitingRunners: Fifo<SimRunner>;
  queue: MessageQueue;
  session: SimSession | null;
}
