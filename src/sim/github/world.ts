import { randomUUID } from "node:crypto";
import type { RunnerScaleSetStatistics, ScaleSetLabel } from "../../github/types.js";
import { Fifo } from "./fifo.js";
import { MessageQueue } from "./message-queue.js";
import {
  JOB_STATES,
  type JobState,
  type SimJob,
  type SimRunner,
  type SimScaleSet,
  type SimSession,
} from "./model.js";
import type { ResolvedSimOptions } from "./options.js";
import { SimRuns } from "./runs.js";

/** All server-side state of the fake, with the bookkeeping that keeps statistics O(1). */

export interface RunnerGroupEntry {
  id: number;
  name: string;
  isDefaultGroup: boolean;
}

export interface SimCounters {
  jobsEnqueued: number;
  jobsCompleted: number;
  runnersRegistered: number;
  runnersRemoved: number;
  sessionsCreated: number;
  messagesDelivered: number;
  messagesAcked: number;
}

export class SimWorld {
  readonly options: ResolvedSimOptions;
  /** Base URL of the fake, e.g. http://127.0.0.1:PORT */
  readonly url: string;
  /** Actions-service base URL A (has a path and a trailing slash). */
  readonly actionsBase: string;
  readonly runnerGroups: RunnerGroupEntry[];
  readonly scaleSets = new Map<number, SimScaleSet>();
  readonly sessions = new Map<string, SimSession>();
  readonly jobs = new Map<string, SimJob>();
  readonly jobsByRequestId = new Map<number, SimJob>();
  /** Jobs no scale set matches yet, in enqueue order. */
  readonly unmatched = new Set<SimJob>();
  readonly runners = new Map<number, SimRunner>();
  readonly runnersByName = new Map<string, SimRunner>();
  /** Workflow runs by id, for the REST runs endpoints (see runs.ts). */
  readonly runs = new SimRuns();
  readonly counters: SimCounters = {
    jobsEnqueued: 0,
    jobsCompleted: 0,
    runnersRegistered: 0,
    runnersRemoved: 0,
    sessionsCreated: 0,
    messagesDelivered: 0,
    messagesAcked: 0,
  };
  readonly requests: Record<string, number> = {};
  stopped = false;
  #nextScaleSetId = 1;
  #nextRunnerId = 1001;
  #nextJobSeq = 1;
  readonly #listeners = new Set<() => void>();

  constructor(options: ResolvedSimOptions, url: string) {
    this.options = options;
    this.url = url;
    this.actionsBase = `${url}/tenant/123/`;
    this.runnerGroups = [
      { id: 1, name: "Default", isDefaultGroup: true },
      ...options.runnerGroups.map((name, i) => ({ id: i + 2, name, isDefaultGroup: false })),
    ];
  }

  // --- change notification (for waitFor) ---

