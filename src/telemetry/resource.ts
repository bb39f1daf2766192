/**
 * The resource: service name and version, the configured attributes, and what detectors find.
 *
 * `OTEL_NODE_RESOURCE_DETECTORS` names the detectors, as in the OpenTelemetry Node
 * distribution: env, host, os, process, serviceinstance, gcp, aws, all, none. Unset, scaleset
 * runs host, os and serviceinstance, plus the cloud detector of the platform it runs on when the
 * platform says so without a network call: Cloud Run's K_SERVICE, ECS's metadata variable, or
 * the machine's DMI vendor on GCE and EC2. (The distribution's default, every detector, probes
 * the metadata servers: a timeout at every start anywhere else.) `process` only when named: it
 * records the command line. Detected up front and settled, so no exporter ever sees a
 * half-resolved resource.
 */
import { readFileSync } from "node:fs";
import {
  defaultResource,
  detectResources,
  envDetector,
  hostDetector,
  osDetector,
  processDetector,
  type Resource,
  type ResourceDetector,
  resourceFromAttributes,
  serviceInstanceIdDetector,
} from "@opentelemetry/resources";
import type { TelemetrySettings } from "./settings.js";

type CloudName = "gcp" | "aws-ec2" | "aws-ecs";

const BUILT_IN: Record<string, ResourceDetector> = {
  env: envDetector,
  host: hostDetector,
  os: osDetector,
  process: processDetector,
  serviceinstance: serviceInstanceIdDetector,
};
const KNOWN = [...Object.keys(BUILT_IN), "gcp", "aws", "all", "none"];

export async function buildResource(
  settings: TelemetrySettings,
  serviceVersion: string,
  env: NodeJS.ProcessEnv = process.env,
): Promise<Resource> {
  const names = settings.resourceDetectors;
  for (const name of names ?? [])
    if (!KNOWN.includes(name))
      settings.warnings.push(
        `OTEL_NODE_RESOURCE_DETECTORS: ${name} is not a detector (use ${KNOWN.join(", ")})`,
      );
  const detectors: ResourceDetector[] = [];
  const clouds = new Set<CloudName>();
  if (names === null) {
    detectors.push(hostDetector, osDetector, serviceInstanceIdDetector);
    for (const cloud of evidentClouds(env)) clouds.add(cloud);
  } else if (!names.includes("none")) {
    const all = names.includes("all");
    for (const [name, detector] of Object.entries(BUILT_IN))
      if (names.includes(name) || (all && name !== "process")) detectors.push(detector);
    if (all || names.includes("gcp")) clouds.add("gcp");
    if (all || names.includes("aws")) {
      clouds.add("aws-ec2");
      clouds.add("aws-ecs");
    }
  }
  detectors.push(...(await cloudDetectors(clouds)));
  const resource = defaultResource()
    .merge(detectResources({ detectors }))
    .merge(
      resourceFromAttributes({
        ...settings.resourceAttributes,
        "service.name": settings.serviceName,
        "service.version": serviceVersion,
      }),
    );
  await resource.waitForAsyncAttributes?.();
  return resource;
}

/** The platform, from what costs no network call. */
export function evidentClouds(env: NodeJS.ProcessEnv, dmi = readDmi): CloudName[] {
  if (env.K_SERVICE || env.CLOUD_RUN_JOB) return ["gcp"];
  if (env.ECS_CONTAINER_METADATA_URI_V4 || env.ECS_CONTAINER_METADATA_URI) return ["aws-ecs"];
  const vendor = `${dmi("product_name")} ${dmi("sys_vendor")} ${dmi("board_vendor")}`;
  if (vendor.includes("Google")) return ["gcp"];
  if (vendor.includes("Amazon EC2")) return ["aws-ec2"];
  return [];
}

function readDmi(field: string): string {
  try {
    return readFileSync(`/sys/class/dmi/id/${field}`, "utf8").trim();
  } catch {
    return "";
  }
}

async function cloudDetectors(clouds: ReadonlySet<CloudName>): Promise<ResourceDetector[]> {
  const out: ResourceDetector[] = [];
  if (clouds.has("gcp"))
    out.push((await import("@opentelemetry/resource-detector-gcp")).gcpDetector);
  if (clouds.has("aws-ec2") || clouds.has("aws-ecs")) {
    const aws = await import("@opentelemetry/resource-detector-aws");
    if (clouds.has("aws-ecs")) out.push(aws.awsEcsDetector);
    if (clouds.has("aws-ec2")) out.push(aws.awsEc2Detector);
  }
  return out;
}
