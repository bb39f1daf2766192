/**
 * Types and defaults of the HTTP layer (http.ts): requests, responses, the telemetry hook, retry
 * options and the deadline of each call class.
 */

export interface RetryOptions {
  /** Retries after the first attempt (default 4 → 5 attempts). */
  maxRetries: number;
  /** Backoff base: delay before retry n (0-based) is min(minDelayMs·2^n, maxDelayMs). */
  minDelayMs: number;
  maxDelayMs: number;
}

export const DEFAULT_RETRY: RetryOptions = { maxRetries: 4, minDelayMs: 1_000, maxDelayMs: 30_000 };
/** Longest single attempt; the call-class deadline usually ends an attempt sooner. */
export const DEFAULT_REQUEST_TIMEOUT_MS = 5 * 60_000;

/**
 * What a call is, for its deadline: `poll` is the long poll (GET message), `ack` the DELETE of a
 * message, `acquire` acquirejobs, `api` every other Actions-service and REST call.
 */
export type CallClass = "api" | "ack" | "acquire" | "poll";

/**
 * Whole-call deadlines (every attempt and backoff included). A hung request must never hold the
 * message loop, or a shutdown, for minutes: GitHub answers these calls in well under a second.
 * The long poll's figure is only a backstop — GitHub answers it within ~50 s, and the listener
 * abandons one unanswered after its own, shorter poll timeout.
 */
export const DEFAULT_CALL_DEADLINES: Readonly<Record<CallClass, number>> = {
  api: 30_000,
  ack: 30_000,
  acquire: 30_000,
  poll: DEFAULT_REQUEST_TIMEOUT_MS,
};

export type HttpMethod = "GET" | "POST" | "PATCH" | "DELETE";

export interface HttpRequest {
  method: HttpMethod;
  url: string;
  headers: Record<string, string>;
  body?: string;
  /** Caller cancellation: aborts the attempt in flight and stops further retries. */
  signal?: AbortSignal;
  /** Chooses the deadline (default `api`). */
  callClass?: CallClass;
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
