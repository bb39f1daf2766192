import { sdkErrorFacts } from "../../engines/gcp/error-facts.js";
import { CREDENTIALS_FIX } from "../../engines/gcp/error-fixes.js";
import { DeadlineError } from "../deadline.js";
import { errorText } from "../types.js";

/**
 * What a failed Google call means to a check: the SDK's errors (read like the engine reads them)
 * and auth-client errors of the REST calls (testIamPermissions), which carry the JSON body.
 */
export type GoogleFailureKind =
  | "not-found"
  | "denied"
  | "api-disabled"
  | "unauthenticated"
  | "timeout"
  | "other";

export interface GoogleFailure {
  kind: GoogleFailureKind;
  message: string;
  /** The API to enable, for api-disabled. */
  service?: string;
}

interface RestErrorBody {
  code?: number;
  message?: string;
  status?: string;
  details?: Array<{ reason?: string; metadata?: { service?: string } }>;
}

const GRPC_NOT_FOUND = 5;
const GRPC_PERMISSION_DENIED = 7;
const GRPC_UNAUTHENTICATED = 16;

export function googleFailure(error: unknown): GoogleFailure {
  if (error instanceof DeadlineError) return { kind: "timeout", message: error.message };
  const response = (error as { response?: { status?: number; data?: unknown } }).response;
  if (response?.data && typeof response.data === "object") {
    const body = (response.data as { error?: RestErrorBody }).error ?? {};
    const message = body.message ?? errorText(error);
    const disabled = body.details?.find((d) => d.reason === "SERVICE_DISABLED");
    if (disabled) return { kind: "api-disabled", message, service: disabled.metadata?.service };
    if (response.status === 404) return { kind: "not-found", message };
    if (response.status === 403) return { kind: "denied", message };
    if (response.status === 401) return { kind: "unauthenticated", message };
    return { kind: "other", message };
  }
  const f = sdkErrorFacts(error);
  const reasons = f.reasons.map((r) => r.toLowerCase());
  if (reasons.includes("accessnotconfigured") || reasons.includes("service_disabled")) {
    return { kind: "api-disabled", message: f.message, service: "compute.googleapis.com" };
  }
  if (f.http === 404 || f.grpc === GRPC_NOT_FOUND) return { kind: "not-found", message: f.message };
  if (f.http === 403 || f.grpc === GRPC_PERMISSION_DENIED)
    return { kind: "denied", message: f.message };
  if (f.http === 401 || f.grpc === GRPC_UNAUTHENTICATED)
    return { kind: "unauthenticated", message: f.message };
  return { kind: "other", message: f.message };
}

export function enableApiFix(service: string, project: string): string {
  return `enable the API: gcloud services enable ${service} --project ${project} (it takes a few minutes to apply)`;
}

/** The fix for a failure no check-specific rule covers, if there is a general one. */
export function generalFix(failure: GoogleFailure, project: string): string | undefined {
  if (failure.kind === "api-disabled")
    return enableApiFix(failure.service ?? "compute.googleapis.com", project);
  if (failure.kind === "unauthenticated") return CREDENTIALS_FIX;
  if (failure.kind === "timeout")
    return "the API did not answer in time: check the network path (proxy, private endpoint, engine.gcp.api_endpoint) and run validate again";
  return undefined;
}
