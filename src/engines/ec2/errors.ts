import { EngineError } from "../engine.js";
import { ec2ErrorRule } from "./error-codes.js";

/**
 * How the engine reacts to an EC2 error. EC2 reports failures by code (`name` on the SDK's
 * exception); the HTTP status alone is not enough (InsufficientInstanceCapacity is a 500,
 * InsufficientFreeAddressesInSubnet a 400).
 */
export type Ec2ErrorKind =
  /** No capacity for this type in this AZ: try the next subnet or type. */
  | "capacity"
  /** The subnet has no free IPv4 address: skip it for every type (addresses free up later). */
  | "subnet-full"
  /** The subnet does not exist: skip it for every type; a config error, so not retryable. */
  | "subnet-invalid"
  /** An account limit for this type's family: skip the other subnets of this type. */
  | "quota"
  /** No spot at all for this account: go on demand. */
  | "spot-exhausted"
  /** The type is not offered in this AZ: try the next subnet or type. */
  | "unsupported"
  /** API rate limit (per account and region): back off, then try the same option again. */
  | "throttled"
  /** The instance is gone already (delete is idempotent). */
  | "not-found"
  /** Worth another try later: 5xx, timeouts, connection errors. */
  | "transient"
  /** The caller gave up (scaler shutdown). */
  | "aborted"
  /** Configuration or permission problems: retrying will not help. */
  | "fatal";

export interface ClassifiedError {
  code: string;
  kind: Ec2ErrorKind;
  retryable: boolean;
  /** EC2's own message, shortened; EC2 never echoes user data in it. */
  detail: string;
  /** What the operator can do about it. */
  fix?: string;
  status?: number;
  requestId?: string;
}

/** Node socket errors (no HTTP response at all). */
const NETWORK = /^(ECONNRESET|ECONNREFUSED|EPIPE|ETIMEDOUT|ENOTFOUND|EAI_AGAIN|ECONNABORTED)$/;

interface SdkLikeError {
  name?: unknown;
  code?: unknown;
  message?: unknown;
  $fault?: unknown;
  $metadata?: { httpStatusCode?: number; requestId?: string };
}

/** Where the error happened, for fix texts that name the action and the region. */
export interface ErrorSite {
  operation: string;
  region: string;
}

export function classifyEc2Error(
  error: unknown,
  site: ErrorSite,
  callerAborted = false,
): ClassifiedError {
  const e = (typeof error === "object" && error !== null ? error : {}) as SdkLikeError;
  const name = typeof e.name === "string" ? e.name : "Error";
  const nodeCode = typeof e.code === "string" ? e.code : undefined;
  const status = e.$metadata?.httpStatusCode;
  const message = typeof e.message === "string" ? e.message : String(error);
  // The encoded authorization message is what `aws sts decode-authorization-message` needs
  // whole; it holds the request's context (action, resource, condition keys), never user data.
  const detail = shorten(message, name === "UnauthorizedOperation" ? 8000 : 300);
  const base = { detail, status, requestId: e.$metadata?.requestId };
  if (callerAborted) return { ...base, code: "ABORTED", kind: "aborted", retryable: true };
  if (name === "AbortError" || name === "TimeoutError") {
    return { ...base, code: "TIMEOUT", kind: "transient", retryable: true };
  }
  if (nodeCode && NETWORK.test(nodeCode)) {
    return { ...base, code: nodeCode, kind: "transient", retryable: true };
  }
  const rule = ec2ErrorRule(name);
  if (rule) {
    return {
      ...base,
      code: name,
      kind: rule.kind,
      retryable: rule.retryable,
      fix: rule.fix?.(site),
    };
  }
  // Anything else: a server fault may pass, a client fault (bad parameter, no permission) will not.
  const serverFault = e.$fault === "server" || (status !== undefined && status >= 500);
  const code = name === "Error" || name === "Unknown" ? `HTTP_${status ?? "ERROR"}` : name;
  return { ...base, code, kind: serverFault ? "transient" : "fatal", retryable: serverFault };
}

export function ec2EngineError(operation: string, c: ClassifiedError): EngineError {
  const where = c.status
    ? ` (HTTP ${c.status}${c.requestId ? `, request ${c.requestId}` : ""})`
    : "";
  // No `cause`: the SDK error object is not ours to vouch for in logs.
  return new EngineError(`EC2 ${operation} failed: ${c.code}: ${c.detail}${where}`, {
    code: c.code,
    retryable: c.retryable,
    fix: c.fix,
  });
}

function shorten(text: string, max: number): string {
  const oneLine = text.replace(/\s+/g, " ").trim();
  return oneLine.length > max ? `${oneLine.slice(0, max)}…` : oneLine;
}
