import type { GcpEngineConfig } from "../../config/types.js";
import { imageAge } from "../deadline.js";
import { type CheckResult, fail, ok, type PreflightContext, warn } from "../types.js";
import type { GcpApi } from "./api.js";
import { type GoogleFailure, generalFix, googleFailure } from "./errors.js";
import { imageRef, networkRef, regionOf, subnetworkRef } from "./refs.js";

/** The image (exists, ready, its age) and the network and subnetworks (exist) of a scale set. */

type Settings = GcpEngineConfig["gcp"];

const REBUILD_FIX =
  "rebuild the runner image (packer build packer/gcp, see packer/README.md; .github/workflows/runner-images.yml does it weekly): GitHub stops assigning jobs to runner versions about 30 days old";

/** A read the identity may not make: not a problem of the scaler's, so the check is a warning. */
function unreadable(name: string, failure: GoogleFailure, project: string): CheckResult {
  if (failure.kind === "denied") {
    return warn(
      name,
      `not checked: ${failure.message}`,
      "run validate as an identity that may read it (the scaler itself does not need to)",
    );
  }
  return fail(name, failure.message, generalFix(failure, project));
}

export async function imageCheck(
  api: GcpApi,
  s: Settings,
  ctx: PreflightContext,
): Promise<CheckResult> {
  const ref = imageRef(s);
  const path = `projects/${ref.project}/global/images/${ref.family ? "family/" : ""}${ref.name}`;
  let image: Awaited<ReturnType<GcpApi["image"]>>;
  try {
    image = await api.image(ref.project, ref.name, ref.family, ctx);
  } catch (error) {
    const failure = googleFailure(error);
    if (failure.kind === "not-found") {
      return fail(
        "image",
        `${path} does not exist${ref.family ? " (or has no ready, non-deprecated image)" : ""}`,
        `build it (packer build packer/gcp) or fix engine.gcp.image; gcloud compute images list --project ${ref.project} --no-standard-images lists what exists`,
      );
    }
    return unreadable("image", failure, ref.project);
  }
  const name = `${image.name ?? ref.name}${ref.family ? ` (family ${ref.name})` : ""}`;
  if (image.status && image.status !== "READY") {
    return fail(
      "image",
      `${name} is ${image.status}, not READY`,
      "wait for the build or rebuild it",
    );
  }
  const state = image.deprecated?.state;
  if (state === "OBSOLETE" || state === "DELETED") {
    return fail("image", `${name} is ${state}: Compute refuses to create VMs from it`, REBUILD_FIX);
  }
  const created = image.creationTimestamp ? new Date(image.creationTimestamp) : undefined;
  if (!created || Number.isNaN(created.getTime())) return ok("image", `${name} (age unknown)`);
  const age = imageAge(created, ctx.now());
  if (age.stale) return warn("image", `${name}: ${age.text}`, REBUILD_FIX);
  if (state === "DEPRECATED") {
    return warn(
      "image",
      `${name} is DEPRECATED (${age.text})`,
      "point engine.gcp.image at its replacement",
    );
  }
  return ok("image", `${name}: ${age.text}`);
}

export async function networkChecks(
  api: GcpApi,
  s: Settings,
  ctx: PreflightContext,
): Promise<CheckResult[]> {
  const net = networkRef(s);
  const networkCheck = (async () => {
    try {
      const found = (await api.network(net.project, net.name, ctx)) as {
        autoCreateSubnetworks?: boolean | null;
      };
      if (!s.subnetwork && found.autoCreateSubnetworks === false) {
        return fail(
          "network",
          `${net.name} is a custom-mode network: VMs need a subnetwork`,
          `set engine.gcp.subnetwork (gcloud compute networks subnets list --network ${net.name} --project ${net.project})`,
        );
      }
      return ok(
        "network",
        `${net.name}${net.project !== s.project ? ` (project ${net.project})` : ""}`,
      );
    } catch (error) {
      const failure = googleFailure(error);
      if (failure.kind === "not-found") {
        return fail(
          "network",
          `network ${net.name} does not exist in project ${net.project}`,
          `fix engine.gcp.network (gcloud compute networks list --project ${net.project})`,
        );
      }
      return unreadable("network", failure, net.project);
    }
  })();
  if (!s.subnetwork) return [await networkCheck];
  const regions = [...new Set(s.zones.map(regionOf))];
  const subnets = regions.map(async (region): Promise<[string, GoogleFailure | undefined]> => {
    const ref = subnetworkRef(s, `${region}-a`);
    try {
      await api.subnetwork(ref.project, ref.region, ref.name, ctx);
      return [ref.region, undefined];
    } catch (error) {
      return [ref.region, googleFailure(error)];
    }
  });
  const found = await Promise.all(subnets);
  const name = subnetworkRef(s, s.zones[0] ?? "").name;
  const missing = found.filter(([, f]) => f?.kind === "not-found").map(([r]) => r);
  const other = found.find(([, f]) => f !== undefined && f.kind !== "not-found");
  let subnet: CheckResult;
  if (missing.length > 0) {
    subnet = fail(
      "subnetwork",
      `${name} does not exist in ${missing.join(", ")}`,
      `create it there, or list only zones of regions that have it in engine.gcp.zones (gcloud compute networks subnets list --filter=name=${name})`,
    );
  } else if (other?.[1]) {
    subnet = unreadable("subnetwork", other[1], subnetworkRef(s, "").project);
  } else {
    subnet = ok("subnetwork", `${name} in ${found.map(([r]) => r).join(", ")}`);
  }
  return [await networkCheck, subnet];
}
