/** The re-run rule: which completed runs are re-run after preemptions, and why others are not. */
import { describe, expect, it } from "vitest";
import type { WorkflowJob, WorkflowRun } from "../../src/github/runs-client.js";
import { decideRerun } from "../../src/spot/rerun-rule.js";

const run = (over: Partial<WorkflowRun> = {}): WorkflowRun => ({
  id: 7,
  status: "completed",
  conclusion: "failure",
  runAttempt: 1,
  htmlUrl: "",
  ...over,
});
const job = (name: string, conclusion: string | null, runnerName: string | null): WorkflowJob => ({
  id: name.length,
  name,
  status: "completed",
  conclusion,
  runnerName,
  runAttempt: 1,
});
const PREEMPTED = new Set(["spot-runner-1"]);

describe("decideRerun", () => {
  it("re-runs a failed run whose only failed job ran on a preempted machine", () => {
    const jobs = [
      job("build", "success", "r-0"),
      job("test", "failure", "spot-runner-1"),
      job("lint", "cancelled", "r-2"), // fail-fast sibling: re-run with it
    ];
    expect(decideRerun(run(), jobs, PREEMPTED)).toEqual({
      rerun: true,
      preemptedJobs: ["test"],
      jobs: 2,
    });
  });

  it("does not re-run when another job failed for another reason", () => {
    const jobs = [job("test", "failure", "spot-runner-1"), job("lint", "failure", "r-2")];
    expect(decideRerun(run(), jobs, PREEMPTED)).toEqual({
      rerun: false,
      reason: "1 job(s) failed for another reason: lint",
    });
  });

  it("does not re-run when no failed job was preempted", () => {
    const jobs = [job("test", "failure", "r-3"), job("other", "success", "spot-runner-1")];
    expect(decideRerun(run(), jobs, PREEMPTED)).toMatchObject({ rerun: false });
  });

  it("re-runs a run at most once: a second attempt is left alone", () => {
    const jobs = [job("test", "failure", "spot-runner-1")];
    expect(decideRerun(run({ runAttempt: 2 }), jobs, PREEMPTED)).toEqual({
      rerun: false,
      reason: "already re-run (attempt 2)",
    });
  });

  it("waits for the run to complete, and leaves a cancelled or successful run alone", () => {
    const jobs = [job("test", "failure", "spot-runner-1")];
    expect(decideRerun(run({ status: "in_progress", conclusion: null }), jobs, PREEMPTED)).toEqual({
      rerun: false,
      reason: "run is in_progress",
    });
    expect(decideRerun(run({ conclusion: "cancelled" }), jobs, PREEMPTED)).toMatchObject({
      rerun: false,
    });
    expect(decideRerun(run({ conclusion: "success" }), [], PREEMPTED)).toMatchObject({
      rerun: false,
    });
  });
});
