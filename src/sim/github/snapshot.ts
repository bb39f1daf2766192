import type { RunnerScaleSetStatistics } from "../../github/types.js";
import type { FaultName } from "./faults.js";
import type { JobState } from "./model.js";
import type { SimCounters, SimWorld } from "./world.js";

/** Plain-data view of the fake's state, for tests, the demo and the benchmark. */

export interface ScaleSetSnapshot {
  id: number;
  name: string;
  runnerGroupId: number;
  labels: string[];
  /** Last X-ScaleSetMaxCapacity received; null before the first poll. */
  maxCapacity: number | null;
  statistics: RunnerScaleSetStatistics;
  /** Job messages not yet packed into a broker message, and messages not yet acknowledged. */
  pendingEvents: number;
  unackedMessages: number;
}

export interface SessionSnapshot {
  sessionId: string;
  scaleSetId: number;
  ownerName: string;
  createdAt: string;
  heldPolls: number;
}

export interface RunnerSnapshot {
  id: number;
  name: string;
  scaleSetId: number;
  status: "online" | "offline";
  busy: boolean;
  jobId: string | null;
  jitConfigUsed: boolean;
}

export interface JobSnapshot {
  id: string;
  /** As sent on the wire: > 0 in `available` mode, 0 in `assigned` mode. */
  runnerRequestId: number;
  labels: string[];
  scaleSetId: number | null;
  state: JobState;
  runnerId: number | null;
  runnerName: string | null;
  result: string | null;
  queueTime: string;
  scaleSetAssignTime: string | null;
  runnerAssignTime: string | null;
  finishTime: string | null;
}

export interface SimSnapshot {
  scaleSets: ScaleSetSnapshot[];
  sessions: SessionSnapshot[];
  runners: RunnerSnapshot[];
  jobs: JobSnapshot[];
  /** Requests received per route name (including ones answered with an error). */
  requests: Record<string, number>;
  /** How often each injected fault fired. */
  faults: Record<FaultName, number>;
  counters: SimCounters;
}

const iso = (d: Date | null): string | null => (d ? d.toISOString() : null);

export function buildSnapshot(world: SimWorld, faults: Record<FaultName, number>): SimSnapshot {
  const available = world.options.jobMode === "available";
  return {
    scaleSets: [...world.scaleSets.values()].map((s) => ({
      id: s.id,
      name: s.name,
      runnerGroupId: s.runnerGroupId,
      labels: s.labels.map((l) => l.name),
      maxCapacity: Number.isFinite(s.maxCapacity) ? s.maxCapacity : null,
      statistics: world.statistics(s),
      pendingEvents: s.queue.pendingEvents,
      unackedMessages: s.queue.unackedMessages,
    })),
    sessions: [...world.sessions.values()].map((s) => ({
      sessionId: s.id,
      scaleSetId: s.scaleSetId,
      ownerName: s.ownerName,
      createdAt: s.createdAt.toISOString(),
      heldPolls: s.heldPolls.size,
    })),
    runners: [...world.runners.values()].map((r) => ({
      id: r.id,
      name: r.name,
      scaleSetId: r.scaleSetId,
      status: r.status,
      busy: r.busy,
      jobId: r.job?.id ?? null,
      jitConfigUsed: r.used,
    })),
    jobs: [...world.jobs.values()].map((j) => ({
      id: j.id,
      runnerRequestId: available ? j.requestId : 0,
      labels: [...j.labels],
      scaleSetId: j.scaleSetId,
      state: j.state,
      runnerId: j.runner?.id ?? null,
      runnerName: j.runner?.name ?? null,
      result: j.result,
      queueTime: j.queueTime.toISOString(),
      scaleSetAssignTime: iso(j.scaleSetAssignTime),
      runnerAssignTime: iso(j.runnerAssignTime),
      finishTime: iso(j.finishTime),
    })),
    requests: { ...world.requests },
    faults: { ...faults },
    counters: { ...world.counters },
  };
}
