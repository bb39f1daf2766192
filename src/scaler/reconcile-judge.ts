import type { Logger } from "pino";
import type { Machine } from "../engines/engine.js";
import type { RunnerReference } from "../github/types.js";
import { ConcurrencyLimiter } from "../util/limiter.js";
import { confirmRegistration, judgeConfirmation } from "./confirm-registration.js";
import type { ReconcileAction, ScalerEvent } from "./events.js";
import type { ScalerGitHubApi } from "./provision.js";
import type { MachineDeleteReason } from "./reconcile-plan.js";
import type { RunnerState } from "./runner-record.js";

export interface ConfirmContext {
  github: Pick<ScalerGitHubApi, "getRunnerByName" | "getRunner">;
  scaleSetId: number;
  now: number;
  maxLifetimeMs: number;
  /** True when the scaler tracks this runner by now (a message named it meanwhile). */
  known: (runnerName: string) => boolean;
}

export interface Verdicts {
  adopt: Array<{ machine: Machine; runnerId?: number; state: RunnerState }>;
  delete: Array<{ machine: Machine; runnerId?: number; reason: MachineDeleteReason }>;
}

/** Lookups in flight at once: a restart with hundreds of machines must not flood GitHub. */
const CONFIRM_CONCURRENCY = 8;

/**
 * Decides about machines that the runner listing did not explain, by asking GitHub by name, and
 * reports every adopt, delete, keep and leave of reconciliation (an info log line and an event
 * for the `scaleset.reconcile.actions` counter). Machines kept or left are logged once each.
 */
export class ReconcileJudge {
  #told = new Set<string>();

  constructor(
    private readonly logger: Logger,
    private readonly emit: (event: ScalerEvent) => void,
  ) {}

  async confirm(machines: readonly Machine[], ctx: ConfirmContext): Promise<Verdicts> {
    const verdicts: Verdicts = { adopt: [], delete: [] };
    const limiter = new ConcurrencyLimiter(CONFIRM_CONCURRENCY);
    const seen = new Set(machines.map((m) => m.id));
    for (const id of this.#told) if (!seen.has(id)) this.#told.delete(id);
    await Promise.all(
      machines.map((machine) =>
        limiter.run(async () => {
          if (ctx.known(machine.runnerName)) return;
          const answer = await confirmRegistration(ctx.github, ctx.scaleSetId, machine.runnerName);
          const verdict = judgeConfirmation(machine, answer, ctx);
          switch (verdict.action) {
            case "delete":
              verdicts.delete.push({ machine, runnerId: verdict.runnerId, reason: verdict.reason });
              return;
            case "adopt":
              verdicts.adopt.push({ machine, runnerId: verdict.runnerId, state: verdict.state });
              return;
            case "leave":
              this.#once("leave", verdict.reason, machine);
              return;
            case "keep":
              this.#once("keep", verdict.reason, machine, verdict.error);
              return;
          }
        }),
      ),
    );
    return verdicts;
  }

  /** An adopt or delete decided by reconciliation. */
  report(action: ReconcileAction, reason: string, machine: Machine, state?: RunnerState): void {
    this.logger.info(
      { runner: machine.runnerName, machine: machine.id, reason, ...(state ? { state } : {}) },
      action === "adopt" ? "reconcile: adopted machine" : "reconcile: deleting machine",
    );
    this.emit({
      type: "reconcile",
      action,
      reason,
      runner: machine.runnerName,
      machineId: machine.id,
    });
  }

  reportRegistration(registration: RunnerReference): void {
    this.logger.info(
      { runner: registration.name, runnerId: registration.id, reason: "no-machine" },
      "reconcile: removing registration without a machine",
    );
    this.emit({
      type: "reconcile",
      action: "remove-registration",
      reason: "no-machine",
      runner: registration.name,
    });
  }

  #once(action: "keep" | "leave", reason: string, machine: Machine, error?: unknown): void {
    if (this.#told.has(machine.id)) return;
    this.#told.add(machine.id);
    const fields = {
      runner: machine.runnerName,
      machine: machine.id,
      reason,
      ...(error ? { err: error } : {}),
    };
    if (action === "keep") {
      this.logger.info(
        fields,
        "reconcile: kept machine: GitHub could not confirm its runner; judged again next pass",
      );
    } else {
      this.logger.warn(
        fields,
        reason === "other-scale-set"
          ? "reconcile: machine left alone: its runner belongs to another scale set"
          : "reconcile: machine without a deployment label left alone: GitHub does not know its runner as this scale set's; delete it, or label it scaleset-deployment, if it is this deployment's",
      );
    }
    this.emit({
      type: "reconcile",
      action,
      reason,
      runner: machine.runnerName,
      machineId: machine.id,
    });
  }
}
