import { EngineError, type Machine } from "../engines/engine.js";
import type { JobCompleted, JobStarted } from "../github/types.js";
import { ConcurrencyLimiter } from "../util/limiter.js";
import { CreateBackoff } from "./create-backoff.js";
import { desiredRunnerCount, planScaleDown } from "./desired.js";
import { jobBinding, machineAdopted, type RunnerPhase, type ScalerEvent } from "./events.js";
import { provisionRunner } from "./provision.js";
import { applyAssessment, type ReconcileOps } from "./reconcile-apply.js";
import { assessReconcile } from "./reconcile-assess.js";
import { ReconcileJudge } from "./reconcile-judge.js";
import {
  countByState,
  makeRunnerName,
  newRunnerRecord,
  type RunnerRecord,
  type RunnerState,
} from "./runner-record.js";
import { RunnerTable } from "./runner-table.js";
import { minRunnersAt } from "./schedule.js";
import {
  removeGhostRegistration,
  type TeardownDeps,
  type TeardownReason,
  teardownRunner,
} from "./teardown.js";

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

  constructor(options: ScalerOptions) {
    this.#o = options;
    this.#scaleSetId = options.scaleSetId;
    this.#creates = new ConcurrencyLimiter(options.createConcurrency);
    this.#deletes = new ConcurrencyLimiter(options.deleteConcurrency);
    this.#now = options.now ?? Date.now;
    this.#runners = new RunnerTable((event) => this.#emit(event));
    this.#backoff = new CreateBackoff(this.#now);
    this.#judge = new ReconcileJudge(options.logger, (event) => this.#emit(event));
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
    record ??= this.#adopt(message.runnerName, {});
    if (message.runnerId) record.runnerId = message.runnerId;
    record.jobId = message.jobId;
    if (record.state !== "busy" && record.state !== "deleting") this.#move(record, "busy");
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
      this.#retire(record, "job-completed");
      return;
    }
    // Unknown runner (lost message, restart): find its machine and registration by name.
    void this.#deletes.run(() => this.#cleanupUnknown(message.runnerName, message.runnerId));
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
      const record = this.#adopt(machine.runnerName, { machineId: machine.id, runnerId });
      this.#emit(machineAdopted(machine));
      if (state !== "pending") this.#move(record, state === "idle" ? "booting" : state);
      if (state === "idle") this.#move(record, "idle");
      return record;
    },
    move: (record, to) => this.#move(record, to),
    retire: (record, reason) => this.#retire(record, reason),
    removeGhost: (registration) =>
      void this.#deletes.run(() => removeGhostRegistration(registration, this.#teardownDeps())),
    bootFailed: (runner) => this.#bootFailed(runner),
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
      for (let i = active.length; i < target; i++) this.#scaleUp(now);
      return;
    }
    const { cancel, retire } = planScaleDown(active, target, now, this.#o.idleTimeoutMs);
    for (const record of cancel) record.cancelled = true;
    for (const record of retire) this.#retire(record, "idle-timeout");
  }

  #scaleUp(now: number): void {
    const record = this.#runners.add(newRunnerRecord(makeRunnerName(this.#o.scaleSetName), now));
    void this.#creates.run(() => this.#provision(record));
  }

  async #provision(record: RunnerRecord): Promise<void> {
    const outcome = await this.#inPhase(record.name, "provision", () =>
      this.#provisionOnce(record),
    );
    if (outcome.kind === "created") {
      this.#backoff.created();
      this.#move(record, "booting");
      if (record.cancelled) this.#retire(record, "idle-timeout");
      return;
    }
    this.#drop(record);
    if (outcome.kind === "failed") this.#backoff.failed(outcome.failure);
  }

  /** A machine powered off before its runner came online: counts against creating more. */
  #bootFailed(runner: string): void {
    const hint =
      "runner VMs stop without registering: check the image, the metadata/user-data key, the runner version";
    this.#o.logger.warn({ runner, reason: "boot-failure" }, hint);
    this.#emit({ type: "boot-failed", runner });
    this.#backoff.failed({ code: "BOOT_FAILURE", message: hint, stage: "boot", retryable: false });
  }

  #provisionOnce(record: RunnerRecord) {
    return provisionRunner(record, {
      github: this.#o.github,
      engine: this.#o.engine,
      scaleSetId: this.#scaleSetId,
      scaleSetName: this.#o.scaleSetName,
      labels: this.#o.labels,
      logger: this.#o.logger,
      now: this.#now,
      emit: (event) => this.#emit(event),
      capacity: this.#o.capacity,
    });
  }

  /** Runs a runner's cloud/GitHub work inside its telemetry span, when telemetry is on. */
  #inPhase<T>(
    runner: string,
    phase: RunnerPhase,
    work: () => Promise<T>,
    reason?: string,
  ): Promise<T> {
    const tracing = this.#o.tracing;
    return tracing ? tracing.runnerPhase(runner, phase, work, reason) : work();
  }

  #retire(record: RunnerRecord, reason: TeardownReason): void {
    if (record.state === "deleting") return;
    if (record.state === "pending" && !record.adopted && !record.machineId) {
      record.cancelled = true; // its provisioning task cleans up once it returns
      return;
    }
    this.#move(record, "deleting");
    void this.#deletes.run(async () => {
      const result = await this.#inPhase(
        record.name,
        "teardown",
        () => teardownRunner(record, reason, this.#teardownDeps()),
        reason,
      );
      if (result === "still-running") {
        this.#move(record, "busy");
        return;
      }
      if (result === "unconfirmed") {
        this.#move(record, "booting"); // kept until GitHub can say it is idle
        return;
      }
      if (record.machineId) this.#stopped.delete(record.machineId);
      this.#drop(record);
      this.#evaluateSoon();
    });
  }

  async #cleanupUnknown(runnerName: string, runnerId: number): Promise<void> {
    const machines = await this.#o.engine.list().catch(() => [] as Machine[]);
    const machine = machines.find((m) => m.runnerName === runnerName);
    if (!machine && !runnerId) return;
    const record = this.#adopt(runnerName, {
      machineId: machine?.id,
      runnerId: runnerId || undefined,
    });
    this.#retire(record, "job-completed");
  }

  #teardownDeps(): TeardownDeps {
    return {
      github: this.#o.github,
      engine: this.#o.engine,
      logger: this.#o.logger,
      emit: (event) => this.#emit(event),
    };
  }

  #emit(event: ScalerEvent): void {
    this.#o.observer?.(event);
  }

  #adopt(name: string, known: Pick<RunnerRecord, "machineId" | "runnerId">): RunnerRecord {
    return this.#runners.adopt(name, known, this.#now());
  }

  #move(record: RunnerRecord, to: RunnerState): void {
    this.#runners.move(record, to, this.#now());
    if (to === "idle" || to === "busy") this.#backoff.online();
  }

  #drop(record: RunnerRecord): void {
    this.#runners.drop(record);
  }
}

export { EngineError };
