/**
 * Client of the Actions service ("A" in protocol reference §0): runner groups, scale sets,
 * sessions, JIT configs and runners. Every call gets a fresh-enough admin token first (§2.5).
 */
import { AdminTokenProvider, type GitHubCredentials } from "./auth.js";
import { type GitHubConfigUrl, parseConfigUrl } from "./config-url.js";
import {
  decodeJitConfig,
  decodeResponse,
  decodeRunnerGroup,
  decodeRunnerReference,
  decodeScaleSet,
  decodeSession,
  listValues,
} from "./decode.js";
import {
  type ApiErrorClass,
  errorFromResponse,
  MessageQueueTokenExpiredError,
  ProtocolError,
  RunnerExistsError,
  RunnerGroupNotFoundError,
  ScaleSetNotFoundError,
  SessionConflictError,
} from "./errors.js";
import {
  HttpClient,
  type HttpMethod,
  type HttpObserver,
  type HttpResponse,
  type RetryOptions,
} from "./http.js";
import { type GitHubLogger, silentLogger } from "./logger.js";
import { scaleSetBody } from "./scale-set-body.js";
import type {
  CreateScaleSetInput,
  JitRunnerConfig,
  MessageSession,
  RunnerGroup,
  RunnerReference,
  RunnerScaleSet,
} from "./types.js";
import { buildActionsUrl, type QueryParams } from "./url.js";

export interface UserAgentInfo {
  system?: string;
  version?: string;
  subsystem?: string;
}

export interface ActionsClientOptions {
  configUrl: string;
  credentials: GitHubCredentials;
  userAgent?: UserAgentInfo;
  retry?: Partial<RetryOptions>;
  /** Per-attempt timeout; default 5 min (must exceed the 50 s long poll). */
  requestTimeoutMs?: number;
  logger?: GitHubLogger;
  /** Source of GITHUB_ACTIONS_FORCE_GHES and proxy variables (default process.env). */
  env?: NodeJS.ProcessEnv;
  /** Clock override (tests). */
  now?: () => number;
  /** Telemetry hook around every request (API, auth chain and message queue). */
  httpObserver?: HttpObserver;
}

/** A request authenticated with the message-queue token (GET/DELETE message). */
export interface QueueRequest {
  method: HttpMethod;
  url: string;
  token: string;
  headers?: Record<string, string>;
  signal?: AbortSignal;
}

const DEFAULT_GROUP_ID = 1;
/** Sockets per origin for Actions-service calls (the message queue has its own pool). */
const API_CONNECTIONS_PER_ORIGIN = 64;

export class ActionsClient {
  readonly config: GitHubConfigUrl;
  readonly logger: GitHubLogger;
  private readonly http: HttpClient;
  private readonly queueHttp: HttpClient;
  private readonly auth: AdminTokenProvider;
  private readonly userAgentInfo: Required<UserAgentInfo>;
  private scaleSetId = 0;

  constructor(options: ActionsClientOptions) {
    this.config = parseConfigUrl(options.configUrl, options.env ?? process.env);
    this.logger = options.logger ?? silentLogger;
    this.userAgentInfo = {
      system: options.userAgent?.system ?? "scaleset",
      version: options.userAgent?.version ?? "dev",
      subsystem: options.userAgent?.subsystem ?? "client",
    };
    const httpOptions = {
      retry: options.retry,
      requestTimeoutMs: options.requestTimeoutMs,
      env: options.env,
      logger: this.logger,
      observer: options.httpObserver,
    };
    // A burst of JIT/remove calls reuses a bounded set of keep-alive sockets instead of opening
    // one connection per call; the long poll has sockets of its own so it never waits behind them.
    this.http = new HttpClient({
      ...httpOptions,
      connectionsPerOrigin: API_CONNECTIONS_PER_ORIGIN,
    });
    this.queueHttp = new HttpClient(httpOptions);
    this.auth = new AdminTokenProvider({
      config: this.config,
      credentials: options.credentials,
      http: this.http,
      userAgent: () => this.userAgent,
      logger: this.logger,
      now: options.now,
    });
  }

  /** JSON User-Agent like the SDK's (§3); telemetry only. */
  get userAgent(): string {
    const { system, version, subsystem } = this.userAgentInfo;
    return JSON.stringify({
      system,
      version,
      subsystem,
      scale_set_id: this.scaleSetId,
      kind: "scaleset",
    });
  }

  setScaleSetId(id: number): void {
    this.scaleSetId = id;
  }

  /** Runs the full auth chain once (registration token → admin token); throws on failure. */
  async validateCredentials(): Promise<void> {
    await this.auth.refresh();
  }

