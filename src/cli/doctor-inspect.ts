/**
 * What `scaleset doctor` finds for one scale set: its machines (every scope), its registrations
 * and its session, and what is wrong. The judgement is the scaler's own — `planReconcile` with
 * no records (this process tracks no runner), `trustedRegistrations`, and `confirmRegistration`
 * with `judgeConfirmation` for machines the listing does not explain — so doctor never calls
 * something orphaned that a live scaler would keep, or the other way round.
 */
import type { ScaleSetConfig } from "../config/types.js";
import type { Engine, Machine } from "../engines/engine.js";
import type { ActionsClient } from "../github/index.js";
import type { RunnerReference } from "../github/types.js";
import { confirmRegistration, judgeConfirmation } from "../scaler/confirm-registration.js";
import type { ScalerGitHubApi } from "../scaler/provision.js";
import {
  type MachineDeleteReason,
  planReconcile,
  trustedRegistrations,
} from "../scaler/reconcile-plan.js";
import { ConcurrencyLimiter } from "../util/limiter.js";
import {
  messageOf,
  probeSession,
  type SessionGitHub,
  type SessionProbe,
} from "./doctor-session.js";

export type DoctorGitHub = ScalerGitHubApi &
  SessionGitHub &
  Pick<ActionsClient, "getRunnerGroupByName" | "getScaleSetByName">;

export type ProblemKind =
  | MachineDeleteReason
  | "no-machine"
  | "other-deployment"
  | "unscoped-unregistered"
  | "other-scale-set"
  | "unconfirmed"
  | "inspect-failed";

/** What `--fix` does about a problem; `none`: shown only, never touched. */
export type FixKind = "delete-machine" | "remove-registration" | "none";

export interface Problem {
  kind: ProblemKind;
  fix: FixKind;
  /** Machine id, for machine problems. */
  machine?: string;
  runner?: string;
  runnerId?: number;
  /** Why, in words: "no registration (confirmed by name)". */
  detail: string;
}

export interface MachineRow {
  id: string;
  runner: string;
  state: Machine["state"];
  createdAt: string;
  ageMs: number;
  /** The machine's deployment label; null when it has none (a version before scopes). */
  deployment: string | null;
  scope: "this" | "unscoped" | "other";
  location?: string;
}

export interface RegistrationRow {
  name: string;
  id: number;
  /** "online" / "offline" when GitHub said so (not in its SDK's types: may be absent). */
  status: string | null;
  busy: boolean | null;
  hasMachine: boolean;
}

export interface ScaleSetReport {
  name: string;
  engine: string;
  deployment: string;
  /** GitHub's id for the scale set; null when it does not exist there (never run). */
  scaleSetId: number | null;
  session: SessionProbe;
  machines: MachineRow[];
  /** Null when GitHub's listing failed or cannot be trusted (see `registrationsNote`). */
  registrations: RegistrationRow[] | null;
  registrationsNote?: string;
  problems: Problem[];
}

/** The report plus what `--fix` needs: the machines themselves, by id. */
export interface Inspection {
  report: ScaleSetReport;
  machines: ReadonlyMap<string, Machine>;
}

export interface InspectDeps {
  config: ScaleSetConfig;
  github: DoctorGitHub;
  engine: Engine;
  /** Owner name of the session probe. */
  owner: string;
  now: () => number;
  /** Deadline of each engine list. */
  engineTimeoutMs: number;
}

/** Problems that are only shown: another deployment's machines are not this one's business. */
export const INFORMATIONAL: ReadonlySet<ProblemKind> = new Set(["other-deployment"]);

/** Lookups by name in flight at once, as in reconciliation. */
const CONFIRM_CONCURRENCY = 8;

const REASON_TEXT: Record<MachineDeleteReason, string> = {
  stopped: "powered off",
  "max-lifetime": "past max_runner_lifetime",
  "no-registration": "no registration",
  "boot-timeout": "never came online",
};

