import type { Instance } from "@aws-sdk/client-ec2";
import { MACHINE_LABELS, type Machine, type MachineState } from "../engine.js";

const STATES: Record<string, MachineState> = {
  pending: "provisioning",
  running: "running",
  stopping: "stopping",
  stopped: "stopped",
  "shutting-down": "terminated",
  terminated: "terminated",
};

/** An EC2 instance as the scaler sees it; identity comes from the tags written at launch. */
export function toMachine(instance: Instance, fallbackScaleSet: string): Machine {
  const tags = new Map((instance.Tags ?? []).map((t) => [t.Key ?? "", t.Value ?? ""]));
  return {
    id: instance.InstanceId ?? "",
    runnerName: tags.get(MACHINE_LABELS.runner) ?? "",
    scaleSetName: tags.get(MACHINE_LABELS.scaleSet) ?? fallbackScaleSet,
    owner: tags.get(MACHINE_LABELS.owner) ?? "",
    state: STATES[instance.State?.Name ?? "pending"] ?? "provisioning",
    createdAt: instance.LaunchTime ?? new Date(),
    location: instance.Placement?.AvailabilityZone,
  };
}
