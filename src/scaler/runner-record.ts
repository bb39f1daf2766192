import { randomBytes } from "node:crypto";

/** pending → booting → idle → busy → deleting (see docs/architecture.md). */
export type RunnerState = "pending" | "booting" | "idle" | "busy" | "deleting";

export const RUNNER_STATES: readonly RunnerState[] = [
  "pending",
  "booting",
  "idle",
  "busy",
  "deleting",
];

const ALLOWED: Record<RunnerState, readonly RunnerState[]> = {
  pending: ["booting", "busy", "deleting"],
  booting: ["idle", "busy", "deleting"],
  idle: ["busy", "deleting"],
  busy: ["deleting"],
  // A scale-down that lost the race with a job start (JobStillRunning) goes back to busy; one
  // that could not prove the runner idle (GitHub unreachable) goes back to booting.
  deleting: ["busy", "booting"],
};

export interface RunnerRecord {
  name: string;
  state: RunnerState;
  /** GitHub runner (agent) id, once the JIT config exists. */
  runnerId?: number;
  /** Cloud machine id, once the engine accepted the create. */
  machineId?: string;
  jobId?: string;
  /** When the scaler decided this runner is needed (start of the scaler-added latency). */
  requestedAt: number;
  stateSince: number;
  /** Set when scale-down wants a runner that is still being provisioned. */
  cancelled: boolean;
  /** True when found in the cloud at reconciliation rather than created by this process. */
  adopted: boolean;
}

export class InvalidTransitionError extends Error {
  constructor(name: string, from: RunnerState, to: RunnerState) {
    super(`runner ${name}: invalid state transition ${from} → ${to}`);
    this.name = "InvalidTransitionError";
  }
}

export function canTransition(from: RunnerState, to: RunnerState): boolean {
  return ALLOWED[from].includes(to);
}

/** Moves a record to a new state; returns the previous one. Throws on a transition the model forbids. */
export function transition(record: RunnerRecord, to: RunnerState, now: number): RunnerState {
  const from = record.state;
  if (from === to) return from;
  if (!canTransition(from, to)) throw new InvalidTransitionError(record.name, from, to);
  record.state = to;
  record.stateSince = now;
  return from;
}

export function newRunnerRecord(name: string, now: number): RunnerRecord {
  return {
    name,
    state: "pending",
    requestedAt: now,
    stateSince: now,
    cancelled: false,
    adopted: false,
  };
}

/**
 * A runner name valid as a GCE instance name, an EC2 tag and a GitHub runner name:
 * lower-case letters, digits and dashes, starting with a letter, at most 63 characters.
 */
export function makeRunnerName(scaleSetName: string, random: () => string = randomSuffix): string {
  let prefix = scaleSetName
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, "-")
    .replace(/-+/g, "-")
    .replace(/^-+|-+$/g, "");
  if (!/^[a-z]/.test(prefix)) prefix = `r-${prefix}`.replace(/-+$/, "");
  return `${prefix.slice(0, 50).replace(/-+$/, "")}-${random()}`;
}

function randomSuffix(): string {
  return randomBytes(4).toString("hex");
}

export function countByState(records: Iterable<RunnerRecord>): Record<RunnerState, number> {
  const counts: Record<RunnerState, number> = {
    pending: 0,
    booting: 0,
    idle: 0,
    busy: 0,
    deleting: 0,
  };
  for (const r of records) counts[r.state]++;
  return counts;
}
