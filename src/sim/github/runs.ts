import type { SimJob } from "./model.js";

/**
 * Workflow runs of the fake: every job belongs to one (its `workflowRunId`), and a run's status
 * and conclusion follow from its jobs, as on GitHub. A re-run of failed jobs adds jobs of a new
 * attempt; the others keep their result from the attempt before (`latest` is what the REST
 * jobs list shows with `filter=latest`).
 */

export interface SimRun {
  id: number;
  runNumber: number;
  /** The newest attempt: 1, then one more per re-run. */
  attempt: number;
  createdAt: Date;
  updatedAt: Date;
  /** When the newest attempt started. */
  runStartedAt: Date;
  /** Every job of every attempt, oldest first. */
  jobs: SimJob[];
  /** What the jobs of a re-run will end with. */
  rerunResult: string;
}

export type RunStatus = "queued" | "in_progress" | "completed";
export type JobConclusion = "success" | "failure" | "cancelled" | "skipped" | "timed_out";

/** The most re-runs GitHub allows one workflow run. */
export const MAX_ATTEMPTS = 50;

/** Conclusions that "re-run failed jobs" runs again (GitHub counts cancelled ones as failed). */
export const RERUN_CONCLUSIONS: ReadonlySet<string> = new Set([
  "failure",
  "cancelled",
  "timed_out",
]);

export class SimRuns {
  readonly byId = new Map<number, SimRun>();
  /**
   * While set, re-runs answer 403 "Resource not accessible by …" (a token without
   * Actions: write): "personal access token" or "integration" (an App installation).
   */
  rerunDeniedFor: "personal access token" | "integration" | null = null;
  #nextId = 9_000_000_001;
  #nextNumber = 1;

  newRunId(): number {
    return this.#nextId++;
  }

  /** Files a new job under its run, creating the run for the first one. */
  add(job: SimJob, rerunResult = "succeeded"): void {
    let run = this.byId.get(job.workflowRunId);
    if (!run) {
      const now = new Date();
      run = {
        id: job.workflowRunId,
        runNumber: this.#nextNumber++,
        attempt: job.runAttempt,
        createdAt: now,
        updatedAt: now,
        runStartedAt: now,
        jobs: [],
        rerunResult,
      };
      this.byId.set(run.id, run);
    }
    run.jobs.push(job);
    run.updatedAt = new Date();
  }

  /** The newest attempt of each of the run's jobs (by job name). */
  latest(run: SimRun): SimJob[] {
    const byName = new Map<string, SimJob>();
    for (const job of run.jobs) {
      const seen = byName.get(job.displayName);
      if (!seen || job.runAttempt >= seen.runAttempt) byName.set(job.displayName, job);
    }
    return [...byName.values()];
  }

  status(run: SimRun): RunStatus {
    const jobs = this.latest(run);
    if (jobs.every((j) => j.state === "completed")) return "completed";
    return jobs.some((j) => j.state === "running" || j.state === "completed")
      ? "in_progress"
      : "queued";
  }

  /** null until the run is completed. */
  conclusion(run: SimRun): JobConclusion | null {
    if (this.status(run) !== "completed") return null;
    const conclusions = this.latest(run).map((j) => jobConclusion(j));
    if (conclusions.some((c) => c === "failure" || c === "timed_out")) return "failure";
    if (conclusions.includes("cancelled")) return "cancelled";
    return "success";
  }
}

/** The REST conclusion of a job from the result the Actions service reported. */
export function jobConclusion(job: SimJob): JobConclusion | null {
  if (job.state !== "completed") return null;
  switch ((job.result ?? "").toLowerCase()) {
    case "succeeded":
    case "success":
      return "success";
    case "canceled":
    case "cancelled":
      return "cancelled";
    case "skipped":
      return "skipped";
    default:
      return "failure";
  }
}
