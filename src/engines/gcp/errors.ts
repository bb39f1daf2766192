import { EngineError } from "../engine.js";
import type { GceOperation } from "./gce-types.js";

/**
 * Turns Compute Engine failures into EngineErrors with a stable `code` and `retryable`.
 * Two sources: HTTP errors the SDK throws (a gax `GoogleError` with a gRPC code, or a
 * `GaxiosError` with an HTTP status on older stacks), and errors inside a finished operation.
 * The SDK error is never attached as `cause`: its request config holds the insert body, and
 * with it the JIT config.
 */

/** Codes that mean "no room here": the create falls through to the next zone / standard VMs. */
export const CAPACITY_CODES: ReadonlySet<string> = new Set([
  "ZONE_RESOURCE_POOL_EXHAUSTED",
  "QUOTA_EXCEEDED",
]);

export function isCapacityError(error: unknown): error is EngineError {
  return error instanceof EngineError && CAPACITY_CODES.has(error.code);
}

/** gRPC status codes (google-gax `Status`). */
const GRPC = {
  CANCELLED: 1,
  INVALID_ARGUMENT: 3,
  DEADLINE_EXCEEDED: 4,
  NOT_FOUND: 5,
  ALREADY_EXISTS: 6,
  PERMISSION_DENIED: 7,
  RESOURCE_EXHAUSTED: 8,
  FAILED_PRECONDITION: 9,
  ABORTED: 10,
  INTERNAL: 13,
  UNAVAILABLE: 14,
  UNAUTHENTICATED: 16,
} as const;

const HTTP_TO_GRPC: Record<number, number> = {
  400: GRPC.INVALID_ARGUMENT,
  401: GRPC.UNAUTHENTICATED,
  403: GRPC.PERMISSION_DENIED,
  404: GRPC.NOT_FOUND,
  409: GRPC.ALREADY_EXISTS,
  429: GRPC.RESOURCE_EXHAUSTED,
  504: GRPC.DEADLINE_EXCEEDED,
};

interface SdkErrorFacts {
  grpc?: number;
  http?: number;
  reason?: string;
  message: string;
}

function facts(error: unknown): SdkErrorFacts {
  const e = (typeof error === "object" && error !== null ? error : {}) as Record<string, unknown>;
  const name = typeof e.constructor === "function" ? e.constructor.name : "";
  const http =
    typeof e.httpStatusCode === "number"
      ? e.httpStatusCode
      : name !== "GoogleError" && typeof e.status === "number"
        ? e.status
        : undefined;
  const grpc = name === "GoogleError" && typeof e.code === "number" ? e.code : undefined;
  const reason = typeof e.reason === "string" ? e.reason : undefined;
  let message = error instanceof Error ? error.message : String(error);
  // gax 5 puts the raw JSON error envelope in `message`.
  try {
    const body = JSON.parse(message) as {
      error?: { message?: string; errors?: Array<{ reason?: string }> };
    };
    if (body.error?.message) {
      return {
        grpc,
        http,
        reason: reason ?? body.error.errors?.[0]?.reason,
        message: body.error.message,
      };
    }
  } catch {
    // not JSON
  }
  message = message.split("\n")[0] ?? message;
  return { grpc, http, reason, message };
}

function grpcCode(f: SdkErrorFacts): number | undefined {
  if (f.grpc !== undefined) return f.grpc;
  if (f.http === undefined) return undefined;
  if (f.http >= 500) return GRPC.UNAVAILABLE;
  return HTTP_TO_GRPC[f.http];
}

/** Removes every occurrence of the given secrets from a text. */
export function scrub(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const secret of secrets) if (secret) out = out.split(secret).join("[redacted]");
  return out;
}

/** Classifies an error thrown by an SDK call. `what` names the call for the message. */
export function classifySdkError(
  error: unknown,
  what: string,
  secrets: readonly string[] = [],
): EngineError {
  if (error instanceof EngineError) return error;
  const f = facts(error);
  const detail = scrub(f.message, secrets).slice(0, 300);
  const make = (code: string, retryable: boolean) =>
    new EngineError(`${what}: ${code}: ${detail}`, { code, retryable });
  if (
    /could not load the default credentials|credential/i.test(f.message) &&
    f.grpc === undefined &&
    f.http === undefined
  ) {
    return make("CREDENTIALS", false);
  }
  const reason = f.reason?.toLowerCase() ?? "";
  if (reason.includes("quotaexceeded") || reason === "quota_exceeded")
    return make("QUOTA_EXCEEDED", true);
  if (reason.includes("ratelimitexceeded")) return make("RATE_LIMITED", true);
  switch (grpcCode(f)) {
    case GRPC.NOT_FOUND:
      return make("NOT_FOUND", false);
    case GRPC.ALREADY_EXISTS:
    case GRPC.ABORTED:
      // gax 6 maps a plain HTTP 409 to ABORTED; for insert it means the name is taken.
      return make("ALREADY_EXISTS", false);
    case GRPC.INVALID_ARGUMENT:
    case GRPC.FAILED_PRECONDITION:
      return make("INVALID_REQUEST", false);
    case GRPC.PERMISSION_DENIED:
      return make("PERMISSION_DENIED", false);
    case GRPC.UNAUTHENTICATED:
      return make("UNAUTHENTICATED", false);
    case GRPC.RESOURCE_EXHAUSTED:
      return make("RATE_LIMITED", true);
    case GRPC.DEADLINE_EXCEEDED:
      return make("TIMEOUT", true);
    case GRPC.CANCELLED:
      return make("CANCELLED", true);
    default:
      // UNAVAILABLE, INTERNAL, connection errors and anything unknown: try again later.
      return make("SERVER_ERROR", true);
  }
}

/** Codes inside a finished operation that a later attempt may get past. */
const RETRYABLE_OPERATION_CODES: ReadonlySet<string> = new Set([
  ...CAPACITY_CODES,
  "RESOURCE_OPERATION_RATE_EXCEEDED",
  "RATE_LIMIT_EXCEEDED",
  "INTERNAL_ERROR",
  "SERVICE_UNAVAILABLE",
  "RESOURCE_NOT_READY",
  "TIMEOUT",
]);

/** The error of a DONE operation, or null if it succeeded. */
export function operationError(
  op: GceOperation,
  what: string,
  secrets: readonly string[] = [],
): EngineError | null {
  const errors = op.error?.errors ?? [];
  if (errors.length === 0) return null;
  const first = errors[0] ?? {};
  // Spot and some machine families report ZONE_RESOURCE_POOL_EXHAUSTED_WITH_DETAILS.
  const code = (first.code ?? "OPERATION_FAILED").replace(/_WITH_DETAILS$/, "");
  const retryable = RETRYABLE_OPERATION_CODES.has(code) || (op.httpErrorStatusCode ?? 0) >= 500;
  const message = scrub(errors.map((e) => e.message ?? e.code ?? "").join("; "), secrets).slice(
    0,
    400,
  );
  return new EngineError(`${what}: ${code}: ${message}`, { code, retryable });
}
