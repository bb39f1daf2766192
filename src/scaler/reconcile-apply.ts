import type { Machine } from "../engines/engine.js";
import type { RunnerReference } from "../github/types.js";
import type { ScalerEvent } from "./events.js";
import type { Assessment } from "./reconcile-assess.js";
import type { ReconcileJudge } from "./reconcile-judge.js";
import type { RunnerRecord, RunnerState } from "./runner-record.js";
import type { TeardownReason } from "./teardown.js";

/** What applying a reconciliation may do to the scaler's runners; the scaler implements it. */
export interface ReconcileOps {
  get(name: string): RunnerRecord | undefined;
  /** Tracks a machine found in the cloud as a runner in `state`. */
  adopt(machine: Machine, runnerId: number | undefined, state: RunnerState): RunnerRecord;
  move(record: RunnerRecord, to: RunnerState): void;
  retire(record: RunnerRecord, reason: TeardownReason): void;
  removeGhost(registration: RunnerReference): void;
  bootFailed(runner: string): void;
  emit(event: ScalerEvent): void;
}

/**
 * Acts on an assessment: adopts, marks idle, retires and deletes, each reported. A runner a
 * message named while GitHub was being asked is the scaler's by now and left to it.
 */
export function applyAssessment(
  { plan, verdicts }: Assessment,
  judge: ReconcileJudge,
  ops: ReconcileOps,
): void {
  for (const name of plan.bootFailures) ops.bootFailed(name);
  for (const { machine, runnerId, state } of [...plan.adopt, ...verdicts.adopt]) {
    if (ops.get(machine.runnerName)) continue;
    ops.adopt(machine, runnerId, state);
    judge.report("adopt", "registered", machine, state);
  }
  for (const name of plan.markIdle) {
    const record = ops.get(name);
    if (record?.state === "booting") ops.move(record, "idle");
  }
  for (const { name, reason } of plan.retire) {
    const record = ops.get(name);
    if (record) ops.retire(record, reason);
  }
  for (const { machine, runnerId, reason } of [...plan.deleteMachines, ...verdicts.delete]) {
    if (ops.get(machine.runnerName)) continue;
    ops.emit({ type: "orphan", kind: "machine", reason, runner: machine.runnerName });
    judge.report("delete-machine", reason, machine);
    ops.retire(ops.adopt(machine, runnerId, "pending"), reason);
  }
  for (const registration of plan.removeRegistrations) {
    ops.emit({
      type: "orphan",
      kind: "registration",
      reason: "no-machine",
      runner: registration.name,
    });
    judge.reportRegistration(registration);
    ops.removeGhost(registration);
  }
}
