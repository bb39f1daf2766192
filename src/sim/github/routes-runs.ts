import { SimHttpError } from "./errors.js";
import { authToken } from "./http-io.js";
import { submitJob } from "./job-flow.js";
import type { SimJob } from "./model.js";
import { json, type RouteCall, type RouteDef } from "./router.js";
import { jobConclusion, MAX_ATTEMPTS, RERUN_CONCLUSIONS, type SimRun } from "./runs.js";
import type { SimWorld } from "./world.js";

/**
 * The REST workflow-run endpoints (GHES layout, under /api/v3), in GitHub's shapes: get a run,
 * list its jobs, re-run its failed jobs. Authenticated like the other REST routes (a PAT or an
 * App installation token); a repository other than the fake's is 404, as for a token that
 * cannot see it.
 */

const notFound = () => new SimHttpError(404, "", "Not Found");
const PER_PAGE_MAX = 100;

/** The run named by the path, after the token and repository checks. */
function findRun(call: RouteCall): SimRun {
  const { tokens, world } = call.services;
  const token = authToken(call.req, "Bearer") ?? authToken(call.req, "token");
  if (!token || !tokens.isValidRestToken(token)) throw new SimHttpError(401, "", "Bad credentials");
  const [owner = "", repo = "", id = ""] = call.params;
  const { ownerName, repositoryName } = world.options;
  const same = (a: string, b: string) => a.toLowerCase() === b.toLowerCase();
  if (!same(owner, ownerName) || !same(repo, repositoryName)) throw notFound();
  const run = world.runs.byId.get(Number(id));
  if (!run) throw notFound();
  return run;
}

function repoUrl(world: SimWorld): string {
  const { ownerName, repositoryName } = world.options;
  return `${world.url}/api/v3/repos/${ownerName}/${repositoryName}`;
}

function runJson(world: SimWorld, run: SimRun): Record<string, unknown> {
  const { ownerName, repositoryName } = world.options;
  const url = `${repoUrl(world)}/actions/runs/${run.id}`;
  return {
    id: run.id,
    name: "sim",
    node_id: `WFR_${run.id}`,
    head_branch: "main",
    head_sha: "0000000000000000000000000000000000000000",
    path: ".github/workflows/sim.yml",
    display_title: "sim",
    run_number: run.runNumber,
    event: "push",
    status: world.runs.status(run),
    conclusion: world.runs.conclusion(run),
    workflow_id: 1,
    url,
    html_url: `${world.url}/${ownerName}/${repositoryName}/actions/runs/${run.id}`,
    pull_requests: [],
    created_at: run.createdAt.toISOString(),
    updated_at: run.updatedAt.toISOString(),
    run_attempt: run.attempt,
    run_started_at: run.runStartedAt.toISOString(),
    jobs_url: `${url}/jobs`,
    rerun_url: `${url}/rerun`,
    previous_attempt_url: run.attempt > 1 ? `${url}/attempts/${run.attempt - 1}` : null,
    repository: { name: repositoryName, full_name: `${ownerName}/${repositoryName}` },
  };
}

function jobJson(world: SimWorld, job: SimJob): Record<string, unknown> {
  const status =
    job.state === "completed" ? "completed" : job.state === "running" ? "in_progress" : "queued";
  return {
    id: job.restId,
    run_id: job.workflowRunId,
    run_url: `${repoUrl(world)}/actions/runs/${job.workflowRunId}`,
    run_attempt: job.runAttempt,
    node_id: `CR_${job.restId}`,
    url: `${repoUrl(world)}/actions/jobs/${job.restId}`,
    status,
    conclusion: jobConclusion(job),
    created_at: job.queueTime.toISOString(),
    started_at: (job.runnerAssignTime ?? job.queueTime).toISOString(),
    completed_at: job.finishTime?.toISOString() ?? null,
    name: job.displayName,
    steps: [],
    labels: job.labels,
    runner_id: job.runner?.id ?? null,
    runner_name: job.runner?.name ?? null,
    workflow_name: "sim",
    head_branch: "main",
  };
}

function getRun(call: RouteCall): void {
  json(call, 200, runJson(call.services.world, findRun(call)));
}

function listJobs(call: RouteCall): void {
  const { world } = call.services;
  const run = findRun(call);
  const filter = call.url.searchParams.get("filter") ?? "latest";
  if (filter !== "latest" && filter !== "all") {
    throw new SimHttpError(422, "", "Invalid request. filter must be latest or all.");
  }
  const perPage = Math.min(Number(call.url.searchParams.get("per_page") ?? 30) || 30, PER_PAGE_MAX);
  const page = Math.max(1, Number(call.url.searchParams.get("page") ?? 1) || 1);
  const jobs = filter === "latest" ? world.runs.latest(run) : run.jobs;
  const slice = jobs.slice((page - 1) * perPage, page * perPage);
  if (page * perPage < jobs.length) {
    const next = new URL(call.url);
    next.searchParams.set("page", String(page + 1));
    call.res.setHeader("Link", `<${next.toString()}>; rel="next"`);
  }
  json(call, 200, { total_count: jobs.length, jobs: slice.map((j) => jobJson(world, j)) });
}

/** Re-runs the failed (and cancelled) jobs of a completed run as new jobs of the next attempt. */
function rerunFailedJobs(call: RouteCall): void {
  const { world } = call.services;
  const run = findRun(call);
  const denied = world.runs.rerunDeniedFor;
  if (denied) throw new SimHttpError(403, "", `Resource not accessible by ${denied}`);
  if (world.runs.status(run) !== "completed") {
    throw new SimHttpError(403, "", "This workflow is already running");
  }
  const failed = world.runs
    .latest(run)
    .filter((j) => RERUN_CONCLUSIONS.has(jobConclusion(j) ?? ""));
  if (failed.length === 0 || run.attempt >= MAX_ATTEMPTS) {
    throw new SimHttpError(403, "", "This workflow run cannot be retried");
  }
  run.attempt++;
  run.runStartedAt = new Date();
  for (const old of failed) {
    const job = world.newJob([...old.labels], old.durationMs, run.rerunResult, {
      id: run.id,
      attempt: run.attempt,
      displayName: old.displayName,
    });
    submitJob(world, job);
  }
  world.changed();
  json(call, 201, {});
}

const RUN = "^/api/v3/repos/([^/]+)/([^/]+)/actions/runs/(\\d+)";

export const runRoutes: RouteDef[] = [
  {
    method: "GET",
    pattern: new RegExp(`${RUN}/?$`),
    name: "getWorkflowRun",
    kind: "rest",
    handle: getRun,
  },
  {
    method: "GET",
    pattern: new RegExp(`${RUN}/jobs/?$`),
    name: "listWorkflowRunJobs",
    kind: "rest",
    handle: listJobs,
  },
  {
    method: "POST",
    pattern: new RegExp(`${RUN}/rerun-failed-jobs/?$`),
    name: "rerunFailedJobs",
    kind: "rest",
    handle: rerunFailedJobs,
  },
];
