/**
 * The one HTTP request function of the GitHub client: undici `request`, BOM stripping, a
 * deadline per call class (all attempts and backoffs included) and the retry layer of protocol
 * reference §6.4. `abortAll` ends every call in flight at once (the shutdown grace is over).
 *
 * TLS trust: extra CAs for GHES come from NODE_EXTRA_CA_CERTS, which Node's TLS stack (and so
 * undici) honours natively at process start; nothing to do here.
 */
import { setTimeout as sleep } from "node:timers/promises";
import { type Dispatcher, request } from "undici";
import { NetworkError, redactSecrets } from "./errors.js";
import {
  type CallClass,
  DEFAULT_CALL_DEADLINES,
  DEFAULT_REQUEST_TIMEOUT_MS,
  DEFAULT_RETRY,
  type HttpObserver,
  type HttpRequest,
  type HttpResponse,
  type RetryOptions,
} from "./http-types.js";
import {
  createDispatcher,
  decodeBody,
  describeTransportError,
  errorCodes,
  isRetryableTransportError,
  normalizeHeaders,
  parseRetryAfter,
} from "./http-util.js";
import { type GitHubLogger, silentLogger } from "./logger.js";
import { redactUrl } from "./url.js";

export type {
  CallClass,
  HttpMethod,
  HttpObserver,
  HttpRequest,
  HttpRequestObservation,
  HttpResponse,
  RetryOptions,
} from "./http-types.js";
export {
  DEFAULT_CALL_DEADLINES,
  DEFAULT_REQUEST_TIMEOUT_MS,
  DEFAULT_RETRY,
} from "./http-types.js";
export { createDispatcher, parseRetryAfter } from "./http-util.js";

export interface HttpClientOptions {
  retry?: Partial<RetryOptions>;
  /** Longest single attempt (default 5 min). */
  requestTimeoutMs?: number;
  /** Whole-call deadline per class, over DEFAULT_CALL_DEADLINES. */
  deadlines?: Partial<Record<CallClass, number>>;
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

/** Abort reason of an attempt that ran out of time; `deadline`: the call's, not the attempt's. */
class AttemptTimeoutError extends Error {
  override name = "AttemptTimeoutError";
  constructor(
    readonly ms: number,
    readonly deadline: boolean,
  ) {
    super(
      deadline ? `no response within the call's ${ms} ms deadline` : `no response within ${ms} ms`,
    );
  }
}

/** Abort reason of every call in flight when `abortAll` ran. */
class CallsAbandonedError extends Error {
  override name = "CallsAbandonedError";
}

/** An AbortController that follows the caller's signal and `abortAll`. */
interface Link {
  signal: AbortSignal;
  abort(reason: Error): void;
  done(): void;
}

export class HttpClient {
  readonly retry: RetryOptions;
  readonly requestTimeoutMs: number;
  readonly deadlines: Readonly<Record<CallClass, number>>;
  private readonly logger: GitHubLogger;
  private readonly dispatcher: Dispatcher;
  private readonly observer: HttpObserver | undefined;
  readonly #inflight = new Set<AbortController>();
  #abandoned: CallsAbandonedError | null = null;

