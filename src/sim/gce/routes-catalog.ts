import { randomBytes } from "node:crypto";
import type { GceImageSpec } from "./catalog.js";
import { machineTypeCpus } from "./catalog.js";
import { authorize } from "./faults.js";
import { notFound } from "./http-io.js";
import { SELF_LINK_BASE } from "./operations.js";
import type { ApiResponse } from "./routes.js";
import type { GceWorld } from "./world.js";

/**
 * Read-only Compute routes for what `scaleset validate` checks: images (get, getFromFamily),
 * machine types, regions with their quotas, networks and subnetworks. Each asks for the
 * permission Compute asks for (a `deniedPermissions` fault answers 403) and answers 404 with
 * Compute's message for anything that does not exist.
 */

const stableId = (text: string) =>
  String(BigInt(`0x${Buffer.from(text).toString("hex").slice(0, 14).padEnd(14, "0")}`));

/** Compute writes creation timestamps in Pacific time with an offset, not in UTC. */
function pacificTimestamp(date: Date): string {
  const shifted = new Date(date.getTime() - 8 * 3600_000);
  return `${shifted.toISOString().slice(0, 23)}-08:00`;
}

function imageJson(image: GceImageSpec): Record<string, unknown> {
  return {
    kind: "compute#image",
    id: stableId(`${image.project}/${image.name}`),
    creationTimestamp: pacificTimestamp(image.createdAt),
    name: image.name,
    ...(image.family ? { family: image.family } : {}),
    status: image.status ?? "READY",
    diskSizeGb: "20",
    archiveSizeBytes: "2147483648",
    sourceType: "RAW",
    ...(image.deprecated ? { deprecated: { state: image.deprecated } } : {}),
    selfLink: `${SELF_LINK_BASE}/projects/${image.project}/global/images/${image.name}`,
  };
}

const regionOf = (zone: string) => zone.replace(/-[a-z]$/, "");

/** Series whose vCPUs count against the generic CPUS quota rather than a series quota. */
const GENERIC_CPU_SERIES = new Set(["e2", "n1", "f1", "g1"]);

/**
 * The metric a VM's vCPUs count against: PREEMPTIBLE_CPUS for spot when the region has that
 * quota (otherwise spot uses standard quota), a series' own `N2_CPUS`… when the region lists
 * one, CPUS otherwise.
 */
export function cpuQuotaMetric(
  world: GceWorld,
  region: string,
  machineType: string,
  spot: boolean,
) {
  const { catalog } = world;
  if (spot && catalog.quotaLimit(region, "PREEMPTIBLE_CPUS") > 0) return "PREEMPTIBLE_CPUS";
  const series = machineType.split("-")[0] ?? "";
  const own = `${series.toUpperCase()}_CPUS`;
  return !GENERIC_CPU_SERIES.has(series) && catalog.quotaMetrics(region).includes(own)
    ? own
    : "CPUS";
}

/** What the region's quotas are used by: the fake's live VMs, other workloads, used-up faults. */
function quotaUsage(world: GceWorld, project: string, region: string): Record<string, number> {
  const usage: Record<string, number> = {};
  const add = (metric: string, n: number) => {
    usage[metric] = (usage[metric] ?? 0) + n;
  };
  for (const { zone, json } of world.listInstances(project, null, () => true)) {
    if (regionOf(zone) !== region || json.status === "TERMINATED") continue;
    const type = String(json.machineType).split("/").pop() ?? "";
    const spot =
      (json.scheduling as { provisioningModel?: string } | undefined)?.provisioningModel === "SPOT";
    add(cpuQuotaMetric(world, region, type, spot), machineTypeCpus(type) ?? 0);
    add("INSTANCES", 1);
    const nics = (json.networkInterfaces ?? []) as Array<{ accessConfigs?: unknown[] }>;
    if (nics.some((n) => (n.accessConfigs ?? []).length > 0)) add("IN_USE_ADDRESSES", 1);
  }
  for (const metric of world.catalog.quotaMetrics(region)) {
    add(metric, world.catalog.quotaUsage.get(`${region}/${metric}`) ?? 0);
  }
  // The `quotaRegions` fault (inserts refused for CPUS) shows as CPUS used up here too.
  if (world.faults.quotaRegions.has(region)) usage.CPUS = world.catalog.quotaLimit(region, "CPUS");
  return usage;
}

