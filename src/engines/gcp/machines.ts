import { MACHINE_LABELS, type Machine, type MachineState } from "../engine.js";
import type { GceInstance } from "./gce-types.js";

/** Maps Compute Engine instances to the engine's Machine and back to ids. */

const STATES: Record<string, MachineState> = {
  PROVISIONING: "provisioning",
  STAGING: "provisioning",
  RUNNING: "running",
  STOPPING: "stopping",
  SUSPENDING: "stopping",
  REPAIRING: "running",
  TERMINATED: "stopped",
  SUSPENDED: "stopped",
};

export function machineState(status: string | null | undefined): MachineState {
  return STATES[status ?? ""] ?? "provisioning";
}

/** A machine id names the zone too, since every instance call needs it: `ZONE/NAME`. */
export function machineId(zone: string, name: string): string {
  return `${zone}/${name}`;
}

export function parseMachineId(id: string): { zone?: string; name: string } {
  const slash = id.lastIndexOf("/");
  return slash < 0 ? { name: id } : { zone: id.slice(0, slash), name: id.slice(slash + 1) };
}

/** The zone name from an instance's `zone` URL (`…/zones/us-central1-a`). */
export function zoneName(zoneUrl: string | null | undefined): string {
  return (zoneUrl ?? "").split("/").pop() ?? "";
}

export function toMachine(instance: GceInstance, scaleSetName: string): Machine {
  const labels = instance.labels ?? {};
  const zone = zoneName(instance.zone);
  const name = instance.name ?? "";
  const created = instance.creationTimestamp ? new Date(instance.creationTimestamp) : new Date();
  const model = instance.scheduling?.provisioningModel;
  const bootDisk = Number(instance.disks?.find((d) => d.boot)?.diskSizeGb ?? Number.NaN);
  return {
    id: machineId(zone, name),
    runnerName: labels[MACHINE_LABELS.runner] ?? name,
    scaleSetName,
    owner: labels[MACHINE_LABELS.owner] ?? "",
    // Absent on VMs made before deployment scopes: the scaler adopts those only on proof.
    deployment: labels[MACHINE_LABELS.deployment],
    state: machineState(instance.status),
    createdAt: Number.isNaN(created.getTime()) ? new Date() : created,
    location: zone,
    ...(model ? { capacity: model === "SPOT" ? "spot" : "standard" } : {}),
    ...(instance.machineType ? { machineType: instance.machineType.split("/").pop() } : {}),
    ...(bootDisk > 0 ? { diskGb: bootDisk } : {}),
  };
}