  constructor(options: HttpClientOptions = {}) {
    this.retry = { ...DEFAULT_RETRY, ...options.retry };
    this.requestTimeoutMs = options.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS;
    this.deadlines = { ...DEFAULT_CALL_DEADLINES, ...options.deadlines };
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

  /**
   * Ends every call in flight (and every later one) with a NetworkError: the shutdown grace is
   * over and nothing may hold the process any longer.
   */
  abortAll(reason: string): void {
    this.#abandoned ??= new CallsAbandonedError(reason);
    for (const controller of this.#inflight) controller.abort(this.#abandoned);
    this.#inflight.clear();
  }

  close(): Promise<void> {
    return this.dispatcher.close();
  }

  /** Closes the sockets at once, failing whatever still uses them. */
  destroy(): Promise<void> {
    return this.dispatcher.destroy();
  }

  private async sendWithRetries(
    req: HttpRequest,
    onRetry: ((attempt: number, reason: string) => void) | undefined,
  ): Promise<HttpResponse> {
    const { maxRetries } = this.retry;
    const deadlineMs = this.deadlines[req.callClass ?? "api"];
    const deadlineAt = Date.now() + deadlineMs;
    for (let attempt = 0; ; attempt++) {
      req.signal?.throwIfAborted();
      const remaining = deadlineAt - Date.now();
      const byDeadline = remaining < this.requestTimeoutMs;
      let response: HttpResponse;
      try {
        if (remaining <= 0) throw new AttemptTimeoutError(deadlineMs, true);
        response = await this.attempt(req, attempt, Math.min(remaining, this.requestTimeoutMs), {
          byDeadline,
          deadlineMs,
        });
      } catch (err) {
        if (req.signal?.aborted) throw req.signal.reason;
        const final =
          err instanceof CallsAbandonedError ||
          (err instanceof AttemptTimeoutError && err.deadline) ||
          attempt >= maxRetries ||
          !isRetryableTransportError(err);
        const delay = this.delayFor(attempt);
        if (final || Date.now() + delay >= deadlineAt) throw this.networkError(req, attempt, err);
        onRetry?.(attempt, errorCodes(err)[0] ?? (err instanceof Error ? err.name : "error"));
        await this.backoff(req, attempt, delay, describeTransportError(err));
        continue;
      }
      if (attempt >= maxRetries || !this.isRetryableStatus(response.status, req)) return response;
      const delay = this.delayFor(attempt, response);
      // No time left to wait: the last answer (status and body) is the result.
      if (Date.now() + delay >= deadlineAt) return response;
      onRetry?.(attempt, `HTTP ${response.status}`);
      await this.backoff(req, attempt, delay, `HTTP ${response.status}`);
    }
  }

  private async attempt(
    req: HttpRequest,
    attempt: number,
    timeoutMs: number,
    limit: { byDeadline: boolean; deadlineMs: number },
  ): Promise<HttpResponse> {
    const link = this.link(req.signal);
    const timer = setTimeout(
      () =>
        link.abort(
          limit.byDeadline
            ? new AttemptTimeoutError(limit.deadlineMs, true)
            : new AttemptTimeoutError(timeoutMs, false),
        ),
      timeoutMs,
    );
    try {
      const res = await request(req.url, {
        method: req.method,
        headers: req.headers,
        body: req.body,
        signal: link.signal,
        dispatcher: this.dispatcher,
        // Our own timer decides (and says why); undici's are a looser safety net.
        headersTimeout: timeoutMs + 1_000,
        bodyTimeout: timeoutMs + 1_000,
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
    } catch (err) {
      const reason: unknown = link.signal.reason;
      if (reason instanceof AttemptTimeoutError || reason instanceof CallsAbandonedError) {
        throw reason;
      }
      throw err;
    } finally {
      clearTimeout(timer);
      link.done();
    }
  }

  /** A controller for one attempt or backoff, aborted by the caller's signal or `abortAll`. */
  private link(callerSignal: AbortSignal | undefined): Link {
    const controller = new AbortController();
    const follow = () => controller.abort(callerSignal?.reason);
    callerSignal?.addEventListener("abort", follow, { once: true });
    if (callerSignal?.aborted) follow();
    if (this.#abandoned) controller.abort(this.#abandoned);
    else this.#inflight.add(controller);
    return {
      signal: controller.signal,
      abort: (reason) => controller.abort(reason),
      done: () => {
        callerSignal?.removeEventListener("abort", follow);
        this.#inflight.delete(controller);
      },
    };
  }

  private networkError(req: HttpRequest, attempt: number, err: unknown): NetworkError {
    return new NetworkError(
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

  private isRetryableStatus(status: number, req: HttpRequest): boolean {
    if (req.extraRetryStatuses?.includes(status)) return true;
    return status === 0 || status === 429 || (status >= 500 && status !== 501);
  }

  private delayFor(attempt: number, response?: HttpResponse): number {
    if (response && (response.status === 429 || response.status === 503)) {
      const retryAfter = parseRetryAfter(response.headers["retry-after"]);
      // Server-requested delays are honoured uncapped, as in go-retryablehttp (within the deadline).
      if (retryAfter !== undefined) return retryAfter;
    }
    return Math.min(this.retry.minDelayMs * 2 ** attempt, this.retry.maxDelayMs);
  }

  private async backoff(req: HttpRequest, attempt: number, delayMs: number, reason: string) {
    this.logger.debug(
      { method: req.method, url: redactUrl(req.url), attempt: attempt + 1, delayMs, reason },
      "retrying GitHub request",
    );
    const link = this.link(req.signal);
    try {
      await sleep(delayMs, undefined, { signal: link.signal });
    } catch (err) {
      if (req.signal?.aborted) throw req.signal.reason;
      const reason: unknown = link.signal.reason;
      if (reason instanceof CallsAbandonedError) throw this.networkError(req, attempt, reason);
      throw err;
    } finally {
      link.done();
    }
  }
}
