import { randomBytes, randomUUID } from "node:crypto";
import { emitJobEvent } from "./job-events.js";
import type { SimJob, SimRunner, SimScaleSet } from "./model.js";
import type { SimWorld } from "./world.js";

/**
 * Job lifecycle: queued → (available → acquired, GHES) → assigned → running → completed.
 * Every step is O(1) amortised: per-scale-set FIFOs with lazy skipping of stale entries.
 */

export interface EnqueueJobOptions {
  durationMs?: number;
  result?: string;
  /** Jobs of this workflow run (its newest attempt); default: each job a run of its own. */
  runId?: number;
  /** What the jobs of a re-run of their run end with (default succeeded). */
  rerunResult?: string;
}

export function enqueueJobs(
  world: SimWorld,
  labels: string[],
  count: number,
  opts: EnqueueJobOptions = {},
): string[] {
  const ids: string[] = [];
  for (let i = 0; i < count; i++) {
    const run = opts.runId === undefined ? undefined : world.runs.byId.get(opts.runId);
    const job = world.newJob(
      [...labels],
      opts.durationMs ?? world.options.defaultJobDurationMs,
      opts.result ?? "succeeded",
      opts.runId === undefined ? undefined : { id: opts.runId, attempt: run?.attempt ?? 1 },
    );
    if (opts.rerunResult) {
      const filed = world.runs.byId.get(job.workflowRunId);
      if (filed) filed.rerunResult = opts.rerunResult;
    }
    ids.push(job.id);
    matchJob(world, job);
  }
  world.changed();
  return ids;
}

/** Gives a new job to the first matching scale set, or parks it until one exists. */
export function submitJob(world: SimWorld, job: SimJob): void {
  matchJob(world, job);
}

function matchJob(world: SimWorld, job: SimJob): void {
  const scaleSet = world.findScaleSetFor(job.labels);
  if (!scaleSet) {
    world.setJobState(job, "queued", null);
    world.unmatched.add(job);
    return;
  }
  world.unmatched.delete(job);
  if (world.options.jobMode === "available") {
    world.setJobState(job, "available", scaleSet.id);
    emitJobEvent(world, "JobAvailable", job);
  } else {
    world.setJobState(job, "queued", scaleSet.id);
    scaleSet.pendingAssignment.push(job);
    tryAssign(world, scaleSet);
  }
}

/** Re-matches parked jobs (after a scale set was created, relabelled or deleted). */
export function rematchUnmatched(world: SimWorld): void {
  for (const job of [...world.unmatched]) matchJob(world, job);
  world.changed();
}

/** acquirejobs: available → acquired for the given request ids; returns those acquired. */
export function acquireJobs(
  world: SimWorld,
  scaleSet: SimScaleSet,
  requestIds: number[],
): number[] {
  const acquired: number[] = [];
  for (const requestId of requestIds) {
    const job = world.jobsByRequestId.get(requestId);
    if (!job || job.scaleSetId !== scaleSet.id || job.state !== "available") continue;
    world.setJobState(job, "acquired");
    scaleSet.pendingAssignment.push(job);
    acquired.push(requestId);
  }
  tryAssign(world, scaleSet);
  world.changed();
  return acquired;
}

/** Assigns waiting jobs while the scale set is below its advertised capacity. */
export function tryAssign(world: SimWorld, scaleSet: SimScaleSet): void {
  if (world.stopped) return;
  const active = () => scaleSet.jobCounts.assigned + scaleSet.jobCounts.running;
  while (scaleSet.pendingAssignment.size > 0 && active() < scaleSet.maxCapacity) {
    const job = scaleSet.pendingAssignment.shift() as SimJob;
    if (job.scaleSetId !== scaleSet.id || (job.state !== "queued" && job.state !== "acquired")) {
      continue; // cancelled or moved meanwhile
    }
    world.setJobState(job, "assigned");
    job.scaleSetAssignTime = new Date();
    emitJobEvent(world, "JobAssigned", job);
    const runner = scaleSet.waitingRunners.shiftWhere((r) => isWaiting(world, r));
    if (runner) startJob(world, runner, job);
    else scaleSet.unclaimed.push(job);
  }
}

