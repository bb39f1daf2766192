/**
 * The GitHub simulator's workflow runs, driven through the real REST client (RunsClient): a
 * run's status and conclusion follow its jobs, its jobs list shows the runners, and
 * rerun-failed-jobs re-queues the failed jobs as new jobs of the same run — with GitHub's
 * refusals, authentication and repository checks.
 */
import { generateKeyPairSync } from "node:crypto";
import { afterEach, describe, expect, it } from "vitest";
import { GitHubApiError } from "../../src/github/errors.js";
import { RunsClient } from "../../src/github/runs-client.js";
import { type GitHubSim, startGitHubSim } from "../../src/sim/github/index.js";
import { runSimulatedRunner } from "../../src/sim/runner.js";
import { type Admin, connect, createScaleSet, jit } from "./helpers.js";

const PAT = "ghp_runs_test";
const SET = "runs-set";
const OWNER = "my-org";
const REPO = "sim-repo";

let sim: GitHubSim;
let client: RunsClient | undefined;
afterEach(async () => {
  await client?.close();
  client = undefined;
  await sim.stop();
});

async function start(options: Parameters<typeof startGitHubSim>[0] = {}) {
  sim = await startGitHubSim({ pat: PAT, jobMode: "assigned", longPollMs: 200, ...options });
  const admin = await connect(sim, PAT);
  const scaleSet = await createScaleSet(admin, SET);
  return { admin, scaleSetId: scaleSet.id as number };
}

function runsClient(credentials: ConstructorParameters<typeof RunsClient>[0]["credentials"]) {
  client = new RunsClient({
    configUrl: sim.configUrl(),
    credentials,
    retry: { maxRetries: 0 },
  });
  return client;
}

/** One JIT runner takes one job and reports its result, like a runner VM would. */
async function runOneJob(admin: Admin, scaleSetId: number, name: string) {
  const config = await jit(admin, scaleSetId, name);
  return runSimulatedRunner(config.body.encodedJITConfig);
}

describe("github sim: workflow runs over REST", () => {
  it("reports a run's status and conclusion from its jobs, with each job's runner", async () => {
    const { admin, scaleSetId } = await start();
    const { runId, jobIds } = sim.enqueueRun(SET, 1, { durationMs: 20, result: "failed" });
    sim.enqueueJobs(SET, 1, { durationMs: 20, result: "succeeded", runId });
    const api = runsClient({ type: "pat", token: PAT });

    expect(await api.getRun(OWNER, REPO, runId)).toMatchObject({
      id: runId,
      status: "queued",
      conclusion: null,
      runAttempt: 1,
    });
    const results = await Promise.all([
      runOneJob(admin, scaleSetId, "runner-a"),
      runOneJob(admin, scaleSetId, "runner-b"),
    ]);
    expect(results.map((r) => r?.result).sort()).toEqual(["failed", "succeeded"]);

    const run = await api.getRun(OWNER, REPO, runId);
    expect(run).toMatchObject({ status: "completed", conclusion: "failure", runAttempt: 1 });
    expect(run.htmlUrl).toBe(`${sim.url}/${OWNER}/${REPO}/actions/runs/${runId}`);
    const jobs = await api.listJobs(OWNER, REPO, runId);
    expect(jobs).toHaveLength(2);
    const failed = jobs.find((j) => j.conclusion === "failure");
    expect(failed).toMatchObject({ status: "completed", runAttempt: 1 });
    expect(["runner-a", "runner-b"]).toContain(failed?.runnerName);
    expect(jobIds).toHaveLength(1);
  });

  it("re-runs only the failed jobs: 201, new jobs of attempt 2 in the same run, then success", async () => {
    const { admin, scaleSetId } = await start();
    const { runId } = sim.enqueueRun(SET, 1, { durationMs: 20, result: "failed" });
    sim.enqueueJobs(SET, 1, { durationMs: 20, result: "succeeded", runId });
    await Promise.all([runOneJob(admin, scaleSetId, "r-1"), runOneJob(admin, scaleSetId, "r-2")]);
    const api = runsClient({ type: "pat", token: PAT });

    await api.rerunFailedJobs(OWNER, REPO, runId);
    expect(sim.snapshot().requests.rerunFailedJobs).toBe(1);
    const rerun = await api.getRun(OWNER, REPO, runId);
    expect(rerun).toMatchObject({ status: "in_progress", conclusion: null, runAttempt: 2 });
    const latest = await api.listJobs(OWNER, REPO, runId);
    expect(latest.map((j) => [j.runAttempt, j.status]).sort()).toEqual([
      [1, "completed"], // the job that succeeded keeps its result
      [2, "queued"],
    ]);
    // The re-run job reaches the scale set like any job: a runner takes it and it succeeds.
    expect(await runOneJob(admin, scaleSetId, "r-3")).toMatchObject({ result: "succeeded" });
    expect(await api.getRun(OWNER, REPO, runId)).toMatchObject({
      status: "completed",
      conclusion: "success",
      runAttempt: 2,
    });
    expect(sim.runs.byId.get(runId)?.jobs.map((j) => j.workflowRunId)).toEqual([
      runId,
      runId,
      runId,
    ]);
  });

  it("refuses as GitHub does: running run, nothing failed, no Actions write, other repo, bad token", async () => {
    const { admin, scaleSetId } = await start();
    const api = runsClient({ type: "pat", token: PAT });
    const refused = async (call: Promise<unknown>) => {
      const error = await call.then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(GitHubApiError);
      const e = error as GitHubApiError;
      return { status: e.status, message: e.serverMessage };
    };

    const running = sim.enqueueRun(SET, 1, { durationMs: 20 });
    expect(await refused(api.rerunFailedJobs(OWNER, REPO, running.runId))).toEqual({
      status: 403,
      message: "This workflow is already running",
    });
    await runOneJob(admin, scaleSetId, "r-ok");
    expect(await refused(api.rerunFailedJobs(OWNER, REPO, running.runId))).toEqual({
      status: 403,
      message: "This workflow run cannot be retried",
    });
    sim.runs.rerunDeniedFor = "personal access token";
    expect(await refused(api.rerunFailedJobs(OWNER, REPO, running.runId))).toMatchObject({
      status: 403,
      message: "Resource not accessible by personal access token",
    });
    expect(await refused(api.getRun(OWNER, "other-repo", running.runId))).toMatchObject({
      status: 404,
    });
    expect(await refused(api.getRun(OWNER, REPO, 1))).toMatchObject({ status: 404 });
    const stranger = runsClient({ type: "pat", token: "ghp_not_this_one" });
    expect(await refused(stranger.getRun(OWNER, REPO, running.runId))).toEqual({
      status: 401,
      message: "Bad credentials",
    });
  });

  it("authenticates a GitHub App with one installation token for many calls", async () => {
    const keys = generateKeyPairSync("rsa", { modulusLength: 2048 });
    await start({
      app: {
        clientId: "Iv1.runs",
        installationId: 7,
        publicKeyPem: keys.publicKey.export({ type: "spki", format: "pem" }).toString(),
      },
    });
    const { runId } = sim.enqueueRun(SET, 1);
    const api = runsClient({
      type: "app",
      clientId: "Iv1.runs",
      installationId: 7,
      privateKey: keys.privateKey.export({ type: "pkcs8", format: "pem" }).toString(),
    });
    for (let i = 0; i < 3; i++) {
      expect((await api.getRun(OWNER, REPO, runId)).status).toBe("queued");
    }
    expect(sim.snapshot().requests.accessToken).toBe(1);
  });
});
