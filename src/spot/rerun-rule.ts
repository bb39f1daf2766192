import type { WorkflowJob, WorkflowRun } from "../github/runs-client.js";

/**
 * Whether a completed workflow run is re-run because spot preemptions failed it. The REST call
 * re-runs *every* failed and cancelled job of the run (and the jobs that need them), so the rule
 * looks at the whole run, not only this scale set's jobs:
 *
 * - the run concluded `failure`, and this is its first attempt (a run already re-run — by
 *   scaleset or by a person — is left alone: at most one automatic re-run per run, even across
 *   a restart);
 * - at least one failed job ran on a runner whose machine was preempted;
 * - every failed (or timed-out) job did: if any job failed for another reason, a re-run would
 *   repeat that failure too, so the run is left for a person. Cancelled jobs are allowed (a
 *   matrix's fail-fast cancels the siblings of the preempted job) and are re-run with it.
 */

export type RerunDecision =
  | { rerun: true; preemptedJobs: string[]; jobs: number }
  | { rerun: false; reason: string };

const FAILED = new Set(["failure", "timed_out"]);
const RERUN = new Set(["failure", "timed_out", "cancelled"]);

export function decideRerun(
  run: WorkflowRun,
  jobs: readonly WorkflowJob[],
  preemptedRunners: ReadonlySet<string>,
): RerunDecision {
  if (run.status !== "completed") return { rerun: false, reason: `run is ${run.status}` };
  if (run.runAttempt > 1) {
    return { rerun: false, reason: `already re-run (attempt ${run.runAttempt})` };
  }
  if (run.conclusion !== "failure") {
    return { rerun: false, reason: `run concluded ${run.conclusion ?? "nothing"}` };
  }
  const failed = jobs.filter((j) => FAILED.has(j.conclusion ?? ""));
  const preempted = failed.filter((j) => j.runnerName && preemptedRunners.has(j.runnerName));
  if (preempted.length === 0) {
    return { rerun: false, reason: "no failed job ran on a preempted machine" };
  }
  const other = failed.filter((j) => !preempted.includes(j));
  if (other.length > 0) {
    const names = other.map((j) => j.name).join(", ");
    return { rerun: false, reason: `${other.length} job(s) failed for another reason: ${names}` };
  }
  return {
    rerun: true,
    preemptedJobs: preempted.map((j) => j.name),
    jobs: jobs.filter((j) => RERUN.has(j.conclusion ?? "")).length,
  };
}
