/**
 * What an error thrown by `@google-cloud/compute` says, read from the response body Compute sent.
 *
 * Compute puts the reason of a synchronous error only in `error.errors[].reason`
 * (`rateLimitExceeded`, `quotaExceeded`, `resourceNotReady`, `forbidden`, `invalid`…). gax's
 * REST error parser fills `GoogleError.reason` only from a `google.rpc.ErrorInfo` detail, which
 * Compute's own errors do not carry, and maps the HTTP status to a gRPC code — so a rate-limit
 * 403 and a missing-permission 403 both arrive as PERMISSION_DENIED with `reason` undefined.
 *
 * Where the body is kept (verified against the fake with compute 7.8 / google-gax 6.17):
 * - gax 6.17 attaches the raw body, as a string, non-enumerably under
 *   `Symbol.for("google-gax.rawHttpResponsePayload")` — on every HTTP error, the 401/403 path
 *   (gaxios rejects those) and the decoded 4xx/5xx path alike; `httpStatusCode` holds the status.
 * - gax 5 (the Node 20 stack) threw a GaxiosError whose `message` is the raw body and `status`
 *   the HTTP status.
 * Both are read; ErrorInfo's reason (gax's `.reason`) is kept as well, for errors from the API
 * front end (SERVICE_DISABLED, RATE_LIMIT_EXCEEDED) that do carry one.
 */

const RAW_PAYLOAD = Symbol.for("google-gax.rawHttpResponsePayload");

export interface SdkErrorFacts {
  /** gRPC status code (gax `GoogleError`). */
  grpc?: number;
  /** HTTP status Compute answered with. */
  http?: number;
  /** `error.errors[].reason` of the body, then ErrorInfo's reason, in that order. */
  reasons: string[];
  /** Compute's human text (`error.message`), or the error's own first line. */
  message: string;
}

interface ErrorBody {
  code?: unknown;
  message?: unknown;
  errors?: Array<{ reason?: unknown }>;
}

function parseBody(text: unknown): ErrorBody | undefined {
  if (typeof text !== "string" || !text.trimStart().startsWith("{")) return undefined;
  try {
    const parsed = JSON.parse(text) as { error?: unknown };
    return typeof parsed.error === "object" && parsed.error !== null
      ? (parsed.error as ErrorBody)
      : undefined;
  } catch {
    return undefined;
  }
}

export function sdkErrorFacts(error: unknown): SdkErrorFacts {
  // biome-ignore lint/suspicious/noExplicitAny: probing an SDK error of unknown shape
  const e: Record<PropertyKey, any> = typeof error === "object" && error !== null ? error : {};
  const isGoogleError = e.constructor?.name === "GoogleError";
  const ownMessage = error instanceof Error ? error.message : String(error);
  const body = parseBody(e[RAW_PAYLOAD]) ?? parseBody(ownMessage);
  const http =
    typeof e.httpStatusCode === "number"
      ? e.httpStatusCode
      : !isGoogleError && typeof e.status === "number"
        ? e.status
        : typeof body?.code === "number"
          ? body.code
          : undefined;
  const reasons = (body?.errors ?? [])
    .map((item) => item.reason)
    .filter((reason): reason is string => typeof reason === "string");
  if (typeof e.reason === "string") reasons.push(e.reason);
  const message =
    typeof body?.message === "string" ? body.message : (ownMessage.split("\n")[0] ?? ownMessage);
  return {
    grpc: isGoogleError && typeof e.code === "number" ? e.code : undefined,
    http,
    reasons,
    message,
  };
}