/** `GET …/PROJECT/global/{images,networks}/…`, `…/regions/…`, `…/zones/Z/machineTypes/…`. */
export function routeCatalog(
  world: GceWorld,
  method: string,
  parts: readonly string[],
): ApiResponse | undefined {
  if (method !== "GET") return undefined;
  const [project = "", scope, a, b, c, d] = parts;
  const { catalog } = world;
  const resource = parts.join("/");
  const where = `projects/${resource}`;
  if (scope === "global" && a === "images" && b === "family" && c && d === undefined) {
    authorize(world.faults, "compute.images.getFromFamily", where);
    const image = catalog.imageFromFamily(project, c);
    if (!image) throw notFound(where);
    return { status: 200, body: imageJson(image) };
  }
  if (scope === "global" && a === "images" && b && c === undefined) {
    authorize(world.faults, "compute.images.get", where);
    const image = catalog.image(project, b);
    if (!image) throw notFound(where);
    return { status: 200, body: imageJson(image) };
  }
  if (scope === "global" && a === "networks" && b && c === undefined) {
    authorize(world.faults, "compute.networks.get", where);
    const network = catalog.network(project, b);
    if (!network) throw notFound(where);
    const link = `${SELF_LINK_BASE}/projects/${project}/global/networks/${b}`;
    return {
      status: 200,
      body: {
        kind: "compute#network",
        id: stableId(`${project}/${b}`),
        name: b,
        autoCreateSubnetworks: network.autoSubnetworks,
        routingConfig: { routingMode: "REGIONAL" },
        selfLink: link,
      },
    };
  }
  if (scope === "regions" && a && b === undefined) {
    authorize(world.faults, "compute.regions.get", where);
    const zones = [...world.zones].filter((z) => regionOf(z) === a);
    if (zones.length === 0) throw notFound(where);
    const usage = quotaUsage(world, project, a);
    return {
      status: 200,
      body: {
        kind: "compute#region",
        id: stableId(a),
        name: a,
        status: "UP",
        zones: zones.map((z) => `${SELF_LINK_BASE}/projects/${project}/zones/${z}`),
        quotas: catalog.quotaMetrics(a).map((metric) => ({
          metric,
          limit: catalog.quotaLimit(a, metric),
          usage: usage[metric] ?? 0,
        })),
        selfLink: `${SELF_LINK_BASE}/projects/${project}/regions/${a}`,
      },
    };
  }
  if (scope === "regions" && a && b === "subnetworks" && c && d === undefined) {
    authorize(world.faults, "compute.subnetworks.get", where);
    const network = catalog.subnetworkNetwork(project, a, c);
    if (!network) throw notFound(where);
    return {
      status: 200,
      body: {
        kind: "compute#subnetwork",
        id: stableId(`${project}/${a}/${c}`),
        name: c,
        network: `${SELF_LINK_BASE}/projects/${project}/global/networks/${network.name}`,
        ipCidrRange: `10.${randomBytes(1)[0] ?? 0}.0.0/20`,
        region: `${SELF_LINK_BASE}/projects/${project}/regions/${a}`,
        selfLink: `${SELF_LINK_BASE}/projects/${project}/regions/${a}/subnetworks/${c}`,
      },
    };
  }
  if (scope === "zones" && a && b === "machineTypes" && c && d === undefined) {
    authorize(world.faults, "compute.machineTypes.get", where);
    world.checkZone(project, a);
    const cpus = machineTypeCpus(c);
    if (cpus === undefined || world.faults.unofferedMachineTypes.has(`${a}/${c}`)) {
      throw notFound(where);
    }
    return {
      status: 200,
      body: {
        kind: "compute#machineType",
        id: stableId(c),
        name: c,
        description: `${cpus} vCPUs`,
        guestCpus: cpus,
        memoryMb: cpus * 4096,
        isSharedCpu: /^(e2-(micro|small|medium)|f1-micro|g1-small)$/.test(c),
        zone: a,
        selfLink: `${SELF_LINK_BASE}/projects/${project}/zones/${a}/machineTypes/${c}`,
      },
    };
  }
  return undefined;
}
