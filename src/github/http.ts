/**
 * The one HTTP request function of the GitHub client: undici `request`, BOM stripping,
 * per-attempt timeout and the retry layer of protocol reference §6.4.
 *
 * TLS trust: extra CAs for GHES come from NODE_EXTRA_CA_CERTS, which Node's TLS stack (and so
 * undici) honours natively at process start; nothing to do here.
 */
import { setTimeout as sleep } from "node:timers/promises";
import { Agent, type Dispatcher, EnvHttpProxyAgent, request } from "undici";
import { NetworkError, redactSecrets } from "./errors.js";
import { type GitHubLogger, silentLogger } from "./logger.js";
import { redactUrl } from "./url.js";

export interface RetryOptions {
  /** Retries after the first attempt (default 4 → 5 attempts). */
  maxRetries: number;
  /** Backoff base: delay before retry n (0-based) is min(minDelayMs·2^n, maxDelayMs). */
  minDelayMs: number;
  maxDelayMs: number;
}

export const DEFAULT_RETRY: RetryOptions = { maxRetries: 4, minDelayMs: 1_000, maxDelayMs: 30_000 };
/** Must exceed the ~50 s long poll (§3). */
export const DEFAULT_REQUEST_TIMEOUT_MS = 5 * 60_000;

export type HttpMethod = "GET" | "POST" | "PATCH" | "DELETE";

export interface HttpRequest {
  method: HttpMethod;
  url: string;
  headers: Record<string, string>;
  body?: string;
  /** Caller cancellation: aborts the attempt in flight and stops further retries. */
  signal?: AbortSignal;
  /** Statuses retried in addition to the defaults (runner-registration: 401, 403). */
  extraRetryStatuses?: readonly number[];
  /** Credentials used by this request, masked from any error text. */
  secrets?: string[];
  /** Names the call for telemetry when the URL alone does not (message-queue requests). */
  operation?: string;
}

export interface HttpResponse {
  method: HttpMethod;
  url: string;
  status: number;
  /** Lower-case header names; repeated headers joined with ", ". */
  headers: Record<string, string>;
  /** UTF-8 body with a leading BOM removed. */
  body: string;
  /** Retries performed before this response. */
  retries: number;
}

/**
 * Telemetry hook around one logical request (all its attempts). `start` runs before the first
 * attempt, in the caller's async context. Implementations must be cheap and must not throw.
 */
export interface HttpObserver {
  start(req: HttpRequest): HttpRequestObservation | undefined;
}

export interface HttpRequestObservation {
  /** A retry is about to wait; `reason` is `HTTP <status>` or a transport error code. */
  retry?(attempt: number, reason: string): void;
  /** The final response (any status), or the error that ended it (`aborted`: by the caller). */
  end(
    outcome:
      | { status: number; retries: number }
      | { error: unknown; retries: number; aborted: boolean },
  ): void;
}

export interface HttpClientOptions {
  retry?: Partial<RetryOptions>;
  requestTimeoutMs?: number;
  /** Proxy variables are read from here (default process.env). */
  env?: NodeJS.ProcessEnv;
  logger?: GitHubLogger;
  /** Override the dispatcher (tests); default chosen from the proxy env vars. */
  dispatcher?: Dispatcher;
  /** Most sockets per origin; requests beyond it wait for a free keep-alive socket. */
  connectionsPerOrigin?: number;
  /** Telemetry hook (spans and metrics per request). */
  observer?: HttpObserver;
}

/** Marks the per-attempt timeout as the abort reason so it can be told from caller aborts. */
class AttemptTimeoutError extends Error {
  override name = "AttemptTimeoutError";
}

export class HttpClient {
  readonly retry: RetryOptions;
  readonly requestTimeoutMs: number;
  private readonly logger: GitHubLogger;
  private readonly dispatcher: Dispatcher;
  private readonly observer: HttpObserver | undefined;

  constructor(options: HttpClientOptions = {}) {
    this.retry = { ...DEFAULT_RETRY, ...options.retry };
    this.requestTimeoutMs = options.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS;
    this.logger = options.logger ?? silentLogger;
    this.dispatcher =
      options.dispatcher ??
      createDispatcher(options.env ?? process.env, { connections: options.connectionsPerOrigin });
    this.observer = options.observer;
  }

  async send(req: HttpRequest): Promise<HttpResponse> {
    const observation = this.observer?.start(req);
    if (!observation) return this.sendWithRetries(req, undefined);
    let retries = 0;
    try {
      const response = await this.sendWithRetries(req, (attempt, reason) => {
        retries = attempt + 1;
        observation.retry?.(attempt, reason);
      });
      observation.end({ status: response.status, retries: response.retries });
      return response;
    } catch (error) {
      observation.end({ error, retries, aborted: req.signal?.aborted === true });
      throw error;
    }
  }

  private async sendWithRetries(
    req: HttpRequest,
    onRetry: ((attempt: number, reason: string) => void) | undefined,
  ): Promise<HttpResponse> {
    const { maxRetries } = this.retry;
    for (let attempt = 0; ; attempt++) {
      req.signal?.throwIfAborted();
      let response: HttpResponse;
      try {
        response = await this.attempt(req, attempt);
      } catch (err) {
        if (req.signal?.aborted) throw req.signal.reason;
        if (attempt >= maxRetries || !isRetryableTransportError(err)) {
          throw new NetworkError(
            {
              status: 0,
              method: req.method,
              url: redactUrl(req.url),
              serverMessage: redactSecrets(describeTransportError(err), req.secrets),
              retryCount: attempt,
            },
            { cause: err },
          );
        }
        onRetry?.(attempt, errorCodes(err)[0] ?? (err instanceof Error ? err.name : "error"));
        await this.backoff(req, attempt, this.delayFor(attempt), describeTransportError(err));
        continue;
      }
      if (attempt >= maxRetries || !this.isRetryableStatus(response.status, req)) return response;
      onRetry?.(attempt, `HTTP ${response.status}`);
      await this.backoff(req, attempt, this.delayFor(attempt, response), `HTTP ${response.status}`);
    }
  }

