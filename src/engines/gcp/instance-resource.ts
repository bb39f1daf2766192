import type { GcpEngineConfig } from "../../config/types.js";
import { withPreference } from "../capacity.js";
import { type CapacityPreference, EngineError, type MachineRequest } from "../engine.js";
import type { GceInstanceResource } from "./gce-types.js";
import { machineLabels } from "./labels.js";

/** Maps the engine config and one runner request to the Instance resource `insert` sends. */

/** The metadata key the runner image reads its JIT config from (never a label: labels are public). */
export const JIT_METADATA_KEY = "ACTIONS_RUNNER_INPUT_JITCONFIG";

const INSTANCE_NAME = /^[a-z]([-a-z0-9]{0,61}[a-z0-9])?$/;
const SCOPE_PREFIX = "https://www.googleapis.com/auth/";

export type GcpSettings = GcpEngineConfig["gcp"];

export interface Placement {
  zone: string;
  spot: boolean;
}

export function regionOf(zone: string): string {
  return zone.replace(/-[a-z]$/, "");
}

/** A name or a path: names become `zones/ZONE/KIND/NAME`, paths and URLs pass unchanged. */
function zonalPath(value: string, zone: string, kind: string): string {
  return value.includes("/") ? value : `zones/${zone}/${kind}/${value}`;
}

function networkPath(network: string): string {
  return network.includes("/") ? network : `global/networks/${network}`;
}

function subnetworkPath(subnetwork: string, zone: string): string {
  return subnetwork.includes("/")
    ? subnetwork
    : `regions/${regionOf(zone)}/subnetworks/${subnetwork}`;
}

export function expandScope(scope: string): string {
  return scope.includes("://") ? scope : `${SCOPE_PREFIX}${scope}`;
}

export function buildInstanceResource(
  settings: GcpSettings,
  placement: Placement,
  request: MachineRequest,
  identity: { scaleSetName: string; owner: string; deployment: string },
): GceInstanceResource {
  if (!INSTANCE_NAME.test(request.runnerName)) {
    throw new EngineError(`runner name ${request.runnerName} is not a valid GCE instance name`, {
      code: "INVALID_NAME",
      retryable: false,
    });
  }
  const { zone, spot } = placement;
  const labels = {
    ...settings.labels,
    ...machineLabels(
      identity.scaleSetName,
      request.runnerName,
      identity.owner,
      identity.deployment,
    ),
  };
  return {
    name: request.runnerName,
    machineType: zonalPath(settings.machineType, zone, "machineTypes"),
    labels,
    metadata: { items: [{ key: JIT_METADATA_KEY, value: request.jitConfig }] },
    disks: [
      {
        boot: true,
        autoDelete: true, // the disk goes with the VM: nothing left behind
        initializeParams: {
          sourceImage: settings.image,
          diskSizeGb: String(settings.diskSizeGb),
          diskType: zonalPath(settings.diskType, zone, "diskTypes"),
          labels,
        },
      },
    ],
    networkInterfaces: [
      {
        network: networkPath(settings.network),
        ...(settings.subnetwork ? { subnetwork: subnetworkPath(settings.subnetwork, zone) } : {}),
        accessConfigs: settings.publicIp ? [{ name: "External NAT", type: "ONE_TO_ONE_NAT" }] : [],
      },
    ],
    serviceAccounts: settings.serviceAccount
      ? [{ email: settings.serviceAccount, scopes: settings.scopes.map(expandScope) }]
      : [],
    ...(settings.networkTags.length > 0 ? { tags: { items: settings.networkTags } } : {}),
    scheduling: {
      provisioningModel: spot ? "SPOT" : "STANDARD",
      // A restarted VM would present an already-used JIT config: never restart.
      automaticRestart: false,
      onHostMaintenance: spot ? "TERMINATE" : "MIGRATE",
      // The cloud deletes the VM at the TTL even if no scaler is alive to do it.
      instanceTerminationAction: "DELETE",
      maxRunDuration: { seconds: String(Math.ceil(settings.maxRunDuration / 1000)) },
    },
  };
}

/** The machine type's name, whether configured as a name or as a `zones/…/machineTypes/…` path. */
export function machineTypeName(settings: GcpSettings): string {
  return settings.machineType.split("/").pop() ?? settings.machineType;
}

/**
 * Where to try, in order: each zone as configured (spot or not), then standard VMs if allowed.
 * A capacity preference (the spot circuit breaker, a re-run) turns a spot attempt it rules out
 * into a standard VM in the same zone.
 */
export function placements(settings: GcpSettings, preference?: CapacityPreference): Placement[] {
  const first = settings.zones.map((zone) => ({ zone, spot: settings.spot }));
  const all =
    settings.spot && settings.spotFallback
      ? [...first, ...settings.zones.map((zone) => ({ zone, spot: false }))]
      : first;
  const machineType = machineTypeName(settings);
  return withPreference(all, preference, {
    isSpot: (p) => p.spot,
    placement: (p) => ({ zone: p.zone, machineType }),
    asStandard: (p) => ({ zone: p.zone, spot: false }),
    key: (p) => `${p.zone}/${p.spot}`,
  });
}
