import { EngineError } from "../engine.js";

/**
 * How the engine reacts to an EC2 error. EC2 reports failures by code (`name` on the SDK's
 * exception); the HTTP status alone is not enough (InsufficientInstanceCapacity is a 500).
 */
export type Ec2ErrorKind =
  /** No capacity for this type in this AZ: try the next subnet or type. */
  | "capacity"
  /** An account limit for this type's family: skip the other subnets of this type. */
  | "quota"
  /** No spot at all for this account (or this price): go on demand. */
  | "spot-exhausted"
  /** The type is not offered in this AZ: try the next subnet or type. */
  | "unsupported"
  /** API rate limit: back off, then carry on with the next option. */
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
  status?: number;
  requestId?: string;
}

const KINDS: Record<string, Ec2ErrorKind> = {
  InsufficientInstanceCapacity: "capacity",
  InsufficientHostCapacity: "capacity",
  InsufficientCapacity: "capacity",
  InsufficientSpotCapacity: "capacity",
  SpotMaxPriceTooLow: "capacity",
  InstanceLimitExceeded: "quota",
  VcpuLimitExceeded: "quota",
  MaxSpotInstanceCountExceeded: "spot-exhausted",
  Unsupported: "unsupported",
  RequestLimitExceeded: "throttled",
  Throttling: "throttled",
  ThrottlingException: "throttled",
  "InvalidInstanceID.NotFound": "not-found",
  InternalError: "transient",
  InternalFailure: "transient",
  ServiceUnavailable: "transient",
  Unavailable: "transient",
  RequestTimeout: "transient",
  RequestTimeoutException: "transient",
};

/** Node socket errors (no HTTP response at all). */
const NETWORK = /^(ECONNRESET|ECONNREFUSED|EPIPE|ETIMEDOUT|ENOTFOUND|EAI_AGAIN|ECONNABORTED)$/;

interface SdkLikeError {
  name?: unknown;
  code?: unknown;
  message?: unknown;
  $fault?: unknown;
  $metadata?: { httpStatusCode?: number; requestId?: string };
}

export function classifyEc2Error(error: unknown, callerAborted = false): ClassifiedError {
  const e = (typeof error === "object" && error !== null ? error : {}) as SdkLikeError;
  const name = typeof e.name === "string" ? e.name : "Error";
  const nodeCode = typeof e.code === "string" ? e.code : undefined;
  const status = e.$metadata?.httpStatusCode;
  const detail = shorten(typeof e.message === "string" ? e.message : String(error));
  const base = { detail, status, requestId: e.$metadata?.requestId };
  if (callerAborted) return { ...base, code: "ABORTED", kind: "aborted", retryable: true };
  if (name === "AbortError" || name === "TimeoutError") {
    return { ...base, code: "TIMEOUT", kind: "transient", retryable: true };
  }
  if (nodeCode && NETWORK.test(nodeCode)) {
    return { ...base, code: nodeCode, kind: "transient", retryable: true };
  }
  const known = KINDS[name];
  if (known) return { ...base, code: name, kind: known, retryable: known !== "fatal" };
  if (name.startsWith("InvalidInstanceID.")) {
    return { ...base, code: name, kind: "fatal", retryable: false };
  }
  // Anything else: a server fault may pass, a client fault (bad AMI, no permission) will not.
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
  });
}

function shorten(text: string): string {
  const oneLine = text.replace(/\s+/g, " ").trim();
  return oneLine.length > 300 ? `${oneLine.slice(0, 300)}…` : oneLine;
}
