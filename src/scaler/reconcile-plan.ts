import type { Machine } from "../engines/engine.js";
import type { RunnerReference } from "../github/types.js";
import type { RunnerRecord, RunnerState } from "./runner-record.js";

export interface ReconcileInput {
  now: number;
  machines: readonly Machine[];
  /**
   * GitHub's registrations for the scale set, or null when they are unknown: the listing failed,
   * answered empty while machines exist, or lacked fields (see `trustedRegistrations`).
   */
  registrations: readonly RunnerReference[] | null;
  records: readonly RunnerRecord[];
  maxLifetimeMs: number;
  bootTimeoutMs: number;
  /** A record younger than this in its state is not judged missing (cloud lists lag creates). */
  settleMs: number;
}

export type MachineDeleteReason = "stopped" | "max-lifetime" | "no-registration" | "boot-timeout";

export interface ReconcilePlan {
  /** Machines this process did not know, with the state they are adopted in. */
  adopt: Array<{ machine: Machine; runnerId?: number; state: RunnerState }>;
  /**
   * Machines with no record whose registration the listing does not show. The listing is not
   * proof of absence (it is undocumented and may be empty or partial): each is confirmed by name
   * before anything is deleted. Unscoped machines of older versions always land here.
   */
  confirm: Machine[];
  /** Machines to delete that have no record (a record's machine is retired through `retire`). */
  deleteMachines: Array<{ machine: Machine; runnerId?: number; reason: MachineDeleteReason }>;
  /** Known runners to tear down (machine and registration). */
  retire: Array<{ name: string; reason: MachineDeleteReason | "machine-missing" }>;
  /** Registrations with neither a machine nor a runner being provisioned: ghosts. */
  removeRegistrations: RunnerReference[];
  /** Records found online and idle on GitHub. */
  markIdle: string[];
  /** Records whose machine was found powered off while their runner was still booting. */
  bootFailures: string[];
}

const FINISHED: ReadonlySet<Machine["state"]> = new Set(["stopped", "terminated"]);

/**
 * Joins the cloud's machines with GitHub's registrations and the scaler's own records, and says
 * what to do so that no machine runs without a purpose and no registration outlives its machine.
 * Pure: the scaler applies the plan. A machine is deleted here only on proof that nothing runs
 * on it: it is powered off, or past `max_runner_lifetime` (the operator's own limit).
 */
export function planReconcile(input: ReconcileInput): ReconcilePlan {
  const plan: ReconcilePlan = {
    adopt: [],
    confirm: [],
    deleteMachines: [],
    retire: [],
    removeRegistrations: [],
    markIdle: [],
    bootFailures: [],
  };
  const records = new Map(input.records.map((r) => [r.name, r]));
  const registrations = input.registrations
    ? new Map(input.registrations.map((r) => [r.name, r]))
    : null;
  const machineRunnerNames = new Set(input.machines.map((m) => m.runnerName));
  const retired = new Set<string>();
  const retire = (name: string, reason: ReconcilePlan["retire"][number]["reason"]) => {
    if (retired.has(name)) return;
    retired.add(name);
    plan.retire.push({ name, reason });
  };

  for (const machine of input.machines) {
    const record = records.get(machine.runnerName);
    const registration = registrations?.get(machine.runnerName);
    const reason = deleteReason(machine, input);
    if (record) {
      if (record.state === "deleting") continue;
      if (reason === "stopped" && record.state === "booting" && !record.adopted)
        plan.bootFailures.push(record.name);
      if (reason) retire(record.name, reason);
      continue;
    }
    if (!registration && (machine.deployment === undefined || !reason)) {
      // Not in the listing: unknown until GitHub answers by name. An unscoped machine may be
      // another deployment's: only GitHub naming its runner as ours makes it ours.
      plan.confirm.push(machine);
    } else if (reason) {
      plan.deleteMachines.push({ machine, runnerId: registration?.id, reason });
    } else if (registration) {
      plan.adopt.push({
        machine,
        runnerId: registration.id,
        state: stateFromRegistration(registration),
      });
    }
  }

  for (const record of input.records) {
    if (record.state === "pending" || record.state === "deleting" || retired.has(record.name))
      continue;
    const settled = input.now - record.stateSince > input.settleMs;
    if (!machineRunnerNames.has(record.name)) {
      if (settled) retire(record.name, "machine-missing");
      continue;
    }
    const registration = registrations?.get(record.name);
    if (record.state === "booting") {
      if (registration?.status === "online" && !registration.busy) {
        plan.markIdle.push(record.name);
      } else if (registration && registration.status === undefined) {
        // GitHub did not say whether it is online (`status` is not in the SDK's types): no
        // reason to retire it. Idle timeout and max lifetime still apply.
      } else if (input.now - record.stateSince > input.bootTimeoutMs) {
        retire(record.name, "boot-timeout");
      }
    }
  }

  if (registrations) {
    for (const registration of registrations.values()) {
      if (machineRunnerNames.has(registration.name)) continue;
      if (records.has(registration.name)) continue; // provisioning, deleting or retired above
      plan.removeRegistrations.push(registration);
    }
  }
  return plan;
}

/** Why a machine must go whatever GitHub says, or null. */
export function deleteReason(
  machine: Machine,
  input: Pick<ReconcileInput, "now" | "maxLifetimeMs">,
): MachineDeleteReason | null {
  if (FINISHED.has(machine.state)) return "stopped";
  if (input.now - machine.createdAt.getTime() > input.maxLifetimeMs) return "max-lifetime";
  return null;
}

/**
 * The state an adopted runner starts in. Only a string `status` counts: `busy` and `status` are
 * not in GitHub's SDK types, and a runner whose status is unknown is treated as still booting.
 */
export function stateFromRegistration(registration: RunnerReference): RunnerState {
  if (registration.busy === true) return "busy";
  return registration.status === "online" ? "idle" : "booting";
}

/**
 * The listing as evidence, or null when it cannot be trusted: empty while the cloud has machines
 * (the undocumented route has been seen answering an empty page), or any entry without an id or
 * name. An empty listing with no machines is trusted: ghost registrations are then judged.
 */
export function trustedRegistrations(
  listing: readonly RunnerReference[] | null,
  machineCount: number,
): readonly RunnerReference[] | null {
  if (listing === null) return null;
  if (listing.length === 0 && machineCount > 0) return null;
  if (listing.some((r) => !(r.id > 0) || r.name === "")) return null;
  return listing;
}
