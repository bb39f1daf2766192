import type { Logger } from "pino";
import type { CapacityType } from "../engines/engine.js";
import { GitHubApiError } from "../github/errors.js";
import type { RunsClient } from "../github/runs-client.js";
import type { JobBinding } from "../scaler/events.js";
import { BoundedMap } from "../util/bounded-map.js";
import type { SpotObserver } from "./events.js";
import { decideRerun } from "./rerun-rule.js";

/**
 * Re-runs workflow runs that spot preemptions failed (`spot.rerun_preempted`). It learns which
 * run each runner served from the job messages, hears of preempted runners from the preemption
 * watcher, waits (bounded) for such a run to complete, applies the rule in rerun-rule.ts and
 * asks GitHub to re-run the failed jobs — at most once per run. While a re-run's jobs have not
 * all started, new runners are standard capacity (`standardOnly`).
 */

export interface RerunSettings {
  enabled: boolean;
  /** Between looks at a run that has not completed yet. */
  pollIntervalMs: number;
  /** How long a run may take to complete before it is given up on. */
  maxWaitMs: number;
  /** Longest time new runners stay standard after a re-run (until its jobs have started). */
  standardWindowMs: number;
}

export type RunsApi = Pick<RunsClient, "getRun" | "listJobs" | "rerunFailedJobs">;

export interface RerunDeps {
  settings: RerunSettings;
  api: RunsApi | undefined;
  logger: Logger;
  emit: SpotObserver;
  /** Spot or standard, for the runner a re-run job started on. */
  capacityOf(runner: string): CapacityType | undefined;
  now?: () => number;
  /** Runs `fn` after `ms`; returns a cancel function (tests pass a faster one). */
  schedule?: (ms: number, fn: () => void) => () => void;
}

type RunKey = Omit<JobBinding, "jobId">;

interface Watch {
  run: RunKey;
  since: number;
  cancel?: () => void;
}

const REMEMBERED = 10_000;

export class RerunCoordinator {
  readonly #d: RerunDeps;
  readonly #now: () => number;
  readonly #schedule: (ms: number, fn: () => void) => () => void;
  readonly #runOf = new BoundedMap<string, RunKey>(REMEMBERED);
  readonly #preempted = new BoundedMap<string, true>(REMEMBERED);
  readonly #decided = new BoundedMap<number, string>(REMEMBERED);
  readonly #watching = new Map<number, Watch>();
  /** Re-run runs whose jobs have not all started: run id → jobs still to start, deadline. */
  readonly #pending = new Map<number, { remaining: number; until: number }>();
  /** Runners that took a job of a re-run. */
  readonly #rerunRunners = new BoundedMap<string, number>(REMEMBERED);
  readonly #abort = new AbortController();

  constructor(deps: RerunDeps) {
    this.#d = deps;
    this.#now = deps.now ?? Date.now;
    this.#schedule =
      deps.schedule ??
      ((ms, fn) => {
        const timer = setTimeout(fn, ms);
        timer.unref();
        return () => clearTimeout(timer);
      });
  }

