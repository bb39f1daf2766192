import { invalid } from "./http-io.js";

/**
 * Validates an `instances.insert` body the way Compute Engine would reject it (400
 * `invalid`), for the fields a runner VM uses, and extracts what the fake acts on.
 */

export interface ValidInstance {
  name: string;
  machineType: string;
  sourceImage: string;
  labels: Record<string, string>;
  metadata: Record<string, string>;
  spot: boolean;
  /** `scheduling.maxRunDuration` in seconds, if set. */
  maxRunSeconds: number | null;
  terminationAction: "DELETE" | "STOP" | null;
  /** Boot disks not marked autoDelete: they would outlive the VM. */
  keepsDisk: boolean;
  /** Boot disk size; the image's (10 GB here) when the insert does not say. */
  diskSizeGb: number;
}

const NAME = /^[a-z]([-a-z0-9]{0,61}[a-z0-9])?$/;
const LABEL_KEY = /^[a-z][a-z0-9_-]{0,62}$/;
const LABEL_VALUE = /^[a-z0-9_-]{0,63}$/;
const METADATA_KEY = /^[a-zA-Z0-9_-]{1,128}$/;
const RESOURCE_PREFIX = /^(https?:\/\/[^/]+\/compute\/v1\/)?(projects\/[a-z0-9-]+\/)?/;
const IMAGE = /^(projects\/[a-z0-9-]+\/)?global\/images\/(family\/)?[a-z]([-a-z0-9]*[a-z0-9])?$/;
const MAX_RUN_SECONDS = 120 * 24 * 3600;

type Json = Record<string, unknown>;

const isObject = (v: unknown): v is Json =>
  typeof v === "object" && v !== null && !Array.isArray(v);

function field(path: string, problem: string): never {
  throw invalid(`Invalid value for field 'resource.${path}': ${problem}`);
}

/** A zonal resource reference (`zones/Z/KIND/NAME`, optionally with project or full URL). */
function zonal(value: unknown, kind: string, zone: string, path: string): string {
  if (typeof value !== "string") field(path, "must be a string");
  const rest = value.replace(RESOURCE_PREFIX, "");
  const match = new RegExp(`^zones/([a-z0-9-]+)/${kind}/([a-z0-9-]+)$`).exec(rest);
  if (!match) field(path, `'${value}' is not a valid ${kind} URL`);
  if (match[1] !== zone) field(path, `'${value}' is in zone ${match[1]}, not ${zone}`);
  return match[2] as string;
}

function int64(value: unknown, path: string): number {
  const n = typeof value === "string" && /^\d+$/.test(value) ? Number(value) : value;
  if (typeof n !== "number" || !Number.isInteger(n)) field(path, "must be an integer");
  return n;
}

function validateLabels(raw: unknown): Record<string, string> {
  if (raw === undefined) return {};
  if (!isObject(raw)) field("labels", "must be a map");
  const entries = Object.entries(raw);
  if (entries.length > 64) field("labels", "at most 64 labels");
  for (const [key, value] of entries) {
    if (!LABEL_KEY.test(key)) field(`labels.${key}`, "invalid label key");
    if (typeof value !== "string" || !LABEL_VALUE.test(value)) {
      field(`labels.${key}`, "label values are ≤ 63 lowercase letters, digits, _ or -");
    }
  }
  return raw as Record<string, string>;
}

function validateMetadata(raw: unknown): Record<string, string> {
  const metadata: Record<string, string> = {};
  if (raw === undefined) return metadata;
  if (!isObject(raw) || (raw.items !== undefined && !Array.isArray(raw.items))) {
    field("metadata", "must be {items: [{key, value}]}");
  }
  let size = 0;
  for (const [i, item] of ((raw.items as unknown[] | undefined) ?? []).entries()) {
    if (!isObject(item) || typeof item.key !== "string" || !METADATA_KEY.test(item.key)) {
      field(`metadata.items[${i}].key`, "invalid metadata key");
    }
    if (typeof item.value !== "string") field(`metadata.items[${i}].value`, "must be a string");
    if (item.key in metadata) field(`metadata.items[${i}].key`, `duplicate key ${item.key}`);
    size += item.key.length + item.value.length;
    metadata[item.key] = item.value;
  }
  if (size > 512 * 1024) field("metadata", "exceeds 512 KB");
  return metadata;
}

