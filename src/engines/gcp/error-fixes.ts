/**
 * Operator hints (`EngineError.fix`) for Compute Engine errors, worked out from what Compute's
 * message names: the missing permission, the quota and its region, the machine type and zone.
 * Hints never quote request bodies: only names from Compute's own message.
 */

const INSTANCE_ADMIN =
  "roles/compute.instanceAdmin.v1, or the custom role in docs/gcp/README.md section 3";

/** Permissions that come with a role other than the instance admin one. */
const ROLE_FOR: Record<string, string> = {
  "iam.serviceAccounts.actAs": "roles/iam.serviceAccountUser on the runner service account",
  "compute.images.useReadOnly": "roles/compute.imageUser on the project that holds the image",
  "compute.subnetworks.use": "roles/compute.networkUser on the subnetwork (or its host project)",
  "compute.subnetworks.useExternalIp":
    "roles/compute.networkUser on the subnetwork, or set public_ip: false",
};

/** "Required 'compute.instances.create' permission for 'projects/p/zones/z/instances/r-1'". */
const REQUIRED_PERMISSION = /Required '([\w.]+)' permission for '([^']+)'/;

export function permissionFix(message: string): string | undefined {
  const required = REQUIRED_PERMISSION.exec(message);
  if (required) {
    const [, permission = "", resource = ""] = required;
    const role =
      ROLE_FOR[permission] ?? (permission.startsWith("compute.") ? INSTANCE_ADMIN : undefined);
    return `grant scaleset's service account ${permission} on ${resource}${role ? ` (${role})` : ""}`;
  }
  if (/iam\.serviceAccountUser role/.test(message)) {
    return "grant scaleset's service account roles/iam.serviceAccountUser on the runner service account (engine.gcp.service_account)";
  }
  if (/insufficient authentication scopes/i.test(message)) {
    return "scaleset's credential lacks the Compute Engine OAuth scope: run it with the cloud-platform (or compute) scope";
  }
  return undefined;
}

/** "The resource 'projects/p/global/images/family/x' was not found": which setting names it. */
export function notFoundFix(message: string): string | undefined {
  const resource = /The resource '([^']+)' was not found/.exec(message)?.[1];
  if (!resource) return undefined;
  const setting = /\/images\//.test(resource)
    ? "engine.gcp.image"
    : /\/(sub)?networks\//.test(resource)
      ? "engine.gcp.network / subnetwork"
      : /\/zones\/[^/]+$/.test(resource)
        ? "engine.gcp.zones"
        : /\/serviceAccounts?\//.test(resource)
          ? "engine.gcp.service_account"
          : undefined;
  return setting
    ? `${resource} does not exist (or is not visible to scaleset): check ${setting}`
    : undefined;
}

export const CREDENTIALS_FIX =
  "scaleset uses Application Default Credentials: attach a service account, set GOOGLE_APPLICATION_CREDENTIALS to a credential file, or run gcloud auth application-default login";

export function apiDisabledFix(project: string): string {
  return `enable the API: gcloud services enable compute.googleapis.com --project ${project} (it takes a few minutes to apply)`;
}

export const RATE_LIMIT_FIX =
  "Compute Engine's per-minute API rate quota of the project is used up; creates resume when it refills. If this persists, lower create_concurrency or raise the rate quota (console: IAM & Admin → Quotas, service compute.googleapis.com)";

export interface QuotaFacts {
  /** The quota metric, as Compute names it in its message (`CPUS`, `PREEMPTIBLE_CPUS`…). */
  metric?: string;
  /** The region the quota counts in; undefined when Compute did not say. */
  region?: string;
  /** A project-wide quota (`CPUS_ALL_REGIONS`, "… globally"): no region can help. */
  global: boolean;
}

/** Quota details inside a finished operation: `errorDetails[].quotaInfo`. */
export interface QuotaInfo {
  metricName?: string | null;
  limitName?: string | null;
  dimensions?: Record<string, string> | null;
}

const QUOTA_MESSAGE =
  /Quota '([A-Z0-9_]+)' exceeded\.\s+Limit: [\d.]+ (?:in region ([a-z0-9-]+)|(globally))/;

export function quotaFacts(message: string, info?: QuotaInfo): QuotaFacts {
  const text = QUOTA_MESSAGE.exec(message);
  const metric =
    text?.[1] ?? info?.metricName?.split("/").pop()?.toUpperCase().replace(/-/g, "_") ?? undefined;
  const region = text?.[2] ?? info?.dimensions?.region ?? undefined;
  const allRegions = /ALL[_-]REGIONS/i.test(`${metric ?? ""} ${info?.limitName ?? ""}`);
  return { metric, region, global: text?.[3] !== undefined || (allRegions && !region) };
}

export function quotaFix(quota: QuotaFacts): string {
  const name = quota.metric ? `quota ${quota.metric}` : "the quota";
  if (quota.global) {
    return `raise the project-wide ${name} (console: IAM & Admin → Quotas); no zone or region can help until then`;
  }
  const where = quota.region ? ` in ${quota.region}` : "";
  return `raise ${name}${where} (console: IAM & Admin → Quotas), or add zones of another region to engine.gcp.zones`;
}

/** The machine type and zone of Compute's "not offered here" answer, if it is one. */
export function unofferedMachineType(
  message: string,
): { machineType: string; zone: string } | undefined {
  // 400 invalid: "… Machine type with name 'n2-standard-8' does not exist in zone 'us-east4-a'."
  const invalid = /Machine type with name '([^']+)' does not exist in zone '([^']+)'/.exec(message);
  if (invalid) return { machineType: invalid[1] ?? "", zone: invalid[2] ?? "" };
  // 404 notFound on the machine type's URL.
  const missing =
    /The resource '[^']*\/zones\/([^/']+)\/machineTypes\/([^/']+)' was not found/.exec(message);
  return missing ? { machineType: missing[2] ?? "", zone: missing[1] ?? "" } : undefined;
}

export function machineTypeFix(machineType: string, zones: readonly string[]): string {
  return `machine type ${machineType} is not offered in ${zones.join(", ")}: choose zones that offer it (gcloud compute machine-types list --filter="name=${machineType}") or another engine.gcp.machine_type`;
}

export const STOCKOUT_FIX =
  "Compute Engine has no capacity for this machine type in the zones tried: add zones to engine.gcp.zones, allow standard VMs (spot_fallback: true), or choose another machine type";
