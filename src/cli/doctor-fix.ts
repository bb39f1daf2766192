/**
 * `scaleset doctor --fix`: deletes exactly what the inspection listed as orphaned, through the
 * scaler's own teardown, and says what it did with each. A machine goes only on proof that
 * nothing runs on it: GitHub confirmed its runner absent by name, or it is powered off, or it is
 * past max_runner_lifetime *and* GitHub accepted its registration's removal (a busy runner's is
 * refused). Another deployment's machines and what could not be judged are never touched.
 */
import pino from "pino";
import type { Engine } from "../engines/engine.js";
import { JobStillRunningError } from "../github/errors.js";
import type { ScalerEvent } from "../scaler/events.js";
import type { ScalerGitHubApi } from "../scaler/provision.js";
import { newRunnerRecord } from "../scaler/runner-record.js";
import { removeAndReport, type TeardownDeps, teardownRunner } from "../scaler/teardown.js";
import { ConcurrencyLimiter } from "../util/limiter.js";
import type { Inspection } from "./doctor-inspect.js";
import type { Problem } from "./doctor-report.js";
import { messageOf } from "./doctor-session.js";

export interface FixAction {
  /** The problem acted on (machine id, or the registration's runner name). */
  target: string;
  outcome: "done" | "kept" | "failed";
  /** One line per thing done or not done: "deleted machine X (runner Y): …". */
  lines: string[];
}

export interface FixDeps {
  github: ScalerGitHubApi;
  engine: Engine;
  now: () => number;
  /** Called as each problem is dealt with, so actions are printed as they happen. */
  onAction?: (action: FixAction) => void;
}

/** Deletes at once: a CLI run should not take minutes. */
const FIX_CONCURRENCY = 4;

export async function fixScaleSet(inspection: Inspection, deps: FixDeps): Promise<FixAction[]> {
  const limiter = new ConcurrencyLimiter(FIX_CONCURRENCY);
  const actions: FixAction[] = [];
  const fixable = inspection.report.problems.filter((p) => p.fix !== "none");
  await Promise.all(
    fixable.map((problem) =>
      limiter.run(async () => {
        const action =
          problem.fix === "delete-machine"
            ? await deleteMachine(problem, inspection, deps)
            : await removeRegistration(problem, deps);
        actions.push(action);
        deps.onAction?.(action);
      }),
    ),
  );
  return actions;
}

async function deleteMachine(
  problem: Problem,
  inspection: Inspection,
  deps: FixDeps,
): Promise<FixAction> {
  const target = problem.machine ?? "";
  const machine = inspection.machines.get(target);
  const runner = problem.runner ?? machine?.runnerName ?? "?";
  const what = `machine ${target} (runner ${runner})`;
  if (!machine) return { target, outcome: "failed", lines: [`not deleting ${what}: not found`] };
  const lines: string[] = [];
  const errors = new Map<string, unknown>();
  const record = {
    ...newRunnerRecord(runner, deps.now()),
    adopted: true,
    machineId: machine.id,
    ...(problem.runnerId !== undefined ? { runnerId: problem.runnerId } : {}),
  };
  const result = await teardownRunner(
    record,
    reasonOf(problem),
    teardownDeps(deps, errors, (event) => {
      if (event.type === "machine-deleted") lines.push(`deleted ${what}: ${problem.detail}`);
      if (event.type === "registration-removed")
        lines.push(
          `removed registration ${event.runner} (id ${event.runnerId}): ${problem.detail}`,
        );
    }),
    // Past its lifetime is no proof that the runner is idle: its registration must go first.
    { registrationFirst: problem.kind === "max-lifetime" },
  );
  switch (result) {
    case "done":
      return { target, outcome: "done", lines };
    case "still-running":
      lines.push(
        `kept ${what}: its runner is busy (GitHub refused to remove its registration: a job is running)`,
      );
      return { target, outcome: "kept", lines };
    case "unconfirmed": {
      const why = errors.get("github");
      lines.push(
        `kept ${what}: GitHub could not confirm its runner is idle${why ? ` (${messageOf(why)})` : ""}`,
      );
      return { target, outcome: "kept", lines };
    }
    case "machine-left":
      lines.push(`could not delete ${what}: ${messageOf(errors.get("engine"))}`);
      return { target, outcome: "failed", lines };
  }
}

async function removeRegistration(problem: Problem, deps: FixDeps): Promise<FixAction> {
  const target = problem.runner ?? "";
  const what = `registration ${target} (id ${problem.runnerId ?? "?"})`;
  if (problem.runnerId === undefined)
    return { target, outcome: "failed", lines: [`not removing ${what}: no id`] };
  try {
    await removeAndReport({ name: target, id: problem.runnerId }, "no-machine", {
      github: deps.github,
      emit: () => undefined,
    });
    return { target, outcome: "done", lines: [`removed ${what}: ${problem.detail}`] };
  } catch (error) {
    if (error instanceof JobStillRunningError)
      return {
        target,
        outcome: "kept",
        lines: [`kept ${what}: its runner is busy (GitHub refused: a job is running)`],
      };
    return {
      target,
      outcome: "failed",
      lines: [`could not remove ${what}: ${messageOf(error)}`],
    };
  }
}

function reasonOf(problem: Problem) {
  switch (problem.kind) {
    case "stopped":
    case "max-lifetime":
    case "no-registration":
    case "boot-timeout":
      return problem.kind;
    default:
      throw new Error(`doctor: ${problem.kind} is not a machine to delete`);
  }
}

/**
 * The teardown's dependencies, quiet: what happened is printed from its events and its result,
 * and the last error of each side is kept here to say why something was left.
 */
function teardownDeps(
  deps: FixDeps,
  errors: Map<string, unknown>,
  emit: (event: ScalerEvent) => void,
): TeardownDeps {
  const remember = <T>(side: string, call: () => Promise<T>): Promise<T> =>
    call().catch((error: unknown) => {
      errors.set(side, error);
      throw error;
    });
  const { github, engine } = deps;
  return {
    github: {
      generateJitConfig: (id, name) => github.generateJitConfig(id, name),
      getRunner: (id) => github.getRunner(id),
      listRunners: (id) => github.listRunners(id),
      getRunnerByName: (name) => remember("github", () => github.getRunnerByName(name)),
      removeRunner: (id) => remember("github", () => github.removeRunner(id)),
    },
    engine: {
      type: engine.type,
      create: (request, signal) => engine.create(request, signal),
      delete: (id, signal) => remember("engine", () => engine.delete(id, signal)),
      list: (signal) => engine.list(signal),
      close: () => engine.close(),
    },
    logger: pino({ level: "silent" }),
    emit,
    deleteAttempts: 2,
  };
}
