import type { Logger } from "pino";
import type { Engine } from "../engines/engine.js";
import { JobStillRunningError } from "../github/errors.js";
import type { RunnerReference } from "../github/types.js";
import { backoffDelay, sleep } from "../util/sleep.js";
import type { ScalerEvent } from "./events.js";
import type { ScalerGitHubApi } from "./provision.js";
import type { RunnerRecord } from "./runner-record.js";

export type TeardownReason =
  | "job-completed"
  | "idle-timeout"
  | "stopped"
  | "max-lifetime"
  | "no-registration"
  | "boot-timeout"
  | "machine-missing";

export interface TeardownDeps {
  github: ScalerGitHubApi;
  engine: Engine;
  logger: Logger;
  emit: (event: ScalerEvent) => void;
  deleteAttempts?: number;
  retryBaseMs?: number;
}

/**
 * Deletes a runner's machine and registration. A runner that may still be idle loses its
 * registration first (so no job lands on a machine being deleted); one whose job is over loses
 * its machine first (the registration is usually gone already, ephemeral).
 */
export async function teardownRunner(
  record: RunnerRecord,
  reason: TeardownReason,
  deps: TeardownDeps,
  /**
   * Registration first whatever the reason: `scaleset doctor` does not delete a busy runner's
   * machine even past max_runner_lifetime, which the scaler does (the operator's own limit).
   */
  options: { registrationFirst?: boolean } = {},
): Promise<"done" | "still-running" | "machine-left" | "unconfirmed"> {
  const registrationFirst = options.registrationFirst ?? REGISTRATION_FIRST.has(reason);
  if (registrationFirst) {
    // The registration's removal is the proof: GitHub refuses it while a job runs.
    if (record.runnerId === undefined) {
      const found = await findRegistration(record, deps);
      if (found === "unknown") return "unconfirmed";
    }
    const removed = await removeRegistration(record, reason, deps);
    if (removed === "still-running") return "still-running";
    if (removed === "failed") return "unconfirmed";
  }
  const machineGone = await deleteMachine(record, reason, deps);
  if (!registrationFirst) await removeRegistration(record, reason, deps);
  return machineGone ? "done" : "machine-left";
}

/**
 * Reasons that say nothing about whether a job runs on the machine: its registration goes first,
 * and the machine only once GitHub agreed to remove it (a busy runner's removal is refused).
 */
const REGISTRATION_FIRST: ReadonlySet<TeardownReason> = new Set([
  "idle-timeout",
  "boot-timeout",
  "machine-missing",
]);

/** Learns an adopted runner's id by name; "unknown" when GitHub could not be asked. */
async function findRegistration(
  record: RunnerRecord,
  deps: TeardownDeps,
): Promise<"found" | "absent" | "unknown"> {
  try {
    const found = await deps.github.getRunnerByName(record.name);
    if (!found) return "absent";
    record.runnerId = found.id;
    return "found";
  } catch (error) {
    deps.logger.warn(
      { err: error, runner: record.name },
      "could not look up the runner's registration; machine kept, judged again later",
    );
    return "unknown";
  }
}

async function removeRegistration(
  record: RunnerRecord,
  reason: string,
  deps: TeardownDeps,
): Promise<"removed" | "still-running" | "failed"> {
  if (record.runnerId === undefined) return "removed";
  try {
    await removeAndReport({ name: record.name, id: record.runnerId }, reason, deps);
    return "removed";
  } catch (error) {
    if (error instanceof JobStillRunningError) {
      deps.logger.info(
        { runner: record.name },
        "runner picked up a job while being scaled down; kept",
      );
      return "still-running";
    }
    deps.logger.warn({ err: error, runner: record.name }, "removing runner registration failed");
    return "failed";
  }
}

async function deleteMachine(
  record: RunnerRecord,
  reason: string,
  deps: TeardownDeps,
): Promise<boolean> {
  const machineId = record.machineId;
  if (machineId === undefined) return true;
  const attempts = deps.deleteAttempts ?? 5;
  for (let attempt = 0; attempt < attempts; attempt++) {
    try {
      await deps.engine.delete(machineId);
      deps.emit({ type: "machine-deleted", runner: record.name, machineId, reason });
      return true;
    } catch (error) {
      deps.logger.warn(
        { err: error, runner: record.name, machine: machineId, attempt },
        "machine delete failed",
      );
      if (attempt + 1 < attempts) {
        await sleep(
          backoffDelay(attempt, { baseMs: deps.retryBaseMs ?? 1000, maxMs: 30_000, jitter: 0.2 }),
        );
      }
    }
  }
  // Reconciliation finds the machine again (no registration) and deletes it.
  return false;
}

/** Removes a registration that has no machine and no runner being provisioned (a ghost). */
export async function removeGhostRegistration(
  registration: RunnerReference,
  deps: TeardownDeps,
): Promise<void> {
  try {
    await removeAndReport(registration, "ghost", deps);
  } catch (error) {
    deps.logger.warn(
      { err: error, runner: registration.name },
      "removing ghost registration failed",
    );
  }
}

/** Removes a runner's registration and reports it (not found counts as removed); throws otherwise. */
export async function removeAndReport(
  runner: { name: string; id: number },
  reason: string,
  deps: Pick<TeardownDeps, "github" | "emit">,
): Promise<void> {
  await deps.github.removeRunner(runner.id);
  deps.emit({ type: "registration-removed", runner: runner.name, runnerId: runner.id, reason });
}