  jobStarted(runner: string, job: JobBinding): void {
    this.#runOf.set(runner, job);
    const pending = this.#pending.get(job.runId);
    if (!pending) return;
    this.#rerunRunners.set(runner, job.runId);
    const capacity = this.#d.capacityOf(runner);
    this.#d.emit({ type: "rerun-job-started", runId: job.runId, runner, capacity });
    if (capacity === "spot") {
      this.#d.logger.warn(
        { runId: job.runId, runner },
        "a re-run job started on a spot runner (one was idle when the re-run came)",
      );
    }
    if (--pending.remaining <= 0) this.#pending.delete(job.runId);
  }

  jobCompleted(runner: string, job: JobBinding, result: string): void {
    this.#runOf.set(runner, job);
    const rerun = this.#rerunRunners.get(runner);
    if (rerun !== undefined) {
      this.#d.emit({ type: "rerun-job-completed", runId: rerun, runner, result });
    }
    if (this.#preempted.has(runner)) this.#consider(job);
  }

  /** The watcher found `runner`'s machine preempted. */
  preempted(runner: string): void {
    this.#preempted.set(runner, true);
    const run = this.#runOf.get(runner);
    if (run) this.#consider(run);
  }

  /** True while a re-run's jobs may still need runners: new ones are then standard capacity. */
  standardOnly(): boolean {
    const now = this.#now();
    for (const [runId, pending] of this.#pending)
      if (pending.until <= now) this.#pending.delete(runId);
    return this.#pending.size > 0;
  }

  status() {
    return {
      enabled: this.#d.settings.enabled,
      watchingRuns: [...this.#watching.keys()],
      standardOnlyFor: [...this.#pending.keys()],
    };
  }

  stop(): void {
    this.#abort.abort(new Error("scaleset is stopping"));
    for (const watch of this.#watching.values()) watch.cancel?.();
    this.#watching.clear();
  }

  #consider(run: RunKey): void {
    if (!this.#d.settings.enabled || !this.#d.api || this.#abort.signal.aborted) return;
    if (this.#decided.has(run.runId) || this.#watching.has(run.runId)) return;
    const watch: Watch = { run, since: this.#now() };
    this.#watching.set(run.runId, watch);
    // The preempted job may be the run's last: look now, then every poll interval.
    watch.cancel = this.#schedule(0, () => void this.#check(watch));
  }

  async #check(watch: Watch): Promise<void> {
    const { owner, repo, runId } = watch.run;
    const api = this.#d.api as RunsApi;
    const signal = this.#abort.signal;
    try {
      const run = await api.getRun(owner, repo, runId, signal);
      if (run.status !== "completed") return this.#again(watch, `run is ${run.status}`);
      const jobs = await api.listJobs(owner, repo, runId, signal);
      const decision = decideRerun(run, jobs, new Set(this.#preempted.keys()));
      if (!decision.rerun) return this.#finish(runId, "skipped", decision.reason);
      await api.rerunFailedJobs(owner, repo, runId, signal);
      this.#pending.set(runId, {
        remaining: decision.jobs,
        until: this.#now() + this.#d.settings.standardWindowMs,
      });
      this.#finish(runId, "rerun", `preempted: ${decision.preemptedJobs.join(", ")}`);
      this.#d.emit({ type: "rerun-requested", runId, owner, repo, jobs: decision.jobs });
    } catch (error) {
      if (signal.aborted) return;
      const message = error instanceof Error ? error.message : String(error);
      const status = error instanceof GitHubApiError ? error.status : 0;
      // A refusal (403: no Actions write permission, or not re-runnable) will not change.
      if (status >= 400 && status < 500 && status !== 429) {
        this.#finish(runId, "failed", message);
        this.#d.emit({ type: "rerun-failed", runId, message });
        return;
      }
      this.#again(watch, message);
    }
  }

  #again(watch: Watch, why: string): void {
    const { runId } = watch.run;
    if (this.#now() - watch.since >= this.#d.settings.maxWaitMs) {
      this.#finish(runId, "skipped", `gave up after waiting: ${why}`);
      return;
    }
    watch.cancel = this.#schedule(this.#d.settings.pollIntervalMs, () => void this.#check(watch));
  }

  #finish(runId: number, outcome: "rerun" | "skipped" | "failed", reason: string): void {
    this.#watching.delete(runId);
    this.#decided.set(runId, outcome);
    if (outcome === "skipped") this.#d.emit({ type: "rerun-skipped", runId, reason });
    const fields = { runId, outcome, reason };
    if (outcome === "failed") {
      this.#d.logger.warn(
        fields,
        "could not re-run the preempted jobs: the GitHub credential needs Actions: read and write on the repository (see docs/cost.md)",
      );
    } else {
      this.#d.logger.info(fields, `preempted run ${outcome === "rerun" ? "re-run" : "not re-run"}`);
    }
  }
}
