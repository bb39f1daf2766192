/**
 * What `scaleset doctor` finds for one scale set: its machines (every scope), its registrations
 * and its session, and what is wrong. The judgement is the scaler's own reconciliation pass
 * (`assessReconcile`: list, trust the listing or not, plan, confirm by name) with no records —
 * this process tracks no runner — so doctor never calls something orphaned that a live scaler
 * would keep, or the other way round.
 */
import pino from "pino";
import type { ScaleSetConfig } from "../config/types.js";
import type { Engine, Machine } from "../engines/engine.js";
import type { ActionsClient } from "../github/index.js";
import type { RunnerReference } from "../github/types.js";
import type { ScalerEvent } from "../scaler/events.js";
import type { ScalerGitHubApi } from "../scaler/provision.js";
import { type Assessment, assessReconcile } from "../scaler/reconcile-assess.js";
import { ReconcileJudge } from "../scaler/reconcile-judge.js";
import type { MachineDeleteReason } from "../scaler/reconcile-plan.js";
import type { MachineRow, Problem, ScaleSetReport } from "./doctor-report.js";
import {
  messageOf,
  probeSession,
  type SessionGitHub,
  type SessionProbe,
} from "./doctor-session.js";

export type DoctorGitHub = ScalerGitHubApi &
  SessionGitHub &
  Pick<ActionsClient, "getRunnerGroupByName" | "getScaleSetByName">;

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
  const now = deps.now();
  const { assessed, events, errors } = await assess(deps, scaleSetId, now);
  // After list(): an engine deletes only machines its own list returned (gcp: DeletableIds).
  const { machines } = assessed;
  const inventory = engine.inventory
    ? await engine.inventory(AbortSignal.timeout(deps.engineTimeoutMs))
    : machines;
  const listed = new Set(machines.map((m) => m.id));
  const others = inventory.filter((m) => !listed.has(m.id));
  const session: SessionProbe =
    scaleSetId === null
      ? { state: "no-scale-set" }
      : await probeSession(github, scaleSetId, deps.owner);

  const problems = judged(assessed, events, errors);
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
  const runnerNames = new Set(inventory.map((m) => m.runnerName));
  const { registrations } = assessed;
  const note = registrationsNote(scaleSetId, registrations, errors.get(LISTING));
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

const LIST = "list";
const LISTING = "listing";
const SILENT = pino({ level: "silent" });

/**
 * The scaler's own reconciliation pass, without records and without acting: what it would
 * adopt, delete, keep and leave. Its calls are wrapped only to keep their errors (the pass logs
 * them; doctor prints them) and to give the engine list a deadline.
 */
async function assess(deps: InspectDeps, scaleSetId: number | null, now: number) {
  const { config, github, engine } = deps;
  const errors = new Map<string, unknown>();
  const kept = <T>(key: string, call: Promise<T>): Promise<T> =>
    call.catch((error: unknown) => {
      errors.set(key, error);
      throw error;
    });
  const events: ScalerEvent[] = [];
  const assessed = await assessReconcile({
    engine: { list: () => kept(LIST, engine.list(AbortSignal.timeout(deps.engineTimeoutMs))) },
    github: {
      // A scale set GitHub does not have has no registrations.
      listRunners: (id) =>
        scaleSetId === null ? Promise.resolve([]) : kept(LISTING, github.listRunners(id)),
      getRunnerByName: (name) => kept(name, github.getRunnerByName(name)),
      getRunner: (id) => github.getRunner(id),
    },
    scaleSetId: scaleSetId ?? 0,
    logger: SILENT,
    judge: new ReconcileJudge(SILENT, (event) => events.push(event)),
    now,
    maxLifetimeMs: config.maxRunnerLifetime,
    bootTimeoutMs: config.bootTimeout,
    settleMs: 0,
    records: [],
  });
  if (!assessed) throw new Error(`could not list the machines: ${messageOf(errors.get(LIST))}`);
  return { assessed, events, errors };
}

/** The assessment as problems: what the scaler would delete, remove, keep or leave alone. */
function judged(
  { machines, plan, verdicts }: Assessment,
  events: readonly ScalerEvent[],
  errors: ReadonlyMap<string, unknown>,
): Problem[] {
  // Powered off or past its lifetime: proof enough whatever GitHub's listing said about it.
  const problems: Problem[] = plan.deleteMachines.map(({ machine, runnerId, reason }) =>
    machineProblem(machine, reason, runnerId, false),
  );
  for (const { machine, runnerId, reason } of verdicts.delete)
    problems.push(machineProblem(machine, reason, runnerId, true));
  const byId = new Map(machines.map((m) => [m.id, m]));
  for (const event of events) {
    if (event.type !== "reconcile" || (event.action !== "keep" && event.action !== "leave"))
      continue;
    const machine = byId.get(event.machineId ?? "");
    const about = { machine: event.machineId, runner: event.runner, fix: "none" as const };
    if (event.reason === "other-scale-set")
      problems.push({ ...about, kind: "other-scale-set", detail: FOREIGN_RUNNER });
    else if (event.reason === "unscoped-unregistered")
      problems.push({ ...about, kind: "unscoped-unregistered", detail: UNSCOPED });
    else if (machine) {
      const why = errors.get(machine.runnerName);
      problems.push({
        ...about,
        kind: "unconfirmed",
        detail: `GitHub could not be asked about its runner${why ? ` (${messageOf(why)})` : ""}; run doctor again`,
      });
    }
  }
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

function registrationsNote(
  scaleSetId: number | null,
  registrations: readonly RunnerReference[] | null,
  listingError: unknown,
): string | undefined {
  if (scaleSetId === null) return "the scale set does not exist on GitHub";
  if (registrations !== null) return undefined;
  const why =
    listingError !== undefined
      ? `GitHub's runner listing failed (${messageOf(listingError)})`
      : "GitHub's runner listing is empty or incomplete while machines exist: not trusted";
  return `${why}; each machine was asked about by name, registrations were not judged`;
}

const FOREIGN_RUNNER = "its runner is registered with another scale set: left alone";
const UNSCOPED =
  "no deployment label and GitHub does not know its runner as this scale set's: left alone (the scaler leaves it too); delete it by hand, or label it scaleset-deployment, if it is this deployment's";

/** `byName`: GitHub was asked about the runner by name (a verdict), not only the listing. */
function machineProblem(
  machine: Machine,
  reason: MachineDeleteReason,
  runnerId: number | undefined,
  byName: boolean,
): Problem {
  let evidence = runnerId !== undefined ? `runner id ${runnerId}` : "not in GitHub's listing";
  // A verdict without a runner id: GitHub answered that no runner has this name.
  if (byName && runnerId === undefined)
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
