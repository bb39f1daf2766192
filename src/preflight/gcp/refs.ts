import type { GcpEngineConfig } from "../../config/types.js";

/**
 * The resources an `engine.gcp` section names, as project + name: the config takes names or
 * paths (`projects/P/global/images/family/F`, `global/networks/N`, `regions/R/subnetworks/S`,
 * full URLs), and a path may name another project (shared images, Shared VPC).
 */

type Settings = GcpEngineConfig["gcp"];

export const regionOf = (zone: string) => zone.replace(/-[a-z]$/, "");

export function imageRef(s: Settings): { project: string; name: string; family: boolean } {
  const m = /(?:projects\/([^/]+)\/)?global\/images\/(family\/)?([^/]+)$/.exec(s.image);
  return { project: m?.[1] ?? s.project, name: m?.[3] ?? s.image, family: m?.[2] !== undefined };
}

export function networkRef(s: Settings): { project: string; name: string } {
  const m = /(?:projects\/([^/]+)\/)?global\/networks\/([^/]+)$/.exec(s.network);
  return { project: m?.[1] ?? s.project, name: m?.[2] ?? s.network };
}

/** The subnetwork in `zone`'s region (a path may pin another region: it is kept). */
export function subnetworkRef(
  s: Settings,
  zone: string,
): { project: string; region: string; name: string } {
  const raw = s.subnetwork ?? "";
  const m = /(?:projects\/([^/]+)\/)?regions\/([^/]+)\/subnetworks\/([^/]+)$/.exec(raw);
  return {
    project: m?.[1] ?? s.project,
    region: m?.[2] ?? regionOf(zone),
    name: m?.[3] ?? raw,
  };
}

/** The machine type's name (a `zones/Z/machineTypes/T` path keeps only T). */
export function machineTypeName(s: Settings): string {
  return s.machineType.split("/").pop() ?? s.machineType;
}
