import type { Instance } from "@aws-sdk/client-ec2";
import { MACHINE_LABELS, type Machine, type MachineState } from "../engine.js";
import { MANAGED_BY } from "./launch-plan.js";

const STATES: Record<string, MachineState> = {
  pending: "provisioning",
  running: "running",
  stopping: "stopping",
  stopped: "stopped",
  "shutting-down": "terminated",
  terminated: "terminated",
};

function tagsOf(instance: Instance): Map<string, string> {
  return new Map((instance.Tags ?? []).map((t) => [t.Key ?? "", t.Value ?? ""]));
}

/** An EC2 instance as the scaler sees it; identity comes from the tags written at launch. */
export function toMachine(instance: Instance, fallbackScaleSet: string): Machine {
  const tags = tagsOf(instance);
  return {
    id: instance.InstanceId ?? "",
    runnerName: tags.get(MACHINE_LABELS.runner) ?? "",
    scaleSetName: tags.get(MACHINE_LABELS.scaleSet) ?? fallbackScaleSet,
    owner: tags.get(MACHINE_LABELS.owner) ?? "",
    deployment: tags.get(MACHINE_LABELS.deployment),
    state: STATES[instance.State?.Name ?? "pending"] ?? "provisioning",
    createdAt: instance.LaunchTime ?? new Date(),
    location: instance.Placement?.AvailabilityZone,
    capacity: instance.InstanceLifecycle === "spot" ? "spot" : "standard",
    ...(instance.InstanceType ? { machineType: instance.InstanceType } : {}),
  };
}

/**
 * Whose instance this is, from its tags: this deployment's (`own`); this scale set's from a
 * version before deployment scopes (`unscoped`: no `scaleset-deployment` tag at all); anything
 * else (another deployment, another scale set, not scaleset's) is `foreign` and never touched.
 */
export type InstanceScope = "own" | "unscoped" | "foreign";

export function scopeOf(
  instance: Instance,
  scope: { scaleSetName: string; deployment: string },
): InstanceScope {
  if (!ofScaleSet(instance, scope.scaleSetName)) return "foreign";
  const deployment = tagsOf(instance).get(MACHINE_LABELS.deployment);
  if (deployment === undefined) return "unscoped";
  return deployment === scope.deployment ? "own" : "foreign";
}

/** A scaleset instance of this scale set name, of any deployment scope (what `inventory` shows). */
export function ofScaleSet(instance: Instance, scaleSetName: string): boolean {
  const tags = tagsOf(instance);
  return (
    tags.get(MACHINE_LABELS.managedBy) === MANAGED_BY &&
    tags.get(MACHINE_LABELS.scaleSet) === scaleSetName
  );
}