  close(): Promise<void> {
    return this.dispatcher.close();
  }

  private async attempt(req: HttpRequest, attempt: number): Promise<HttpResponse> {
    const timeout = new AbortController();
    const timer = setTimeout(
      () =>
        timeout.abort(new AttemptTimeoutError(`no response within ${this.requestTimeoutMs} ms`)),
      this.requestTimeoutMs,
    );
    const signal = req.signal ? AbortSignal.any([req.signal, timeout.signal]) : timeout.signal;
    try {
      const res = await request(req.url, {
        method: req.method,
        headers: req.headers,
        body: req.body,
        signal,
        dispatcher: this.dispatcher,
        headersTimeout: this.requestTimeoutMs,
        bodyTimeout: this.requestTimeoutMs,
      });
      const bytes = Buffer.from(await res.body.arrayBuffer());
      return {
        method: req.method,
        url: req.url,
        status: res.statusCode,
        headers: normalizeHeaders(res.headers),
        body: decodeBody(bytes),
        retries: attempt,
      };
    } finally {
      clearTimeout(timer);
    }
  }

  private isRetryableStatus(status: number, req: HttpRequest): boolean {
    if (req.extraRetryStatuses?.includes(status)) return true;
    return status === 0 || status === 429 || (status >= 500 && status !== 501);
  }

  private delayFor(attempt: number, response?: HttpResponse): number {
    if (response && (response.status === 429 || response.status === 503)) {
      const retryAfter = parseRetryAfter(response.headers["retry-after"]);
      // Server-requested delays are honoured uncapped, as in go-retryablehttp.
      if (retryAfter !== undefined) return retryAfter;
    }
    return Math.min(this.retry.minDelayMs * 2 ** attempt, this.retry.maxDelayMs);
  }

  private async backoff(req: HttpRequest, attempt: number, delayMs: number, reason: string) {
    this.logger.debug(
      { method: req.method, url: redactUrl(req.url), attempt: attempt + 1, delayMs, reason },
      "retrying GitHub request",
    );
    try {
      await sleep(delayMs, undefined, { signal: req.signal });
    } catch (err) {
      if (req.signal?.aborted) throw req.signal.reason;
      throw err;
    }
  }
}

/** HTTPS_PROXY/HTTP_PROXY (either case) → EnvHttpProxyAgent, which also honours NO_PROXY. */
export function createDispatcher(
  env: NodeJS.ProcessEnv,
  pool: { connections?: number } = {},
): Dispatcher {
  const httpProxy = env.http_proxy ?? env.HTTP_PROXY ?? "";
  const httpsProxy = env.https_proxy ?? env.HTTPS_PROXY ?? "";
  const agentOptions = { connections: pool.connections ?? null };
  if (httpProxy === "" && httpsProxy === "") return new Agent(agentOptions);
  // Values are passed explicitly (even when empty) so the given env, not process.env, decides.
  return new EnvHttpProxyAgent({
    ...agentOptions,
    httpProxy,
    httpsProxy: httpsProxy || httpProxy,
    noProxy: env.no_proxy ?? env.NO_PROXY ?? "",
  });
}

/** Integer seconds or an HTTP date (past → 0). */
export function parseRetryAfter(value: string | undefined, now = Date.now()): number | undefined {
  if (value === undefined) return undefined;
  const trimmed = value.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed) * 1000;
  const date = Date.parse(trimmed);
  if (Number.isNaN(date)) return undefined;
  return Math.max(0, date - now);
}

function decodeBody(bytes: Buffer): string {
  const start = bytes.length >= 3 && bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf;
  return bytes.subarray(start ? 3 : 0).toString("utf8");
}

function normalizeHeaders(raw: Record<string, string | string[] | undefined>) {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(raw)) {
    if (v !== undefined) out[k.toLowerCase()] = Array.isArray(v) ? v.join(", ") : v;
  }
  return out;
}

/** Transport errors that retrying cannot fix (certificate problems, bad URLs or headers). */
const PERMANENT_ERROR_CODES = [
  /^CERT_/,
  /^ERR_TLS_CERT/,
  /^UNABLE_TO_(GET|VERIFY)/,
  /SELF_SIGNED_CERT/,
  /^ERR_INVALID_(URL|HTTP_TOKEN|CHAR|PROTOCOL)/,
  /^UND_ERR_(INVALID_ARG|NOT_SUPPORTED|REDIRECT_MAX)$/,
];

function isRetryableTransportError(err: unknown): boolean {
  for (const code of errorCodes(err)) {
    if (PERMANENT_ERROR_CODES.some((re) => re.test(code))) return false;
  }
  return true;
}

function errorCodes(err: unknown): string[] {
  const codes: string[] = [];
  let current: unknown = err;
  for (let depth = 0; depth < 5 && current instanceof Error; depth++) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === "string") codes.push(code);
    current = current.cause;
  }
  return codes;
}

function describeTransportError(err: unknown): string {
  if (!(err instanceof Error)) return String(err);
  const code = errorCodes(err)[0];
  const cause = err.cause instanceof Error ? `: ${err.cause.message}` : "";
  return `${code ? `${code} ` : ""}${err.message}${cause}`;
}