function isWaiting(world: SimWorld, runner: SimRunner): boolean {
  return runner.waiter !== null && runner.job === null && world.runners.get(runner.id) === runner;
}

/** A runner process came online: it takes the oldest unclaimed job or waits for one. */
export function runnerReady(world: SimWorld, runner: SimRunner): void {
  if (world.stopped) return;
  runner.status = "online";
  const scaleSet = world.scaleSets.get(runner.scaleSetId);
  if (scaleSet) {
    const job = scaleSet.unclaimed.shiftWhere(
      (j) => j.state === "assigned" && j.runner === null && j.scaleSetId === scaleSet.id,
    );
    if (job) startJob(world, runner, job);
    else scaleSet.waitingRunners.push(runner);
  }
  world.changed();
}

function startJob(world: SimWorld, runner: SimRunner, job: SimJob): void {
  world.setJobState(job, "running");
  job.runner = runner;
  job.runnerAssignTime = new Date();
  runner.busy = true;
  runner.job = job;
  const scaleSet = world.scaleSets.get(runner.scaleSetId);
  if (scaleSet) scaleSet.busyRunners++;
  emitJobEvent(world, "JobStarted", job);
  job.timer = setTimeout(() => completeJob(world, job, job.plannedResult), job.durationMs);
}

/**
 * Finishes a job (ran to the end, cancelled, or lost its runner). An ephemeral runner that is still
 * connected is deregistered and told the result.
 */
export function completeJob(world: SimWorld, job: SimJob, result: string): void {
  if (job.state === "completed") return;
  if (job.timer) clearTimeout(job.timer);
  job.timer = null;
  world.unmatched.delete(job);
  job.result = result;
  job.finishTime = new Date();
  world.setJobState(job, "completed");
  emitJobEvent(world, "JobCompleted", job);
  world.counters.jobsCompleted++;
  const scaleSet = job.scaleSetId === null ? undefined : world.scaleSets.get(job.scaleSetId);
  const runner = job.runner;
  if (runner) {
    runner.busy = false;
    runner.job = null;
    const runnerSet = world.scaleSets.get(runner.scaleSetId);
    if (runnerSet) runnerSet.busyRunners--;
    const waiter = runner.waiter;
    if (waiter) {
      runner.waiter = null;
      removeRunner(world, runner);
      waiter.settle({ kind: "completed", jobId: job.id, result });
    }
  }
  if (scaleSet) tryAssign(world, scaleSet);
  world.changed();
}

export function cancelJob(world: SimWorld, jobId: string): boolean {
  const job = world.jobs.get(jobId);
  if (!job || job.state === "completed") return false;
  completeJob(world, job, "canceled");
  return true;
}

export function registerRunner(world: SimWorld, scaleSet: SimScaleSet, name: string): SimRunner {
  const runner: SimRunner = {
    id: world.newRunnerId(),
    name,
    scaleSetId: scaleSet.id,
    clientId: randomUUID(),
    clientSecret: randomBytes(24).toString("base64url"),
    status: "offline",
    busy: false,
    used: false,
    job: null,
    waiter: null,
    createdOn: new Date(),
  };
  world.runners.set(runner.id, runner);
  world.runnersByName.set(runner.name, runner);
  scaleSet.registeredRunners++;
  world.counters.runnersRegistered++;
  world.changed();
  return runner;
}

/** Deletes a registration; a runner process still waiting for a job is told so (→ 410). */
export function removeRunner(world: SimWorld, runner: SimRunner): void {
  if (world.runners.get(runner.id) !== runner) return;
  world.runners.delete(runner.id);
  world.runnersByName.delete(runner.name);
  const scaleSet = world.scaleSets.get(runner.scaleSetId);
  if (scaleSet) scaleSet.registeredRunners--;
  world.counters.runnersRemoved++;
  const waiter = runner.waiter;
  runner.waiter = null;
  runner.status = "offline";
  waiter?.settle({ kind: "removed" });
  world.changed();
}

/** The runner's connection dropped (its machine was deleted): offline, registration stays. */
export function runnerDisconnected(world: SimWorld, runner: SimRunner): void {
  runner.waiter = null;
  runner.status = "offline";
  // The service notices the lost runner and fails its job (the real one takes minutes).
  if (runner.job) completeJob(world, runner.job, "failed");
  world.changed();
}
