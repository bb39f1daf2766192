/**
 * The plumbing under ActionsClient: the two HTTP clients (Actions service and message queue),
 * the admin-token provider, the User-Agent and the admin-request helper (§2.5, §3).
 */
import { AdminTokenProvider, type GitHubCredentials } from "./auth.js";
import { type GitHubConfigUrl, parseConfigUrl } from "./config-url.js";
import { type ApiErrorClass, errorFromResponse } from "./errors.js";
import {
  type CallClass,
  HttpClient,
  type HttpMethod,
  type HttpObserver,
  type HttpResponse,
  type RetryOptions,
} from "./http.js";
import { type GitHubLogger, silentLogger } from "./logger.js";
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
  /** Longest single attempt; default 5 min (the call-class deadlines usually end one sooner). */
  requestTimeoutMs?: number;
  /** Whole-call deadline per call class (defaults: DEFAULT_CALL_DEADLINES). */
  deadlines?: Partial<Record<CallClass, number>>;
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

export interface AdminRequestOptions {
  query?: QueryParams;
  body?: unknown;
  /** Authenticate with this token instead of the admin token (acquirejobs: the queue token). */
  token?: string;
  signal?: AbortSignal;
  callClass?: CallClass;
  /** Telemetry name when the URL does not say it. */
  operation?: string;
}

/** Sockets per origin for Actions-service calls (the message queue has its own pool). */
const API_CONNECTIONS_PER_ORIGIN = 64;

export class ActionsTransport {
  readonly config: GitHubConfigUrl;
  readonly logger: GitHubLogger;
  protected readonly auth: AdminTokenProvider;
  readonly #http: HttpClient;
  readonly #queueHttp: HttpClient;
  readonly #userAgentInfo: Required<UserAgentInfo>;
  #scaleSetId = 0;

  constructor(options: ActionsClientOptions) {
    this.config = parseConfigUrl(options.configUrl, options.env ?? process.env);
    this.logger = options.logger ?? silentLogger;
    this.#userAgentInfo = {
      system: options.userAgent?.system ?? "scaleset",
      version: options.userAgent?.version ?? "dev",
      subsystem: options.userAgent?.subsystem ?? "client",
    };
    const httpOptions = {
      retry: options.retry,
      requestTimeoutMs: options.requestTimeoutMs,
      deadlines: options.deadlines,
      env: options.env,
      logger: this.logger,
      observer: options.httpObserver,
    };
    // A burst of JIT/remove calls reuses a bounded set of keep-alive sockets instead of opening
    // one connection per call; the long poll has sockets of its own so it never waits behind them.
    this.#http = new HttpClient({
      ...httpOptions,
      connectionsPerOrigin: API_CONNECTIONS_PER_ORIGIN,
    });
    this.#queueHttp = new HttpClient(httpOptions);
    this.auth = new AdminTokenProvider({
      config: this.config,
      credentials: options.credentials,
      http: this.#http,
      userAgent: () => this.userAgent,
      logger: this.logger,
      now: options.now,
    });
  }

  /** JSON User-Agent like the SDK's (§3); telemetry only. */
  get userAgent(): string {
    const { system, version, subsystem } = this.#userAgentInfo;
    return JSON.stringify({
      system,
      version,
      subsystem,
      scale_set_id: this.#scaleSetId,
      kind: "scaleset",
    });
  }

  setScaleSetId(id: number): void {
    this.#scaleSetId = id;
  }

  /** Sends a message-queue request (no admin token involved; rows 13/14). */
  sendQueueRequest(req: QueueRequest): Promise<HttpResponse> {
    const poll = req.method === "GET";
    return this.#queueHttp.send({
      method: req.method,
      url: req.url,
      headers: {
        ...req.headers,
        Authorization: `Bearer ${req.token}`,
        "User-Agent": this.userAgent,
      },
      signal: req.signal,
      callClass: poll ? "poll" : "ack",
      secrets: [req.token],
      operation: poll ? "get_message" : "delete_message",
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

  /** Ends every GitHub call in flight, and any later one: the shutdown grace is over. */
  abortAll(reason: string): void {
    this.#http.abortAll(reason);
    this.#queueHttp.abortAll(reason);
  }

  /** Releases pooled connections (waits for calls in flight; see abortAll). */
  close(): Promise<void> {
    return Promise.all([this.#http.close(), this.#queueHttp.close()]).then(() => undefined);
  }

  protected async admin(
    method: HttpMethod,
    path: string,
    opts: AdminRequestOptions = {},
  ): Promise<HttpResponse> {
    const first = await this.#adminOnce(method, path, opts);
    if (first.res.status !== 401 || opts.token !== undefined) return first.res;
    // The admin token was rejected before its exp: fetch a new one and try once more.
    this.auth.invalidate(first.token);
    this.logger.warn({ path }, "admin token rejected (401); re-running the auth chain");
    return (await this.#adminOnce(method, path, opts)).res;
  }

  async #adminOnce(
    method: HttpMethod,
    path: string,
    opts: AdminRequestOptions,
  ): Promise<{ res: HttpResponse; token: string }> {
    const connection = await this.auth.get();
    const token = opts.token ?? connection.token;
    const res = await this.#http.send({
      method,
      url: buildActionsUrl(connection.actionsUrl, path, opts.query),
      headers: {
        Authorization: `Bearer ${token}`,
        "Content-Type": "application/json",
        "User-Agent": this.userAgent,
      },
      body: opts.body === undefined ? undefined : JSON.stringify(opts.body),
      signal: opts.signal,
      callClass: opts.callClass,
      operation: opts.operation,
      secrets: [token, connection.token],
    });
    return { res, token };
  }
}
