import type { Logger } from "pino";
import type { Engine, Machine } from "../engines/engine.js";
import type { RunnerReference } from "../github/types.js";
import type { ScalerGitHubApi } from "./provision.js";
import type { ReconcileJudge, Verdicts } from "./reconcile-judge.js";
import { listCloudAndGitHub } from "./reconcile-list.js";
import { planReconcile, type ReconcilePlan, trustedRegistrations } from "./reconcile-plan.js";
import type { RunnerRecord } from "./runner-record.js";

export interface AssessDeps {
  engine: Pick<Engine, "list">;
  github: Pick<ScalerGitHubApi, "listRunners" | "getRunnerByName" | "getRunner">;
  scaleSetId: number;
  logger: Logger;
  judge: ReconcileJudge;
  now: number;
  maxLifetimeMs: number;
  bootTimeoutMs: number;
  settleMs: number;
  /** The scaler's own runners (none for a one-off look such as `scaleset doctor`). */
  records: readonly RunnerRecord[];
}

/** What one reconciliation pass found and decided, before anything is done about it. */
export interface Assessment {
  machines: Machine[];
  /** The runner listing as evidence, or null when unknown (see `trustedRegistrations`). */
  registrations: readonly RunnerReference[] | null;
  plan: ReconcilePlan;
  /** GitHub's answers by name for the machines the listing did not explain. */
  verdicts: Verdicts;
}

/**
 * Lists machines and registrations, plans, and confirms the unexplained machines by name: the
 * judgement of a reconciliation pass, shared by the scaler (which then acts on it) and by
 * `scaleset doctor` (which shows it). null when the machines could not be listed.
 */
export async function assessReconcile(deps: AssessDeps): Promise<Assessment | null> {
  const found = await listCloudAndGitHub(deps.engine, deps.github, deps.scaleSetId, deps.logger);
  if (!found) return null;
  const { machines } = found;
  const registrations = trustedRegistrations(found.registrations, machines.length);
  if (found.registrations && !registrations) {
    deps.logger.info(
      { listed: found.registrations.length, machines: machines.length },
      "reconcile: the runner listing is not trusted (empty or incomplete); each unknown machine is confirmed by name",
    );
  }
  const plan = planReconcile({
    now: deps.now,
    machines,
    registrations,
    records: deps.records,
    maxLifetimeMs: deps.maxLifetimeMs,
    bootTimeoutMs: deps.bootTimeoutMs,
    settleMs: deps.settleMs,
  });
  const known = new Set(deps.records.map((r) => r.name));
  const verdicts = await deps.judge.confirm(plan.confirm, {
    github: deps.github,
    scaleSetId: deps.scaleSetId,
    now: deps.now,
    maxLifetimeMs: deps.maxLifetimeMs,
    known: (name) => known.has(name),
  });
  return { machines, registrations, plan, verdicts };
}