  async getRunnerGroupByName(name: string): Promise<RunnerGroup> {
    if (name.toLowerCase() === "default") {
      return { id: DEFAULT_GROUP_ID, name: "Default", isDefaultGroup: true };
    }
    // The trailing slash before "?" is what the SDK sends (§4.1).
    const res = await this.admin("GET", "/_apis/runtime/runnergroups/", {
      query: { groupName: name },
    });
    this.assertStatus(res, [200]);
    const groups = decodeResponse(res, "runner groups", (json) =>
      listValues(json, "runner groups").map(decodeRunnerGroup),
    );
    if (groups.length === 0) throw new RunnerGroupNotFoundError(name);
    if (groups.length > 1) {
      throw new ProtocolError(`${groups.length} runner groups found with name "${name}"`);
    }
    return groups[0]!;
  }

  async getScaleSetByName(runnerGroupId: number, name: string): Promise<RunnerScaleSet | null> {
    const res = await this.admin("GET", "/_apis/runtime/runnerscalesets", {
      query: { runnerGroupId, name },
    });
    this.assertStatus(res, [200]);
    const sets = decodeResponse(res, "runner scale sets", (json) =>
      listValues(json, "runner scale sets").map(decodeScaleSet),
    );
    if (sets.length > 1) {
      throw new ProtocolError(`${sets.length} scale sets found with name "${name}"`);
    }
    return sets[0] ?? null;
  }

  async getScaleSet(id: number): Promise<RunnerScaleSet> {
    const res = await this.admin("GET", `/_apis/runtime/runnerscalesets/${id}`);
    this.assertStatus(res, [200], { 404: ScaleSetNotFoundError });
    return decodeResponse(res, "runner scale set", decodeScaleSet);
  }

  async createScaleSet(input: CreateScaleSetInput): Promise<RunnerScaleSet> {
    if (!input.name) throw new Error("createScaleSet: name is required");
    const res = await this.admin("POST", "/_apis/runtime/runnerscalesets", {
      body: scaleSetBody(input, true),
    });
    this.assertStatus(res, [200]);
    return decodeResponse(res, "runner scale set", decodeScaleSet);
  }

  async updateScaleSet(id: number, patch: Partial<CreateScaleSetInput>): Promise<RunnerScaleSet> {
    const res = await this.admin("PATCH", `/_apis/runtime/runnerscalesets/${id}`, {
      body: scaleSetBody(patch, false),
    });
    this.assertStatus(res, [200], { 404: ScaleSetNotFoundError });
    return decodeResponse(res, "runner scale set", decodeScaleSet);
  }

  async deleteScaleSet(id: number): Promise<void> {
    const res = await this.admin("DELETE", `/_apis/runtime/runnerscalesets/${id}`);
    this.assertStatus(res, [204, 200], { 404: ScaleSetNotFoundError });
  }

  async createSession(scaleSetId: number, ownerName: string): Promise<MessageSession> {
    const res = await this.admin("POST", `/_apis/runtime/runnerscalesets/${scaleSetId}/sessions`, {
      body: { ownerName },
    });
    this.assertStatus(res, [200], { 404: ScaleSetNotFoundError, 409: SessionConflictError });
    return decodeResponse(res, "message session", decodeSession);
  }

  async refreshSession(scaleSetId: number, sessionId: string): Promise<MessageSession> {
    const res = await this.admin("PATCH", sessionPath(scaleSetId, sessionId));
    this.assertStatus(res, [200], { 404: ScaleSetNotFoundError });
    return decodeResponse(res, "message session", decodeSession);
  }

  async deleteSession(scaleSetId: number, sessionId: string, signal?: AbortSignal): Promise<void> {
    const res = await this.admin("DELETE", sessionPath(scaleSetId, sessionId), { signal });
    this.assertStatus(res, [204, 200]);
  }

  async generateJitConfig(
    scaleSetId: number,
    runnerName: string,
    workFolder = "",
  ): Promise<JitRunnerConfig> {
    const res = await this.admin(
      "POST",
      `/_apis/runtime/runnerscalesets/${scaleSetId}/generatejitconfig`,
      { body: { name: runnerName, workFolder } },
    );
    this.assertStatus(res, [200], { 404: ScaleSetNotFoundError, 409: RunnerExistsError });
    return decodeResponse(res, "JIT config", decodeJitConfig);
  }

  /** null when the runner is no longer registered (404 AgentNotFound). */
  async getRunner(runnerId: number): Promise<RunnerReference | null> {
    const res = await this.admin("GET", `/_apis/distributedtask/pools/0/agents/${runnerId}`);
    if (res.status === 404) return null;
    this.assertStatus(res, [200]);
    return decodeResponse(res, "runner", decodeRunnerReference);
  }

  async getRunnerByName(name: string): Promise<RunnerReference | null> {
    const runners = await this.listAgents({ agentName: name });
    if (runners.length > 1) {
      throw new ProtocolError(`${runners.length} runners found with name "${name}"`);
    }
    return runners[0] ?? null;
  }