export async function inspectScaleSet(deps: InspectDeps): Promise<Inspection> {
  const { config, github, engine } = deps;
  const group = await github.getRunnerGroupByName(config.runnerGroup);
  const scaleSet = await github.getScaleSetByName(group.id, config.name);
  const scaleSetId = scaleSet?.id ?? null;
  // list() first: an engine deletes only machines its own list returned (gcp: DeletableIds).
  const machines = await engine.list(AbortSignal.timeout(deps.engineTimeoutMs));
  const inventory = engine.inventory
    ? await engine.inventory(AbortSignal.timeout(deps.engineTimeoutMs))
    : machines;
  const listed = new Set(machines.map((m) => m.id));
  const others = inventory.filter((m) => !listed.has(m.id));
  let listing: RunnerReference[] | null = [];
  let note: string | undefined;
  if (scaleSetId !== null) {
    listing = await github.listRunners(scaleSetId).catch((error: unknown) => {
      note = `GitHub's runner listing failed (${messageOf(error)})`;
      return null;
    });
  }
  const registrations = trustedRegistrations(listing, machines.length);
  if (listing !== null && registrations === null)
    note = "GitHub's runner listing is empty or incomplete while machines exist: not trusted";
  if (note) note += "; each machine was asked about by name, registrations were not judged";
  const session: SessionProbe =
    scaleSetId === null
      ? { state: "no-scale-set" }
      : await probeSession(github, scaleSetId, deps.owner);

  const now = deps.now();
  const problems = await judge(deps, scaleSetId ?? 0, machines, registrations, now);
  const otherNames = new Set(others.map((m) => m.runnerName));
  for (const machine of others) {
    problems.push({
      kind: "other-deployment",
      fix: "none",
      machine: machine.id,
      runner: machine.runnerName,
      detail: `deployment ${machine.deployment ?? "?"}, not ${config.deployment}: listed only, never touched`,
    });
  }
  const runnerNames = new Set([...machines, ...others].map((m) => m.runnerName));
  const report: ScaleSetReport = {
    name: config.name,
    engine: engine.type,
    deployment: config.deployment,
    scaleSetId,
    session,
    machines: [...machines, ...others].map((m) => machineRow(m, config.deployment, now)),
    registrations:
      registrations?.map((r) => ({
        name: r.name,
        id: r.id,
        status: r.status ?? null,
        busy: r.busy ?? null,
        hasMachine: runnerNames.has(r.name),
      })) ?? null,
    ...(note ? { registrationsNote: note } : {}),
    // A registration whose machine is another deployment's is that deployment's to judge.
    problems: problems.filter((p) => !(p.kind === "no-machine" && otherNames.has(p.runner ?? ""))),
  };
  return { report, machines: new Map(inventory.map((m) => [m.id, m])) };
}

/** The scaler's judgement of this deployment's machines and the scale set's registrations. */
async function judge(
  deps: InspectDeps,
  scaleSetId: number,
  machines: readonly Machine[],
  registrations: readonly RunnerReference[] | null,
  now: number,
): Promise<Problem[]> {
  const { config } = deps;
  const plan = planReconcile({
    now,
    machines,
    registrations,
    records: [],
    maxLifetimeMs: config.maxRunnerLifetime,
    bootTimeoutMs: config.bootTimeout,
    settleMs: 0,
  });
  // Powered off or past its lifetime: proof enough whatever GitHub's listing said about it.
  const problems: Problem[] = plan.deleteMachines.map(({ machine, runnerId, reason }) =>
    machineProblem(machine, reason, runnerId),
  );
  const limiter = new ConcurrencyLimiter(CONFIRM_CONCURRENCY);
  const judged = await Promise.all(
    plan.confirm.map((machine) =>
      limiter.run(async () => {
        const answer = await confirmRegistration(deps.github, scaleSetId, machine.runnerName);
        const verdict = judgeConfirmation(machine, answer, {
          now,
          maxLifetimeMs: config.maxRunnerLifetime,
        });
        const about = { machine: machine.id, runner: machine.runnerName, fix: "none" as const };
        switch (verdict.action) {
          case "adopt":
            return null; // registered with this scale set, and healthy
          case "delete":
            return machineProblem(machine, verdict.reason, verdict.runnerId, answer.kind);
          case "leave":
            return verdict.reason === "other-scale-set"
              ? { ...about, kind: "other-scale-set" as const, detail: FOREIGN_RUNNER }
              : { ...about, kind: "unscoped-unregistered" as const, detail: UNSCOPED };
          case "keep":
            return {
              ...about,
              kind: "unconfirmed" as const,
              detail: `GitHub could not be asked about its runner (${messageOf(verdict.error)}); run doctor again`,
            };
        }
      }),
    ),
  );
  for (const problem of judged) if (problem) problems.push(problem);
  for (const registration of plan.removeRegistrations) {
    problems.push({
      kind: "no-machine",
      fix: "remove-registration",
      runner: registration.name,
      runnerId: registration.id,
      detail: "registration without a machine",
    });
  }
  return problems;
}

const FOREIGN_RUNNER = "its runner is registered with another scale set: left alone";
const UNSCOPED =
  "no deployment label and GitHub does not know its runner as this scale set's: left alone (the scaler leaves it too); delete it by hand, or label it scaleset-deployment, if it is this deployment's";

/** `answer`: what GitHub said when asked by name, when it was asked. */
function machineProblem(
  machine: Machine,
  reason: MachineDeleteReason,
  runnerId: number | undefined,
  answer?: "absent" | "ours" | "foreign" | "unknown",
): Problem {
  let evidence = runnerId !== undefined ? `runner id ${runnerId}` : "not in GitHub's listing";
  if (answer === "absent")
    evidence = reason === "no-registration" ? "confirmed by name" : "no registration, by name";
  return {
    kind: reason,
    fix: "delete-machine",
    machine: machine.id,
    runner: machine.runnerName,
    ...(runnerId !== undefined ? { runnerId } : {}),
    detail: `${REASON_TEXT[reason]} (${evidence})`,
  };
}

function machineRow(machine: Machine, deployment: string, now: number): MachineRow {
  const scope =
    machine.deployment === undefined
      ? "unscoped"
      : machine.deployment === deployment
        ? "this"
        : "other";
  return {
    id: machine.id,
    runner: machine.runnerName,
    state: machine.state,
    createdAt: machine.createdAt.toISOString(),
    ageMs: Math.max(0, now - machine.createdAt.getTime()),
    deployment: machine.deployment ?? null,
    scope,
    ...(machine.location ? { location: machine.location } : {}),
  };
}