function validateBootDisk(
  raw: unknown,
  zone: string,
): { image: string; keepsDisk: boolean; diskSizeGb: number } {
  if (!Array.isArray(raw) || raw.length === 0) field("disks", "a boot disk is required");
  const boot = raw.filter((d: unknown) => isObject(d) && d.boot === true);
  if (boot.length !== 1) field("disks", "exactly one disk must have boot: true");
  const disk = boot[0] as Json;
  const params = disk.initializeParams;
  if (!isObject(params)) field("disks[0].initializeParams", "is required for a new boot disk");
  const image = params.sourceImage;
  if (
    typeof image !== "string" ||
    !IMAGE.test(image.replace(/^https?:\/\/[^/]+\/compute\/v1\//, ""))
  ) {
    field("disks[0].initializeParams.sourceImage", `'${String(image)}' is not an image URL`);
  }
  let diskSizeGb = 10;
  if (params.diskSizeGb !== undefined) {
    diskSizeGb = int64(params.diskSizeGb, "disks[0].initializeParams.diskSizeGb");
    if (diskSizeGb < 10 || diskSizeGb > 65_536)
      field("disks[0].initializeParams.diskSizeGb", "out of range");
  }
  if (params.diskType !== undefined) {
    zonal(params.diskType, "diskTypes", zone, "disks[0].initializeParams.diskType");
  }
  return { image, keepsDisk: disk.autoDelete !== true, diskSizeGb };
}

function validateNetwork(raw: unknown, zone: string): void {
  if (!Array.isArray(raw) || raw.length === 0)
    field("networkInterfaces", "at least one is required");
  const region = zone.replace(/-[a-z]$/, "");
  for (const [i, nic] of raw.entries()) {
    if (!isObject(nic)) field(`networkInterfaces[${i}]`, "must be an object");
    const network = nic.network;
    if (
      network !== undefined &&
      (typeof network !== "string" ||
        !/^global\/networks\/[a-z0-9-]+$/.test(network.replace(RESOURCE_PREFIX, "")))
    ) {
      field(`networkInterfaces[${i}].network`, "is not a network URL");
    }
    const sub = nic.subnetwork;
    if (sub !== undefined) {
      const m =
        typeof sub === "string"
          ? /^regions\/([a-z0-9-]+)\/subnetworks\/[a-z0-9-]+$/.exec(
              sub.replace(RESOURCE_PREFIX, ""),
            )
          : null;
      if (!m) field(`networkInterfaces[${i}].subnetwork`, "is not a subnetwork URL");
      if (m[1] !== region)
        field(`networkInterfaces[${i}].subnetwork`, `is not in region ${region}`);
    }
    for (const ac of (nic.accessConfigs as unknown[] | undefined) ?? []) {
      if (!isObject(ac) || ac.type !== "ONE_TO_ONE_NAT") {
        field(`networkInterfaces[${i}].accessConfigs`, "type must be ONE_TO_ONE_NAT");
      }
    }
  }
}

function validateScheduling(raw: unknown) {
  if (raw === undefined) return { spot: false, maxRunSeconds: null, terminationAction: null };
  if (!isObject(raw)) field("scheduling", "must be an object");
  const model = raw.provisioningModel ?? "STANDARD";
  if (model !== "STANDARD" && model !== "SPOT") field("scheduling.provisioningModel", "unknown");
  const spot = model === "SPOT";
  if (spot && (raw.automaticRestart !== false || raw.onHostMaintenance !== "TERMINATE")) {
    field("scheduling", "Spot VMs need automaticRestart: false and onHostMaintenance: TERMINATE");
  }
  const action = raw.instanceTerminationAction ?? null;
  if (action !== null && action !== "DELETE" && action !== "STOP") {
    field("scheduling.instanceTerminationAction", "must be DELETE or STOP");
  }
  let maxRunSeconds: number | null = null;
  if (raw.maxRunDuration !== undefined) {
    const duration = raw.maxRunDuration;
    if (!isObject(duration)) field("scheduling.maxRunDuration", "must be {seconds}");
    maxRunSeconds = int64(duration.seconds, "scheduling.maxRunDuration.seconds");
    if (maxRunSeconds < 30 || maxRunSeconds > MAX_RUN_SECONDS) {
      field("scheduling.maxRunDuration.seconds", "must be between 30 s and 120 days");
    }
    if (action === null) {
      field("scheduling.instanceTerminationAction", "is required with maxRunDuration");
    }
  }
  return { spot, maxRunSeconds, terminationAction: action as "DELETE" | "STOP" | null };
}

export function validateInsert(body: unknown, zone: string): ValidInstance {
  if (!isObject(body)) throw invalid("Required 'resource' not specified.");
  if (typeof body.name !== "string" || !NAME.test(body.name)) {
    field("name", `'${String(body.name)}' does not match ${NAME.source}`);
  }
  const machineType = zonal(body.machineType, "machineTypes", zone, "machineType");
  const { image, keepsDisk, diskSizeGb } = validateBootDisk(body.disks, zone);
  validateNetwork(body.networkInterfaces, zone);
  const scheduling = validateScheduling(body.scheduling);
  return {
    name: body.name,
    machineType,
    sourceImage: image,
    labels: validateLabels(body.labels),
    metadata: validateMetadata(body.metadata),
    keepsDisk,
    diskSizeGb,
    ...scheduling,
  };
}
