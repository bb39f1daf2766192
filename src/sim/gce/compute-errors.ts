import { GceHttpError, invalid } from "./http-io.js";
import type { OperationFailure } from "./operations.js";

/**
 * Compute Engine's synchronous errors as they arrive on the wire, for the faults a test scripts.
 * Sources for each shape are noted; where a detail is not known (whether an error carries a
 * `google.rpc.ErrorInfo`), the fake leaves it out: a client must not depend on it.
 */

/** A regional or project-wide (`region: null`) quota: the limit Compute names in its message. */
export interface QuotaLimit {
  metric: string;
  limit: number;
  region: string | null;
}

export const regionalCpus = (region: string): QuotaLimit => ({ metric: "CPUS", limit: 24, region });
export const globalCpus: QuotaLimit = { metric: "CPUS_ALL_REGIONS", limit: 32, region: null };

/** "Quota 'CPUS' exceeded.  Limit: 24.0 in region us-central1." (two spaces, as Compute writes). */
export function quotaMessage(quota: QuotaLimit): string {
  const where = quota.region ? `in region ${quota.region}` : "globally";
  return `Quota '${quota.metric}' exceeded.  Limit: ${quota.limit.toFixed(1)} ${where}.`;
}

/**
 * Compute's per-minute API rate quota (cloud.google.com/compute/api-quota: "a 403 error with the
 * reason rateLimitExceeded"). Body as reproduced against Compute: domain usageLimits, no details.
 */
export const rateLimitExceeded = () =>
  new GceHttpError(403, "rateLimitExceeded", "Rate Limit Exceeded", { domain: "usageLimits" });

/** A resource quota refused synchronously (gcloud: "HTTPError 403: Quota '…' exceeded."). */
export const quotaExceeded = (quota: QuotaLimit) =>
  new GceHttpError(403, "quotaExceeded", quotaMessage(quota), { domain: "usageLimits" });

/** The same quota refused inside the insert's operation, with a `quotaInfo` error detail. */
export function quotaOperationFailure(quota: QuotaLimit): OperationFailure {
  const metric = quota.metric.toLowerCase();
  return {
    httpStatus: 403,
    code: "QUOTA_EXCEEDED",
    message: quotaMessage(quota),
    details: [
      {
        quotaInfo: quota.region
          ? {
              metricName: `compute.googleapis.com/${metric}`,
              limitName: `${quota.metric.replace(/_/g, "-")}-per-project-region`,
              dimensions: { region: quota.region },
              limit: quota.limit,
            }
          : {
              metricName: `compute.googleapis.com/${metric}`,
              limitName: `${quota.metric.replace(/_/g, "-")}-per-project`,
              limit: quota.limit,
            },
      },
    ],
  };
}

/** "googleapi: Error 400: The resource '…/subnetworks/default' is not ready, resourceNotReady". */
export const resourceNotReady = (resource: string) =>
  new GceHttpError(400, "resourceNotReady", `The resource '${resource}' is not ready`);

/**
 * A machine type the zone does not offer (terratest#1132: "Error 400: Invalid value for field
 * 'resource.machineType': '…'. Machine type with name 'f1-micro' does not exist in zone
 * 'europe-west8-a'., invalid"). `sent` is the value as the request had it.
 */
export const machineTypeNotInZone = (sent: string, machineType: string, zone: string) =>
  invalid(
    `Invalid value for field 'resource.machineType': '${sent}'. Machine type with name '${machineType}' does not exist in zone '${zone}'.`,
  );

/** A missing IAM permission: "Required 'compute.instances.create' permission for '…'", forbidden. */
export const forbidden = (permission: string, resource: string) =>
  new GceHttpError(403, "forbidden", `Required '${permission}' permission for '${resource}'`);

/**
 * The API is not enabled in the project. This one comes from the API front end, not Compute:
 * canonical status and an ErrorInfo (reason SERVICE_DISABLED), as every Google API sends it.
 */
export function serviceDisabled(projectNumber: string): GceHttpError {
  const url = `https://console.developers.google.com/apis/api/compute.googleapis.com/overview?project=${projectNumber}`;
  return new GceHttpError(
    403,
    "accessNotConfigured",
    `Compute Engine API has not been used in project ${projectNumber} before or it is disabled. Enable it by visiting ${url} then retry. If you enabled this API recently, wait a few minutes for the action to propagate to our systems and retry.`,
    {
      domain: "usageLimits",
      status: "PERMISSION_DENIED",
      details: [
        {
          "@type": "type.googleapis.com/google.rpc.ErrorInfo",
          reason: "SERVICE_DISABLED",
          domain: "googleapis.com",
          metadata: { service: "compute.googleapis.com", consumer: `projects/${projectNumber}` },
        },
        {
          "@type": "type.googleapis.com/google.rpc.Help",
          links: [{ description: "Google developers console API activation", url }],
        },
      ],
    },
  );
}
