/**
 * The Compute Engine reads validate makes, with the SDK's clients deep-imported like the engine
 * does (src/engines/gcp/compute-api.ts: the package index would load every API version), and
 * testIamPermissions of Resource Manager and IAM sent through the same auth client: a REST call
 * each, not worth two more SDKs.
 *
 * Where those two APIs live when `engine.gcp.api_endpoint` is set: a Private Service Connect
 * name (`compute-ENDPOINT.p.googleapis.com`) becomes `cloudresourcemanager-ENDPOINT…` and
 * `iam-ENDPOINT…`; any other endpoint (a proxy, the simulator) is asked on its own origin.
 */
import type { ImagesClient } from "@google-cloud/compute/build/src/v1/images_client.js";
import type { MachineTypesClient } from "@google-cloud/compute/build/src/v1/machine_types_client.js";
import type { NetworksClient } from "@google-cloud/compute/build/src/v1/networks_client.js";
import type { RegionsClient } from "@google-cloud/compute/build/src/v1/regions_client.js";
import type { SubnetworksClient } from "@google-cloud/compute/build/src/v1/subnetworks_client.js";
import type { GoogleAuth } from "google-auth-library";
import { endpointOptions } from "../../engines/gcp/compute-api.js";
import { withDeadline } from "../deadline.js";
import type { PreflightContext } from "../types.js";

/**
 * Read-only scopes for Compute and Resource Manager; `iam` for the service-account
 * testIamPermissions, which accepts no narrower one. Nothing here writes.
 */
const SCOPES = [
  "https://www.googleapis.com/auth/compute.readonly",
  "https://www.googleapis.com/auth/cloud-platform.read-only",
  "https://www.googleapis.com/auth/iam",
];

export interface GceImage {
  name?: string | null;
  family?: string | null;
  creationTimestamp?: string | null;
  status?: string | null;
  deprecated?: { state?: string | null } | null;
}

export interface GceQuota {
  metric?: string | null;
  limit?: number | null;
  usage?: number | null;
}

export interface GcpApi {
  auth: GoogleAuth;
  image(project: string, name: string, family: boolean, ctx: PreflightContext): Promise<GceImage>;
  machineType(
    project: string,
    zone: string,
    name: string,
    ctx: PreflightContext,
  ): Promise<{ guestCpus?: number | null }>;
  regionQuotas(project: string, region: string, ctx: PreflightContext): Promise<GceQuota[]>;
  network(project: string, name: string, ctx: PreflightContext): Promise<unknown>;
  subnetwork(
    project: string,
    region: string,
    name: string,
    ctx: PreflightContext,
  ): Promise<unknown>;
  /** The subset of `permissions` the caller holds on the project. */
  projectPermissions(
    project: string,
    permissions: string[],
    ctx: PreflightContext,
  ): Promise<string[]>;
  /** The subset of `permissions` the caller holds on the service account. */
  serviceAccountPermissions(
    email: string,
    permissions: string[],
    ctx: PreflightContext,
  ): Promise<string[]>;
  close(): Promise<void>;
}

export function serviceBase(apiEndpoint: string | undefined, service: string): string {
  if (!apiEndpoint) return `https://${service}.googleapis.com`;
  const url = new URL(apiEndpoint);
  const psc = /^compute(-[a-z0-9-]+\.p\.googleapis\.com|\.googleapis\.com)$/.exec(url.hostname);
  if (psc) url.hostname = `${service}${psc[1]}`;
  return url.origin;
}

const loaded = new Map<string, Promise<GcpApi>>();

/** One API per endpoint for the whole run: scale sets in one project share the token. */
export function loadGcpApi(
  apiEndpoint: string | undefined,
  project: string,
  callTimeoutMs: number,
): Promise<GcpApi> {
  const key = apiEndpoint ?? "";
  let api = loaded.get(key);
  if (!api) {
    api = create(apiEndpoint, project, callTimeoutMs);
    loaded.set(key, api);
  }
  return api;
}

