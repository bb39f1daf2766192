import { EngineError } from "../engine.js";
import { type SdkErrorFacts, sdkErrorFacts } from "./error-facts.js";
import {
  apiDisabledFix,
  CREDENTIALS_FIX,
  notFoundFix,
  permissionFix,
  type QuotaFacts,
  quotaFacts,
  quotaFix,
  RATE_LIMIT_FIX,
  STOCKOUT_FIX,
  unofferedMachineType,
} from "./error-fixes.js";
import type { GceOperation } from "./gce-types.js";

/**
 * Turns Compute Engine failures into EngineErrors with a stable `code`, `retryable` and, where
 * Compute's message allows, a `fix`. Two sources: HTTP errors the SDK throws (classified from
 * the body Compute sent, see error-facts.ts), and errors inside a finished operation.
 * The SDK error is never attached as `cause`: its request config holds the insert body, and
 * with it the JIT config.
 */

/**
 * Where a create may still succeed after this error; the engine's walk over zones reads it.
 * `zone`: this zone cannot (stockout, machine type not offered here). `region`: no zone of the
 * region can (a regional quota; `spotOnly` when only spot VMs are refused, a preemptible quota).
 * `nowhere`: no placement can (a project-wide quota).
 */
export type Fallthrough =
  | { to: "zone" }
  | { to: "region"; region?: string; spotOnly: boolean }
  | { to: "nowhere" };

/** An insert that failed for want of room: the create may go on elsewhere. */
export class PlacementError extends EngineError {
  readonly fallthrough: Fallthrough;
  constructor(
    message: string,
    opts: { code: string; retryable: boolean; fix?: string; fallthrough: Fallthrough },
  ) {
    super(message, opts);
    this.fallthrough = opts.fallthrough;
  }
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

function grpcCode(f: SdkErrorFacts): number | undefined {
  if (f.grpc !== undefined) return f.grpc;
  if (f.http === undefined) return undefined;
  if (f.http >= 500) return 14; // UNAVAILABLE
  return HTTP_TO_GRPC[f.http];
}

/** Removes every occurrence of the given secrets from a text. */
export function scrub(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const secret of secrets) if (secret) out = out.split(secret).join("[redacted]");
  return out;
}

/** A quota refusal: regional ones send the create to another region, global ones nowhere. */
function quotaError(message: string, quota: QuotaFacts): PlacementError {
  const fallthrough: Fallthrough = quota.global
    ? { to: "nowhere" }
    : { to: "region", region: quota.region, spotOnly: /^PREEMPTIBLE_/.test(quota.metric ?? "") };
  return new PlacementError(message, {
    code: "QUOTA_EXCEEDED",
    retryable: true, // quota frees up as VMs are deleted: the scaler waits and tries again
    fix: quotaFix(quota),
    fallthrough,
  });
}

/**
 * Classifies an error thrown by an SDK call. `what` names the call for the message; `project`
 * goes into hints (the API to enable).
 */
export function classifySdkError(
  error: unknown,
  what: string,
  secrets: readonly string[] = [],
  project = "PROJECT",
): EngineError {
  if (error instanceof EngineError) return error;
  const f = sdkErrorFacts(error);
  const detail = scrub(f.message, secrets).slice(0, 300);
  const message = (code: string) => `${what}: ${code}: ${detail}`;
  const make = (code: string, retryable: boolean, fix?: string) =>
    new EngineError(message(code), { code, retryable, fix });
  if (
    /could not load the default credentials|credential/i.test(f.message) &&
    f.grpc === undefined &&
    f.http === undefined
  ) {
    return make("CREDENTIALS", false, CREDENTIALS_FIX);
  }
  const reasons = new Set(f.reasons.map((r) => r.toLowerCase()));
  const has = (...names: string[]) => names.some((n) => reasons.has(n));
  if (has("ratelimitexceeded", "userratelimitexceeded", "rate_limit_exceeded")) {
    return make("RATE_LIMITED", true, RATE_LIMIT_FIX);
  }
  if (has("quotaexceeded", "quota_exceeded")) {
    return quotaError(message("QUOTA_EXCEEDED"), quotaFacts(f.message));
  }
  if (has("resourcenotready")) return make("RESOURCE_NOT_READY", true);
  if (has("accessnotconfigured", "service_disabled")) {
    return make("API_DISABLED", false, apiDisabledFix(project));
  }
  const grpc = grpcCode(f);
  const unoffered = unofferedMachineType(f.message);
  if (unoffered && (grpc === GRPC.INVALID_ARGUMENT || grpc === GRPC.NOT_FOUND)) {
    return new PlacementError(message("MACHINE_TYPE_UNAVAILABLE"), {
      code: "MACHINE_TYPE_UNAVAILABLE",
      retryable: false, // a zone's machine types do not change within minutes
      fallthrough: { to: "zone" },
    });
  }
  switch (grpc) {
    case GRPC.NOT_FOUND:
      return make("NOT_FOUND", false, notFoundFix(f.message));
    case GRPC.ALREADY_EXISTS:
    case GRPC.ABORTED:
      // gax 6 maps a plain HTTP 409 to ABORTED; for insert it means the name is taken.
      return make("ALREADY_EXISTS", false);
    case GRPC.INVALID_ARGUMENT:
    case GRPC.FAILED_PRECONDITION:
      return make("INVALID_REQUEST", false, permissionFix(f.message));
    case GRPC.PERMISSION_DENIED:
      return make("PERMISSION_DENIED", false, permissionFix(f.message));
    case GRPC.UNAUTHENTICATED:
      return make("UNAUTHENTICATED", false, CREDENTIALS_FIX);
    case GRPC.RESOURCE_EXHAUSTED:
      return make("RATE_LIMITED", true, RATE_LIMIT_FIX);
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
  const text = scrub(errors.map((e) => e.message ?? e.code ?? "").join("; "), secrets).slice(
    0,
    400,
  );
  const message = `${what}: ${code}: ${text}`;
  if (code === "ZONE_RESOURCE_POOL_EXHAUSTED") {
    return new PlacementError(message, {
      code,
      retryable: true,
      fix: STOCKOUT_FIX,
      fallthrough: { to: "zone" },
    });
  }
  if (code === "QUOTA_EXCEEDED") {
    const info = first.errorDetails?.find((d) => d.quotaInfo)?.quotaInfo ?? undefined;
    return quotaError(message, quotaFacts(first.message ?? "", info));
  }
  const retryable = RETRYABLE_OPERATION_CODES.has(code) || (op.httpErrorStatusCode ?? 0) >= 500;
  return new EngineError(message, {
    code,
    retryable,
    fix: permissionFix(text) ?? notFoundFix(text),
  });
}
