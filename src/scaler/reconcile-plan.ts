import type { Logger } from "pino";
import type { Engine, Machine } from "../engines/engine.js";
import type { RunnerReference } from "../github/types.js";
import type { ScalerGitHubApi } from "./provision.js";
import type { RunnerRecord, RunnerState } from "./runner-record.js";

export interface ReconcileInput {
  now: number;
  machines: readonly Machine[];
  /** GitHub's registrations for the scale set, or null when they could not be listed. */
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
  /** Machines to delete that have no record (a record's machine is retired through `retire`). */
  deleteMachines: Array<{ machine: Machine; runnerId?: number; reason: MachineDeleteReason }>;
  /** Known runners to tear down (machine and registration). */
  retire: Array<{ name: string; reason: MachineDeleteReason | "machine-missing" }>;
  /** Registrations with neither a machine nor a runner being provisioned: ghosts. */
  removeRegistrations: RunnerReference[];
  /** Records found online and idle on GitHub. */
  markIdle: string[];
}

const FINISHED: ReadonlySet<Machine["state"]> = new Set(["stopped", "terminated"]);

/**
 * Joins the cloud's machines with GitHub's registrations and the scaler's own records, and says
 * what to do so that no machine runs without a purpose and no registration outlives its machine.
 * Pure: the scaler applies the plan.
 */
export function planReconcile(input: ReconcileInput): ReconcilePlan {
  const plan: ReconcilePlan = {
    adopt: [],
    deleteMachines: [],
    retire: [],
    removeRegistrations: [],
    markIdle: [],
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
    const tooOld = input.now - machine.createdAt.getTime() > input.maxLifetimeMs;
    const reason: MachineDeleteReason | null = FINISHED.has(machine.state)
      ? "stopped"
      : tooOld
        ? "max-lifetime"
        : null;
    if (record) {
      if (record.state === "deleting") continue;
      if (reason) retire(record.name, reason);
      continue;
    }
    if (reason) {
      plan.deleteMachines.push({ machine, runnerId: registration?.id, reason });
    } else if (registrations === null) {
      plan.adopt.push({ machine, state: "booting" }); // GitHub unknown: keep it, judge it next time
    } else if (registration) {
      plan.adopt.push({
        machine,
        runnerId: registration.id,
        state: stateFromRegistration(registration),
      });
    } else {
      plan.deleteMachines.push({ machine, reason: "no-registration" });
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
      } else if (input.now - record.stateSince > input.bootTimeoutMs) {
        retire(record.name, "boot-timeout");
      }
    }
  }

  if (registrations) {
    for (const registration of registrations.values()) {
      if (machineRunnerNames.has(registration.name)) continue;
      const record = records.get(registration.name);
      if (record && (record.state === "pending" || record.state === "deleting")) continue;
      if (record) continue; // retired above once settled
      plan.removeRegistrations.push(registration);
    }
  }
  return plan;
}

function stateFromRegistration(registration: RunnerReference): RunnerState {
  if (registration.busy) return "busy";
  return registration.status === "online" ? "idle" : "booting";
}

/**
 * What reconciliation joins: the engine's machines (required: without them nothing can be
 * judged) and GitHub's registrations (optional: listing them is unverified on github.com, so a
 * failure only narrows what is judged).
 */
export async function listCloudAndGitHub(
  engine: Pick<Engine, "list">,
  github: Pick<ScalerGitHubApi, "listRunners">,
  scaleSetId: number,
  logger: Logger,
): Promise<{ machines: Machine[]; registrations: RunnerReference[] | null } | null> {
  let machines: Machine[];
  try {
    machines = await engine.list();
  } catch (error) {
    logger.warn({ err: error }, "reconcile: listing machines failed; will retry next interval");
    return null;
  }
  const registrations = await github.listRunners(scaleSetId).catch((error: unknown) => {
    logger.warn({ err: error }, "reconcile: listing runners failed; judging machines only");
    return null;
  });
  return { machines, registrations };
}
