/**
 * A small client of GitHub's REST API for workflow runs: read a run, list its jobs, re-run its
 * failed jobs (`POST /repos/{owner}/{repo}/actions/runs/{run_id}/rerun-failed-jobs`). Separate
 * from the Actions-service client: it talks to the REST API base with the GitHub credential
 * itself (PAT or App installation token), which needs Actions: read and write on the repository.
 */

import { ApiTokenCache } from "./api-token.js";
import type { GitHubCredentials } from "./auth.js";
import { parseConfigUrl } from "./config-url.js";
import { asObject, decodeResponse, field, num, str } from "./decode.js";
import { errorFromResponse } from "./errors.js";
import { HttpClient, type HttpObserver, type HttpResponse, type RetryOptions } from "./http.js";
import type { GitHubLogger } from "./logger.js";

export interface WorkflowRun {
  id: number;
  /** queued, in_progress, completed, … */
  status: string;
  /** success, failure, cancelled, …; null until completed. */
  conclusion: string | null;
  runAttempt: number;
  htmlUrl: string;
}

export interface WorkflowJob {
  id: number;
  name: string;
  status: string;
  conclusion: string | null;
  runnerName: string | null;
  runAttempt: number;
}

export interface RunsClientOptions {
  configUrl: string;
  credentials: GitHubCredentials;
  userAgent?: string;
  retry?: Partial<RetryOptions>;
  env?: NodeJS.ProcessEnv;
  logger?: GitHubLogger;
  observer?: HttpObserver;
  now?: () => number;
}

const PER_PAGE = 100;
/** A run with more jobs than this is not judged (GitHub allows 256 jobs per matrix). */
const MAX_PAGES = 10;
const API_VERSION = "2022-11-28";

export class RunsClient {
  readonly #http: HttpClient;
  readonly #tokens: ApiTokenCache;
  readonly #apiBase: string;
  readonly #userAgent: string;

  constructor(options: RunsClientOptions) {
    const config = parseConfigUrl(options.configUrl, options.env ?? process.env);
    this.#apiBase = config.apiBase;
    this.#userAgent = options.userAgent ?? "scaleset";
    this.#http = new HttpClient({
      retry: options.retry,
      env: options.env,
      logger: options.logger,
      observer: options.observer,
    });
    this.#tokens = new ApiTokenCache({
      config,
      credentials: options.credentials,
      http: this.#http,
      userAgent: () => this.#userAgent,
      now: options.now ?? Date.now,
    });
  }

  async getRun(owner: string, repo: string, runId: number, signal?: AbortSignal) {
    const res = await this.#call("GET", runPath(owner, repo, runId), [200], signal);
    return decodeResponse(res, "workflow run", (json): WorkflowRun => {
      const run = asObject(json, "workflow run");
      return {
        id: num(run, "id"),
        status: str(run, "status"),
        conclusion: str(run, "conclusion") || null,
        runAttempt: num(run, "run_attempt") || 1,
        htmlUrl: str(run, "html_url"),
      };
    });
  }

  /** The newest attempt of each job of the run (`filter=latest`), every page. */
  async listJobs(owner: string, repo: string, runId: number, signal?: AbortSignal) {
    const jobs: WorkflowJob[] = [];
    for (let page = 1; page <= MAX_PAGES; page++) {
      const path = `${runPath(owner, repo, runId)}/jobs?filter=latest&per_page=${PER_PAGE}&page=${page}`;
      const res = await this.#call("GET", path, [200], signal);
      const { total, items } = decodeResponse(res, "workflow jobs", (json) => {
        const body = asObject(json, "workflow jobs");
        const list = field(body, "jobs");
        return {
          total: num(body, "total_count"),
          items: (Array.isArray(list) ? list : []).map((j) => toJob(asObject(j, "job"))),
        };
      });
      jobs.push(...items);
      if (items.length < PER_PAGE || jobs.length >= total) return jobs;
    }
    throw new Error(`workflow run ${runId} has more than ${PER_PAGE * MAX_PAGES} jobs`);
  }

  /** Re-runs the failed and cancelled jobs of a completed run, and the jobs that need them. */
  async rerunFailedJobs(owner: string, repo: string, runId: number, signal?: AbortSignal) {
    await this.#call("POST", `${runPath(owner, repo, runId)}/rerun-failed-jobs`, [201], signal);
  }

  async close(): Promise<void> {
    await this.#http.close();
  }

  async #call(
    method: "GET" | "POST",
    path: string,
    expected: number[],
    signal?: AbortSignal,
  ): Promise<HttpResponse> {
    const token = await this.#tokens.get(signal);
    const res = await this.#http.send({
      method,
      url: `${this.#apiBase}${path}`,
      headers: {
        Authorization: `Bearer ${token}`,
        Accept: "application/vnd.github+json",
        "X-GitHub-Api-Version": API_VERSION,
        "User-Agent": this.#userAgent,
        ...(method === "POST" ? { "Content-Type": "application/json" } : {}),
      },
      ...(method === "POST" ? { body: "{}" } : {}),
      secrets: [token],
      signal,
    });
    if (res.status === 401) this.#tokens.invalidate(token);
    if (!expected.includes(res.status)) throw errorFromResponse(res, { secrets: [token] });
    return res;
  }
}

function runPath(owner: string, repo: string, runId: number): string {
  return `/repos/${encodeURIComponent(owner)}/${encodeURIComponent(repo)}/actions/runs/${runId}`;
}

function toJob(job: Record<string, unknown>): WorkflowJob {
  return {
    id: num(job, "id"),
    name: str(job, "name"),
    status: str(job, "status"),
    conclusion: str(job, "conclusion") || null,
    runnerName: str(job, "runner_name") || null,
    runAttempt: num(job, "run_attempt") || 1,
  };
}