async function create(
  apiEndpoint: string | undefined,
  project: string,
  callTimeoutMs: number,
): Promise<GcpApi> {
  const [images, machineTypes, regions, networks, subnetworks, authModule] = await Promise.all([
    import("@google-cloud/compute/build/src/v1/images_client.js"),
    import("@google-cloud/compute/build/src/v1/machine_types_client.js"),
    import("@google-cloud/compute/build/src/v1/regions_client.js"),
    import("@google-cloud/compute/build/src/v1/networks_client.js"),
    import("@google-cloud/compute/build/src/v1/subnetworks_client.js"),
    import("google-auth-library"),
  ]);
  // Without a project id an external_account credential would look it up over the network.
  const auth = new authModule.GoogleAuth({
    projectId: project,
    scopes: SCOPES,
    // Bounds the token requests (STS exchange, metadata server) that no call deadline covers.
    clientOptions: { transporterOptions: { timeout: callTimeoutMs } },
  });
  const options = { ...endpointOptions(apiEndpoint), auth, fallback: true };
  const clients = {
    images: new images.ImagesClient(options) as ImagesClient,
    machineTypes: new machineTypes.MachineTypesClient(options) as MachineTypesClient,
    regions: new regions.RegionsClient(options) as RegionsClient,
    networks: new networks.NetworksClient(options) as NetworksClient,
    subnetworks: new subnetworks.SubnetworksClient(options) as SubnetworksClient,
  };
  const call = (ctx: PreflightContext) => ({ timeout: ctx.callTimeoutMs, maxRetries: 0 });
  const testPermissions = async (url: string, permissions: string[], ctx: PreflightContext) => {
    const client = await auth.getClient();
    const request = client.request<{ permissions?: string[] }>({
      url,
      method: "POST",
      data: { permissions },
      timeout: ctx.callTimeoutMs,
      retry: false,
    });
    const res = await withDeadline(request, ctx, "testIamPermissions");
    return res.data.permissions ?? [];
  };
  const resourceManager = serviceBase(apiEndpoint, "cloudresourcemanager");
  const iam = serviceBase(apiEndpoint, "iam");
  return {
    auth,
    async image(p, name, family, ctx) {
      const [image] = await withDeadline(
        family
          ? clients.images.getFromFamily({ project: p, family: name }, call(ctx))
          : clients.images.get({ project: p, image: name }, call(ctx)),
        ctx,
        "images.get",
      );
      return image as GceImage;
    },
    async machineType(p, zone, name, ctx) {
      const request = { project: p, zone, machineType: name };
      const [type] = await withDeadline(
        clients.machineTypes.get(request, call(ctx)),
        ctx,
        "machineTypes.get",
      );
      return type;
    },
    async regionQuotas(p, region, ctx) {
      const [found] = await withDeadline(
        clients.regions.get({ project: p, region }, call(ctx)),
        ctx,
        "regions.get",
      );
      return (found.quotas ?? []) as GceQuota[];
    },
    async network(p, name, ctx) {
      const request = { project: p, network: name };
      return (await withDeadline(clients.networks.get(request, call(ctx)), ctx, "networks.get"))[0];
    },
    async subnetwork(p, region, name, ctx) {
      const request = { project: p, region, subnetwork: name };
      const answer = clients.subnetworks.get(request, call(ctx));
      return (await withDeadline(answer, ctx, "subnetworks.get"))[0];
    },
    projectPermissions: (p, permissions, ctx) =>
      testPermissions(`${resourceManager}/v1/projects/${p}:testIamPermissions`, permissions, ctx),
    serviceAccountPermissions: (email, permissions, ctx) =>
      testPermissions(
        `${iam}/v1/projects/-/serviceAccounts/${encodeURIComponent(email)}:testIamPermissions`,
        permissions,
        ctx,
      ),
    async close() {
      await Promise.all(Object.values(clients).map((c) => c.close()));
    },
  };
}

/** Closes every API this run loaded. */
export async function closeGcpApis(): Promise<void> {
  const apis = [...loaded.values()];
  loaded.clear();
  await Promise.all(apis.map(async (api) => (await api.catch(() => undefined))?.close()));
}
