import type { GcpEngineConfig } from "../../config/types.js";
import { type CheckResult, fail, ok, type PreflightContext, warn } from "../types.js";
import type { GcpApi } from "./api.js";
import { enableApiFix, generalFix, googleFailure } from "./errors.js";
import { imageRef, subnetworkRef } from "./refs.js";

/**
 * The permissions the scaler's calls need, tested with testIamPermissions on the project, and
 * `iam.serviceAccounts.actAs` tested on the runner service account itself (where
 * roles/iam.serviceAccountUser should be granted, not on the project).
 */

export function requiredPermissions(s: GcpEngineConfig["gcp"]): string[] {
  const permissions = [
    "compute.instances.create",
    "compute.instances.delete",
    "compute.instances.get",
    "compute.instances.list",
    "compute.instances.setMetadata",
    "compute.instances.setLabels",
    "compute.disks.create",
    "compute.zoneOperations.get",
  ];
  if (s.networkTags.length > 0) permissions.push("compute.instances.setTags");
  if (s.serviceAccount) permissions.push("compute.instances.setServiceAccount");
  if (imageRef(s).project === s.project) permissions.push("compute.images.useReadOnly");
  return permissions;
}

/** Subnetwork permissions, tested on the project that holds the subnetwork (Shared VPC: the host). */
function subnetPermissions(s: GcpEngineConfig["gcp"]): string[] {
  return s.publicIp
    ? ["compute.subnetworks.use", "compute.subnetworks.useExternalIp"]
    : ["compute.subnetworks.use"];
}

const member = (m: string | undefined) => m ?? "<scaleset's principal>";

export async function permissionChecks(
  api: GcpApi,
  s: GcpEngineConfig["gcp"],
  principal: string | undefined,
  ctx: PreflightContext,
): Promise<CheckResult[]> {
  const host = subnetworkRef(s, "").project;
  const wanted = requiredPermissions(s);
  const sharedVpc = host !== s.project;
  if (!sharedVpc) wanted.push(...subnetPermissions(s));
  const checks = [projectCheck(api, s.project, wanted, principal, ctx, false)];
  if (sharedVpc) checks.push(projectCheck(api, host, subnetPermissions(s), principal, ctx, true));
  if (s.serviceAccount) checks.push(actAsCheck(api, s, principal, ctx));
  return await Promise.all(checks);
}

async function projectCheck(
  api: GcpApi,
  project: string,
  wanted: string[],
  principal: string | undefined,
  ctx: PreflightContext,
  hostProject: boolean,
): Promise<CheckResult> {
  const name = hostProject ? "subnet permissions" : "permissions";
  let held: string[];
  try {
    held = await api.projectPermissions(project, wanted, ctx);
  } catch (error) {
    const failure = googleFailure(error);
    if (failure.kind === "api-disabled") {
      return warn(
        name,
        `not checked: the Cloud Resource Manager API is disabled in ${project}`,
        enableApiFix("cloudresourcemanager.googleapis.com", project),
      );
    }
    return fail(name, failure.message, generalFix(failure, project));
  }
  const missing = wanted.filter((p) => !held.includes(p));
  if (missing.length === 0) return ok(name, `all ${wanted.length} granted on project ${project}`);
  const role = hostProject ? "roles/compute.networkUser" : "roles/compute.instanceAdmin.v1";
  const detail = `missing on project ${project}: ${missing.join(", ")}`;
  const fix = `gcloud projects add-iam-policy-binding ${project} --member=${member(principal)} --role=${role} (or add the missing permissions to scaleset's custom role, docs/gcp/README.md section 3)`;
  // A Shared VPC grant may sit on the subnetwork itself, which a project test cannot see.
  return hostProject
    ? warn(name, `${detail} (a grant on the subnetwork itself does not show here)`, fix)
    : fail(name, detail, fix);
}

async function actAsCheck(
  api: GcpApi,
  s: GcpEngineConfig["gcp"],
  principal: string | undefined,
  ctx: PreflightContext,
): Promise<CheckResult> {
  const email = s.serviceAccount as string;
  const name = "service account";
  try {
    const held = await api.serviceAccountPermissions(email, ["iam.serviceAccounts.actAs"], ctx);
    if (held.includes("iam.serviceAccounts.actAs")) return ok(name, `may attach ${email} to VMs`);
    return fail(
      name,
      `missing iam.serviceAccounts.actAs on ${email}`,
      `gcloud iam service-accounts add-iam-policy-binding ${email} --member=${member(principal)} --role=roles/iam.serviceAccountUser --project ${s.project}`,
    );
  } catch (error) {
    const failure = googleFailure(error);
    if (failure.kind === "not-found") {
      return fail(
        name,
        `${email} does not exist`,
        `create it (gcloud iam service-accounts create NAME --project ${s.project}) or fix engine.gcp.service_account`,
      );
    }
    if (failure.kind === "api-disabled") {
      return warn(
        name,
        `not checked: the IAM API is disabled in ${s.project}`,
        enableApiFix("iam.googleapis.com", s.project),
      );
    }
    return fail(name, failure.message, generalFix(failure, s.project));
  }
}
