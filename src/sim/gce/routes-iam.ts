import { GceHttpError, parseJson } from "./http-io.js";
import type { ApiRequest, ApiResponse } from "./routes.js";
import type { GceWorld } from "./world.js";

/**
 * `testIamPermissions` of Resource Manager (`POST /v1/projects/P:testIamPermissions`) and of IAM
 * service accounts (`POST /v1/projects/P/serviceAccounts/EMAIL:testIamPermissions`), served on
 * the fake's own origin (in Google's cloud they are cloudresourcemanager.googleapis.com and
 * iam.googleapis.com). The answer lists the permissions the caller holds; one the caller lacks
 * (a `deniedPermissions` fault) is left out, and the field is omitted when none is held, as
 * proto3 JSON does. Malformed or unknown permissions are refused with 400 like the real API.
 */

/** Permissions testable on a project, as far as the fake knows them. */
const PROJECT_PERMISSIONS = new Set([
  "compute.instances.create",
  "compute.instances.delete",
  "compute.instances.get",
  "compute.instances.list",
  "compute.instances.setMetadata",
  "compute.instances.setLabels",
  "compute.instances.setTags",
  "compute.instances.setServiceAccount",
  "compute.disks.create",
  "compute.subnetworks.use",
  "compute.subnetworks.useExternalIp",
  "compute.subnetworks.get",
  "compute.networks.get",
  "compute.networks.use",
  "compute.images.get",
  "compute.images.getFromFamily",
  "compute.images.useReadOnly",
  "compute.machineTypes.get",
  "compute.regions.get",
  "compute.zoneOperations.get",
  "iam.serviceAccounts.actAs",
  "resourcemanager.projects.get",
]);
/** Permissions testable on a service account. */
const SERVICE_ACCOUNT_PERMISSIONS = new Set([
  "iam.serviceAccounts.actAs",
  "iam.serviceAccounts.get",
  "iam.serviceAccounts.getAccessToken",
  "iam.serviceAccounts.signJwt",
]);
const PERMISSION = /^[a-z0-9]+\.[a-zA-Z0-9]+\.[a-zA-Z0-9]+$/;
const PROJECT_NUMBER = "123456789";

const error = (code: number, status: string, message: string, details?: unknown[]) =>
  new GceHttpError(code, status.toLowerCase(), message, { status, details, onePlatform: true });

function serviceDisabled(service: string, title: string): GceHttpError {
  const url = `https://console.developers.google.com/apis/api/${service}/overview?project=${PROJECT_NUMBER}`;
  return error(
    403,
    "PERMISSION_DENIED",
    `${title} has not been used in project ${PROJECT_NUMBER} before or it is disabled. Enable it by visiting ${url} then retry. If you enabled this API recently, wait a few minutes for the action to propagate to our systems and retry.`,
    [
      {
        "@type": "type.googleapis.com/google.rpc.ErrorInfo",
        reason: "SERVICE_DISABLED",
        domain: "googleapis.com",
        metadata: { service, consumer: `projects/${PROJECT_NUMBER}` },
      },
    ],
  );
}

function requestedPermissions(bodyText: string, valid: ReadonlySet<string>): string[] {
  const body = parseJson(bodyText) as { permissions?: unknown } | undefined;
  const list = body?.permissions;
  if (!Array.isArray(list) || list.some((p) => typeof p !== "string")) {
    throw error(
      400,
      "INVALID_ARGUMENT",
      "Invalid JSON payload: 'permissions' must be a list of strings.",
    );
  }
  for (const permission of list as string[]) {
    if (!PERMISSION.test(permission)) {
      throw error(400, "INVALID_ARGUMENT", `Permission ${permission} is not valid.`);
    }
    if (!valid.has(permission)) {
      throw error(
        400,
        "INVALID_ARGUMENT",
        `Permission ${permission} is not valid for this resource.`,
      );
    }
  }
  return list as string[];
}

function granted(world: GceWorld, permissions: string[]): ApiResponse {
  const held = permissions.filter((p) => !world.faults.deniedPermissions.has(p));
  return { status: 200, body: held.length > 0 ? { permissions: held } : {} };
}

export function routeIam(world: GceWorld, req: ApiRequest): ApiResponse | undefined {
  if (req.method !== "POST") return undefined;
  const project = /^\/v1\/projects\/([^/:]+):testIamPermissions$/.exec(req.path);
  if (project) {
    if (world.faults.disabledServices.has("cloudresourcemanager.googleapis.com")) {
      throw serviceDisabled("cloudresourcemanager.googleapis.com", "Cloud Resource Manager API");
    }
    return granted(world, requestedPermissions(req.bodyText, PROJECT_PERMISSIONS));
  }
  const account = /^\/v1\/projects\/([^/]+)\/serviceAccounts\/([^/:]+):testIamPermissions$/.exec(
    req.path,
  );
  if (account) {
    if (world.faults.disabledServices.has("iam.googleapis.com")) {
      throw serviceDisabled("iam.googleapis.com", "Identity and Access Management (IAM) API");
    }
    const email = decodeURIComponent(account[2] ?? "");
    const permissions = requestedPermissions(req.bodyText, SERVICE_ACCOUNT_PERMISSIONS);
    if (!world.catalog.serviceAccounts.has(email)) {
      throw error(
        404,
        "NOT_FOUND",
        `Service account projects/${account[1]}/serviceAccounts/${email} does not exist.`,
      );
    }
    return granted(world, permissions);
  }
  return undefined;
}
