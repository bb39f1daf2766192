import { EngineError } from "../engines/engine.js";
import type { JobCompleted, JobStarted } from "../github/types.js";
import { ConcurrencyLimiter } from "../util/limiter.js";
import { CreateBackoff } from "./create-backoff.js";
import { desiredRunnerCount, planScaleDown } from "./desired.js";
import { jobBinding, machineAdopted, type ScalerEvent } from "./events.js";
import { applyAssessment, type ReconcileOps } from "./reconcile-apply.js";
import { assessReconcile } from "./reconcile-assess.js";
import { ReconcileJudge } from "./reconcile-judge.js";
import { RunnerLifecycle } from "./runner-lifecycle.js";
import { countByState, type RunnerRecord } from "./runner-record.js";
import { RunnerTable } from "./runner-table.js";
import { minRunnersAt } from "./schedule.js";

export type { ScalerGitHubApi } from "./provision.js";
export type { ScaleHandler, ScalerOptions, ScalerSnapshot } from "./scaler-types.js";

import type { ScaleHandler, ScalerOptions, ScalerSnapshot } from "./scaler-types.js";

/**
 * Owns the runners of one scale set: keeps their number at the protocol's target, provisions
 * them in the background with bounded concurrency, tears them down when their job ends, and
 * reconciles with the cloud and GitHub so nothing leaks.
 */
export class Scaler implements ScaleHandler {
  readonly #o: ScalerOptions;
  readonly #runners: RunnerTable;
  readonly #creates: ConcurrencyLimiter;
  readonly #deletes: ConcurrencyLimiter;
  readonly #now: () => number;
  #scaleSetId: number;
  #assigned = 0;
  readonly #backoff: CreateBackoff;
  readonly #judge: ReconcileJudge;
  /** Machines found powered off at the last reconciliation and not deleted since. */
  readonly #stopped = new Set<string>();
  #stopping = false;
  #jobsStarted = 0;
  #jobsCompleted = 0;
  #evaluationQueued = false;
  #timers: NodeJS.Timeout[] = [];
  #reconciling: Promise<void> | null = null;
  readonly #lifecycle: RunnerLifecycle;