  /**
   * Runners of one scale set. UNVERIFIED against github.com: listing the pool's agents without
   * `agentName` is inferred from the by-name route; results are filtered client-side.
   */
  async listRunners(scaleSetId: number): Promise<RunnerReference[]> {
    const runners = await this.listAgents({});
    return runners.filter((r) => r.runnerScaleSetId === scaleSetId);
  }

  /** Resolves when removed or already gone; JobStillRunningError when the runner is busy. */
  async removeRunner(runnerId: number): Promise<void> {
    const res = await this.admin("DELETE", `/_apis/distributedtask/pools/0/agents/${runnerId}`);
    if (res.status === 404) return; // gone already (unverified status for DELETE, pitfall 13)
    this.assertStatus(res, [204, 200]);
  }

  /**
   * POST acquirejobs with the message-queue token (§4.12). Prefer MessageQueueClient.acquireJobs,
   * which refreshes the session on 401.
   */
  async acquireJobsWithQueueToken(
    scaleSetId: number,
    runnerRequestIds: number[],
    queueToken: string,
    signal?: AbortSignal,
  ): Promise<number[]> {
    const res = await this.admin(
      "POST",
      `/_apis/runtime/runnerscalesets/${scaleSetId}/acquirejobs`,
      {
        body: runnerRequestIds,
        token: queueToken,
        signal,
      },
    );
    this.assertStatus(res, [200], { 401: MessageQueueTokenExpiredError }, [queueToken]);
    return decodeResponse(res, "acquired jobs", (json) =>
      listValues(json, "acquired jobs").filter((v): v is number => typeof v === "number"),
    );
  }

  /** Sends a message-queue request (no admin token involved; rows 13/14). */
  sendQueueRequest(req: QueueRequest): Promise<HttpResponse> {
    return this.queueHttp.send({
      method: req.method,
      url: req.url,
      headers: {
        ...req.headers,
        Authorization: `Bearer ${req.token}`,
        "User-Agent": this.userAgent,
      },
      signal: req.signal,
      secrets: [req.token],
      operation: req.method === "GET" ? "get_message" : "delete_message",
    });
  }

  /**
   * Throws the classified error unless the status is in `ok`. `byStatus` maps statuses to error
   * classes for this route; `secrets` are masked from the error text.
   */
  assertStatus(
    res: HttpResponse,
    ok: number[],
    byStatus: Partial<Record<number, ApiErrorClass>> = {},
    secrets: string[] = [],
  ): void {
    if (ok.includes(res.status)) return;
    throw errorFromResponse(res, { secrets, statusClass: byStatus[res.status] });
  }

  /** Releases pooled connections. */
  close(): Promise<void> {
    return Promise.all([this.http.close(), this.queueHttp.close()]).then(() => undefined);
  }

  private async listAgents(query: QueryParams): Promise<RunnerReference[]> {
    const res = await this.admin("GET", "/_apis/distributedtask/pools/0/agents", { query });
    this.assertStatus(res, [200]);
    return decodeResponse(res, "runners", (json) =>
      listValues(json, "runners").map(decodeRunnerReference),
    );
  }

  private async admin(
    method: HttpMethod,
    path: string,
    opts: { query?: QueryParams; body?: unknown; token?: string; signal?: AbortSignal } = {},
  ): Promise<HttpResponse> {
    const first = await this.adminOnce(method, path, opts);
    if (first.res.status !== 401 || opts.token !== undefined) return first.res;
    // The admin token was rejected before its exp: fetch a new one and try once more.
    this.auth.invalidate(first.token);
    this.logger.warn({ path }, "admin token rejected (401); re-running the auth chain");
    return (await this.adminOnce(method, path, opts)).res;
  }

  private async adminOnce(
    method: HttpMethod,
    path: string,
    opts: { query?: QueryParams; body?: unknown; token?: string; signal?: AbortSignal },
  ): Promise<{ res: HttpResponse; token: string }> {
    const connection = await this.auth.get();
    const token = opts.token ?? connection.token;
    const res = await this.http.send({
      method,
      url: buildActionsUrl(connection.actionsUrl, path, opts.query),
      headers: {
        Authorization: `Bearer ${token}`,
        "Content-Type": "application/json",
        "User-Agent": this.userAgent,
      },
      body: opts.body === undefined ? undefined : JSON.stringify(opts.body),
      signal: opts.signal,
      secrets: [token, connection.token],
    });
    return { res, token };
  }
}

function sessionPath(scaleSetId: number, sessionId: string): string {
  return `/_apis/runtime/runnerscalesets/${scaleSetId}/sessions/${encodeURIComponent(sessionId)}`;
}