  onChange(listener: () => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  changed(): void {
    for (const listener of this.#listeners) listener();
  }

  // --- jobs ---

  /** A job of run `run.id` (attempt `run.attempt`), or of a run of its own. */
  newJob(
    labels: string[],
    durationMs: number,
    plannedResult: string,
    run?: { id: number; attempt: number; displayName?: string },
  ): SimJob {
    const seq = this.#nextJobSeq++;
    const job: SimJob = {
      id: randomUUID(),
      requestId: 1000 + seq,
      labels,
      durationMs,
      plannedResult,
      state: "queued",
      scaleSetId: null,
      runner: null,
      result: null,
      displayName: run?.displayName ?? `sim-job-${seq}`,
      workflowRunId: run?.id ?? this.runs.newRunId(),
      runAttempt: run?.attempt ?? 1,
      restId: 50_000_000 + seq,
      queueTime: new Date(),
      scaleSetAssignTime: null,
      runnerAssignTime: null,
      finishTime: null,
      timer: null,
    };
    this.jobs.set(job.id, job);
    this.jobsByRequestId.set(job.requestId, job);
    this.counters.jobsEnqueued++;
    this.runs.add(job);
    return job;
  }

  /** Moves a job to `state` (and optionally another scale set), keeping per-set counts right. */
  setJobState(job: SimJob, state: JobState, scaleSetId: number | null = job.scaleSetId): void {
    const from = job.scaleSetId === null ? undefined : this.scaleSets.get(job.scaleSetId);
    if (from) from.jobCounts[job.state]--;
    job.state = state;
    job.scaleSetId = scaleSetId;
    const to = scaleSetId === null ? undefined : this.scaleSets.get(scaleSetId);
    if (to) to.jobCounts[state]++;
  }

  /** First scale set (lowest id) whose labels include every label of the job. */
  findScaleSetFor(labels: readonly string[]): SimScaleSet | undefined {
    for (const scaleSet of this.scaleSets.values()) {
      if (labels.every((l) => scaleSet.labelNames.has(l.toLowerCase()))) return scaleSet;
    }
    return undefined;
  }

  /**
   * From job state, O(1). "Available" includes jobs waiting for capacity (assigned mode); idle
   * runners are registered minus busy (a registered, not yet started runner counts as idle).
   */
  statistics(scaleSet: SimScaleSet): RunnerScaleSetStatistics {
    const c = scaleSet.jobCounts;
    return {
      totalAvailableJobs: c.queued + c.available,
      totalAcquiredJobs: c.acquired,
      totalAssignedJobs: c.assigned + c.running,
      totalRunningJobs: c.running,
      totalRegisteredRunners: scaleSet.registeredRunners,
      totalBusyRunners: scaleSet.busyRunners,
      totalIdleRunners: scaleSet.registeredRunners - scaleSet.busyRunners,
    };
  }

  // --- scale sets ---

  addScaleSet(input: {
    name: string;
    runnerGroupId: number;
    labels: ScaleSetLabel[];
    runnerSetting: Record<string, unknown>;
  }): SimScaleSet {
    const scaleSet: SimScaleSet = {
      id: this.#nextScaleSetId++,
      name: input.name,
      runnerGroupId: input.runnerGroupId,
      labels: input.labels,
      labelNames: new Set(input.labels.map((l) => l.name.toLowerCase())),
      runnerSetting: input.runnerSetting,
      createdOn: new Date(),
      maxCapacity: Number.POSITIVE_INFINITY,
      jobCounts: Object.fromEntries(JOB_STATES.map((s) => [s, 0])) as Record<JobState, number>,
      registeredRunners: 0,
      busyRunners: 0,
      pendingAssignment: new Fifo(),
      unclaimed: new Fifo(),
      waitingRunners: new Fifo(),
      queue: new MessageQueue(),
      session: null,
    };
    this.scaleSets.set(scaleSet.id, scaleSet);
    return scaleSet;
  }

  setScaleSetLabels(scaleSet: SimScaleSet, labels: ScaleSetLabel[]): void {
    scaleSet.labels = labels;
    scaleSet.labelNames = new Set(labels.map((l) => l.name.toLowerCase()));
  }

  groupName(runnerGroupId: number): string {
    return this.runnerGroups.find((g) => g.id === runnerGroupId)?.name ?? "";
  }

  // --- sessions ---

  createSession(scaleSet: SimScaleSet, ownerName: string): SimSession {
    const session: SimSession = {
      id: randomUUID(),
      scaleSetId: scaleSet.id,
      ownerName,
      generation: 1,
      createdAt: new Date(),
      lastActivity: Date.now(),
      heldPolls: new Set(),
    };
    scaleSet.session = session;
    this.sessions.set(session.id, session);
    this.counters.sessionsCreated++;
    return session;
  }

  deleteSession(session: SimSession): void {
    this.sessions.delete(session.id);
    const scaleSet = this.scaleSets.get(session.scaleSetId);
    if (scaleSet?.session === session) scaleSet.session = null;
    for (const end of [...session.heldPolls]) end();
  }

  /** A session nobody polls any more (its owner crashed) may be replaced after the idle timeout. */
  isSessionStale(session: SimSession): boolean {
    return (
      session.heldPolls.size === 0 &&
      Date.now() - session.lastActivity > this.options.sessionIdleTimeoutMs
    );
  }

  // --- runners ---

  newRunnerId(): number {
    return this.#nextRunnerId++;
  }
}
