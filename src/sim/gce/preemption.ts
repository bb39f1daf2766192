import type { TimerSet } from "../../util/timer-set.js";
import type { OperationTable } from "./operations.js";
import type { GceInstanceStatus } from "./types.js";

/**
 * A spot VM taken back by Compute Engine, as the documentation describes it: a system operation
 * `compute.instances.preempted` (user `system`) is recorded in the VM's zone, the guest gets no
 * more time (the runner dies mid-job, so GitHub fails its job), the VM goes STOPPING →
 * TERMINATED with a `lastStopTimestamp`, and then the termination action applies: DELETE
 * removes the VM, STOP leaves it TERMINATED.
 */

export const PREEMPTION_STATUS_MESSAGE = "Instance was preempted.";

/** The part of a fake VM a preemption changes. */
export interface PreemptibleVm {
  project: string;
  zone: string;
  name: string;
  status: GceInstanceStatus;
  spec: { spot: boolean; terminationAction: "DELETE" | "STOP" | null };
  powerOff: AbortController;
  stoppedAt?: Date;
}

export interface PreemptionDeps {
  operations: OperationTable;
  timers: TimerSet;
  /** Removes the VM (termination action DELETE). */
  remove(): void;
}

/** Ms from the preemption to TERMINATED, and from TERMINATED to deleted (DELETE action). */
const STOP_MS = 10;

export function preemptVm(vm: PreemptibleVm, deps: PreemptionDeps): void {
  if (!vm.spec.spot) {
    throw new Error(`fake GCE: ${vm.name} is not a spot VM; only spot VMs are preempted`);
  }
  if (vm.status !== "RUNNING" && vm.status !== "STAGING") {
    throw new Error(`fake GCE: ${vm.name} is ${vm.status}; only a running VM is preempted`);
  }
  deps.operations.recordSystemEvent({
    project: vm.project,
    zone: vm.zone,
    type: "compute.instances.preempted",
    target: vm.name,
    statusMessage: PREEMPTION_STATUS_MESSAGE,
  });
  vm.powerOff.abort(new Error("instance preempted"));
  vm.status = "STOPPING";
  deps.timers.after(STOP_MS, () => {
    vm.status = "TERMINATED";
    vm.stoppedAt = new Date();
    if (vm.spec.terminationAction === "DELETE") deps.timers.after(STOP_MS, deps.remove);
  });
}