  constructor(options: ScalerOptions) {
    this.#o = options;
    this.#scaleSetId = options.scaleSetId;
    this.#creates = new ConcurrencyLimiter(options.createConcurrency);
    this.#deletes = new ConcurrencyLimiter(options.deleteConcurrency);
    this.#now = options.now ?? Date.now;
    this.#runners = new RunnerTable((event) => this.#emit(event));
    this.#backoff = new CreateBackoff(this.#now);
    this.#judge = new ReconcileJudge(options.logger, (event) => this.#emit(event));
    this.#lifecycle = new RunnerLifecycle({
      options,
      runners: this.#runners,
      creates: this.#creates,
      deletes: this.#deletes,
      backoff: this.#backoff,
      stopped: this.#stopped,
      scaleSetId: () => this.#scaleSetId,
      now: this.#now,
      emit: (event) => this.#emit(event),
      evaluateSoon: () => this.#evaluateSoon(),
    });
  }

  get scaleSetId(): number {
    return this.#scaleSetId;
  }

  /** The scale set was recreated server-side: every old registration went with it. */
  setScaleSetId(id: number): void {
    this.#scaleSetId = id;
  }

  /** Reconciles once, then keeps the housekeeping timers running until `stop`. */
  async start(): Promise<void> {
    await this.reconcile();
    const tick = setInterval(() => this.#evaluate(), this.#o.tickMs ?? 1000);
    const reconcile = setInterval(() => void this.reconcile(), this.#o.reconcileIntervalMs);
    tick.unref();
    reconcile.unref();
    this.#timers.push(tick, reconcile);
  }

  handleDesiredRunnerCount(totalAssignedJobs: number): void {
    this.#assigned = totalAssignedJobs;
    this.#evaluate();
  }

  handleJobStarted(message: JobStarted): void {
    this.#jobsStarted++;
    if (!message.runnerName) return;
    let record = this.#runners.get(message.runnerName);
    // Started on a runner this process does not know (created before a restart): track it so
    // its completion tears it down; reconciliation attaches its machine.
    record ??= this.#lifecycle.adopt(message.runnerName, {});
    if (message.runnerId) record.runnerId = message.runnerId;
    record.jobId = message.jobId;
    if (record.state !== "busy" && record.state !== "deleting")
      this.#lifecycle.move(record, "busy");
    this.#emit({ type: "job-started", runner: message.runnerName, job: jobBinding(message) });
  }

  handleJobCompleted(message: JobCompleted): void {
    this.#jobsCompleted++;
    // Cancelled before it reached a runner: nothing to tear down (the count follows statistics).
    if (!message.runnerName) return;
    this.#emit({
      type: "job-completed",
      runner: message.runnerName,
      job: jobBinding(message),
      result: message.result,
    });
    const record = this.#runners.get(message.runnerName);
    if (record) {
      if (message.runnerId) record.runnerId = message.runnerId;
      this.#lifecycle.retire(record, "job-completed");
      return;
    }
    // Unknown runner (lost message, restart): find its machine and registration by name.
    this.#lifecycle.retireUnknown(message.runnerName, message.runnerId);
  }

  snapshot(): ScalerSnapshot {
    return {
      scaleSetId: this.#scaleSetId,
      desired: this.#target(),
      minRunners: this.#minRunners(),
      totalAssignedJobs: this.#assigned,
      runners: countByState(this.#runners.values()),
      createQueue: this.#creates.queued + this.#creates.active,
      deleteQueue: this.#deletes.queued + this.#deletes.active,
      consecutiveCreateFailures: this.#backoff.snapshot().consecutiveFailures,
      createBackoff: this.#backoff.snapshot(),
      stoppedMachines: this.#stopped.size,
      jobsStarted: this.#jobsStarted,
      jobsCompleted: this.#jobsCompleted,
    };
  }

  runners(): RunnerRecord[] {
    return [...this.#runners.values()].map((r) => ({ ...r }));
  }

  /** Stops new work and waits (bounded) for in-flight cloud calls. Machines stay for adoption. */
  async stop(graceMs: number): Promise<boolean> {
    this.#stopping = true;
    for (const timer of this.#timers) clearInterval(timer);
    this.#timers = [];
    for (const record of this.#runners.values())
      if (record.state === "pending") record.cancelled = true;
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<false>((resolve) => {
      timer = setTimeout(() => resolve(false), graceMs);
    });
    const drained = Promise.all([
      this.#creates.onIdle(),
      this.#deletes.onIdle(),
      this.#reconciling,
    ]).then(() => true as const);
    const finished = await Promise.race([drained, deadline]);
    clearTimeout(timer);
    return finished;
  }

  /** Joins machines, registrations and records; single-flight. */
  reconcile(): Promise<void> {
    const tracing = this.#o.tracing;
    this.#reconciling ??= (
      tracing ? tracing.reconcile(() => this.#reconcileOnce()) : this.#reconcileOnce()
    ).finally(() => {
      this.#reconciling = null;
    });
    return this.#reconciling;
  }

  async #reconcileOnce(): Promise<void> {
    const assessed = await assessReconcile({
      engine: this.#o.engine,
      github: this.#o.github,
      scaleSetId: this.#scaleSetId,
      logger: this.#o.logger,
      judge: this.#judge,
      now: this.#now(),
      maxLifetimeMs: this.#o.maxLifetimeMs,
      bootTimeoutMs: this.#o.bootTimeoutMs,
      settleMs: this.#o.settleMs ?? 60_000,
      records: [...this.#runners.values()],
    });
    if (!assessed) return;
    const { machines } = assessed;
    this.#stopped.clear();
    for (const m of machines)
      if (m.state === "stopped" || m.state === "terminated") this.#stopped.add(m.id);
    applyAssessment(assessed, this.#judge, this.#reconcileOps);
    this.#evaluate();
  }

  /** The scaler's side of applying a reconciliation (see reconcile-apply.ts). */
  readonly #reconcileOps: ReconcileOps = {
    get: (name) => this.#runners.get(name),
    adopt: (machine, runnerId, state) => {
      const lifecycle = this.#lifecycle;
      const record = lifecycle.adopt(machine.runnerName, { machineId: machine.id, runnerId });
      this.#emit(machineAdopted(machine));
      if (state !== "pending") lifecycle.move(record, state === "idle" ? "booting" : state);
      if (state === "idle") lifecycle.move(record, "idle");
      return record;
    },
    move: (record, to) => this.#lifecycle.move(record, to),
    retire: (record, reason) => this.#lifecycle.retire(record, reason),
    removeGhost: (registration) => this.#lifecycle.removeGhost(registration),
    bootFailed: (runner) => this.#lifecycle.bootFailed(runner),
    emit: (event) => this.#emit(event),
  };

  /** Coalesces the re-evaluations a burst of teardowns asks for into one per turn of the loop. */
  #evaluateSoon(): void {
    if (this.#evaluationQueued) return;
    this.#evaluationQueued = true;
    setImmediate(() => {
      this.#evaluationQueued = false;
      this.#evaluate();
    });
  }

  #target(): number {
    return desiredRunnerCount(this.#minRunners(), this.#o.maxRunners, this.#assigned);
  }

  /** `min_runners`, or a schedule window's while one is active. */
  #minRunners(): number {
    const windows = this.#o.schedules;
    return windows?.length
      ? minRunnersAt(this.#o.minRunners, windows, this.#now())
      : this.#o.minRunners;
  }

  #evaluate(): void {
    if (this.#stopping) return;
    const now = this.#now();
    const target = this.#target();
    const active = [...this.#runners.values()].filter(
      (r) => r.state !== "deleting" && !r.cancelled,
    );
    if (active.length < target) {
      if (this.#backoff.blocked()) return; // the tick retries after the backoff
      for (let i = active.length; i < target; i++) this.#lifecycle.scaleUp(now);
      return;
    }
    const { cancel, retire } = planScaleDown(active, target, now, this.#o.idleTimeoutMs);
    for (const record of cancel) record.cancelled = true;
    for (const record of retire) this.#lifecycle.retire(record, "idle-timeout");
  }

  #emit(event: ScalerEvent): void {
    this.#o.observer?.(event);
  }
}

export { EngineError };
