import type { Machine } from "../engines/engine.js";
import type { RunnerReference } from "../github/types.js";
import type { ScalerGitHubApi } from "./provision.js";
import {
  deleteReason,
  type MachineDeleteReason,
  type ReconcileInput,
  stateFromRegistration,
} from "./reconcile-plan.js";
import type { RunnerState } from "./runner-record.js";

/**
 * What GitHub says about one runner name, asked through the routes GitHub's own SDK uses (by
 * name, and by id when known) rather than the undocumented unfiltered listing.
 * - `absent`: every lookup answered "no such runner": proof that no job runs under that name.
 * - `ours` / `foreign`: registered, in this scale set or another one.
 * - `unknown`: a lookup failed, or the answer lacks the scale set id: judge again later.
 */
export type Confirmation =
  | { kind: "absent" }
  | { kind: "ours"; registration: RunnerReference }
  | { kind: "foreign"; registration: RunnerReference }
  | { kind: "unknown"; error?: unknown };

export async function confirmRegistration(
  github: Pick<ScalerGitHubApi, "getRunnerByName" | "getRunner">,
  scaleSetId: number,
  name: string,
  runnerId?: number,
): Promise<Confirmation> {
  try {
    const found =
      (await github.getRunnerByName(name)) ??
      (runnerId !== undefined ? await github.getRunner(runnerId) : null);
    if (!found) return { kind: "absent" };
    if (!(found.runnerScaleSetId > 0)) return { kind: "unknown" };
    return found.runnerScaleSetId === scaleSetId
      ? { kind: "ours", registration: found }
      : { kind: "foreign", registration: found };
  } catch (error) {
    return { kind: "unknown", error };
  }
}

/**
 * What to do with a machine the runner listing did not explain, once GitHub answered by name:
 * the one judgement shared by reconciliation and `scaleset doctor`.
 * - delete: GitHub has no such runner (proof that nothing runs on it), or the runner is ours and
 *   the machine is powered off or past its lifetime. An unscoped machine (older version, maybe
 *   another deployment's) is never deleted for being unknown: it is left.
 * - adopt: the runner is ours and the machine healthy.
 * - leave: not ours to judge (unscoped and unknown to GitHub, or another scale set's runner).
 * - keep: GitHub could not say; judged again later.
 */
export type ConfirmVerdict =
  | { action: "delete"; runnerId?: number; reason: MachineDeleteReason }
  | { action: "adopt"; runnerId: number; state: RunnerState }
  | { action: "leave"; reason: "unscoped-unregistered" | "other-scale-set" }
  | { action: "keep"; reason: "registration-unknown"; error?: unknown };

export function judgeConfirmation(
  machine: Machine,
  answer: Confirmation,
  input: Pick<ReconcileInput, "now" | "maxLifetimeMs">,
): ConfirmVerdict {
  switch (answer.kind) {
    case "absent":
      if (machine.deployment === undefined)
        return { action: "leave", reason: "unscoped-unregistered" };
      return { action: "delete", reason: deleteReason(machine, input) ?? "no-registration" };
    case "ours": {
      const runnerId = answer.registration.id;
      const reason = deleteReason(machine, input);
      if (reason) return { action: "delete", runnerId, reason };
      return { action: "adopt", runnerId, state: stateFromRegistration(answer.registration) };
    }
    case "foreign":
      return { action: "leave", reason: "other-scale-set" };
    case "unknown":
      return { action: "keep", reason: "registration-unknown", error: answer.error };
  }
}
