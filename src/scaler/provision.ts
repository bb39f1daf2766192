import type { Logger } from "pino";
import { type CapacityPreference, type Engine, EngineError } from "../engines/engine.js";
import { RunnerExistsError, redactSecrets } from "../github/errors.js";
import type { JitRunnerConfig, RunnerReference } from "../github/types.js";
import type { CreateFailure } from "./create-backoff.js";
import type { ScalerEvent } from "./events.js";
import type { RunnerRecord } from "./runner-record.js";
import { removeAndReport } from "./teardown.js";

/** The part of the GitHub client the scaler needs. */
export interface ScalerGitHubApi {
  generateJitConfig(scaleSetId: number, runnerName: string): Promise<JitRunnerConfig>;
  getRunnerByName(name: string): Promise<RunnerReference | null>;
  /** null when GitHub answers that no runner has this id. */
  getRunner(runnerId: number): Promise<RunnerReference | null>;
  removeRunner(runnerId: number): Promise<void>;
  listRunners(scaleSetId: number): Promise<RunnerReference[]>;
}

export interface ProvisionDeps {
  github: ScalerGitHubApi;
  engine: Engine;
  scaleSetId: number;
  scaleSetName: string;
  labels: readonly string[];
  logger: Logger;
  now: () => number;
  emit: (event: ScalerEvent) => void;
  /** Where this runner must not be spot (the spot circuit breaker, a re-run); asked per create. */
  capacity?: () => CapacityPreference | undefined;
}

export type ProvisionOutcome =
  | { kind: "created" }
  | { kind: "cancelled" }
  | { kind: "failed"; failure: Omit<CreateFailure, "at"> };

/**
 * Creating a runner is "generate its JIT config, then create its machine". A failure after the
 * registration exists removes the registration again, so a cloud error never leaves a ghost.
 */
export async function provisionRunner(
  record: RunnerRecord,
  deps: ProvisionDeps,
): Promise<ProvisionOutcome> {
  if (record.cancelled) return { kind: "cancelled" };
  let jit: JitRunnerConfig;
  const jitStart = deps.now();
  try {
    jit = await generateJit(record.name, deps);
  } catch (error) {
    return fail(record, "jit", error, deps);
  }
  record.runnerId = jit.runner.id;
  if (record.cancelled) {
    await removeQuietly(record, "cancelled", deps);
    return { kind: "cancelled" };
  }
  deps.emit({
    type: "create-called",
    runner: record.name,
    latencyMs: deps.now() - record.requestedAt,
    jitMs: deps.now() - jitStart,
  });
  try {
    const capacity = deps.capacity?.();
    const machine = await deps.engine.create({
      runnerName: record.name,
      jitConfig: jit.encodedJITConfig,
      scaleSetId: deps.scaleSetId,
      scaleSetName: deps.scaleSetName,
      labels: deps.labels,
      ...(capacity ? { capacity } : {}),
    });
    record.machineId = machine.id;
    deps.emit({
      type: "machine-created",
      runner: record.name,
      machineId: machine.id,
      location: machine.location,
      capacity: machine.capacity,
      machineType: machine.machineType,
      diskGb: machine.diskGb,
    });
    return { kind: "created" };
  } catch (error) {
    await removeQuietly(record, "create-failed", deps);
    return fail(record, "engine", error, deps, jit.encodedJITConfig);
  }
}

async function generateJit(name: string, deps: ProvisionDeps): Promise<JitRunnerConfig> {
  try {
    return await deps.github.generateJitConfig(deps.scaleSetId, name);
  } catch (error) {
    if (!(error instanceof RunnerExistsError)) throw error;
    // A replayed POST (lost response) or a leftover: ours → remove and retry once; theirs → fail.
    const existing = await deps.github.getRunnerByName(name);
    if (existing && existing.runnerScaleSetId !== deps.scaleSetId) {
      throw new EngineError(`runner name ${name} belongs to another scale set`, {
        code: "NAME_TAKEN",
        retryable: false,
      });
    }
    if (existing) await deps.github.removeRunner(existing.id);
    return await deps.github.generateJitConfig(deps.scaleSetId, name);
  }
}

async function removeQuietly(
  record: RunnerRecord,
  reason: string,
  deps: ProvisionDeps,
): Promise<void> {
  if (record.runnerId === undefined) return;
  try {
    await removeAndReport({ name: record.name, id: record.runnerId }, reason, deps);
  } catch (error) {
    // Reconciliation removes it later as a registration without a machine.
    deps.logger.warn(
      { err: error, runner: record.name },
      "could not remove registration after failed create",
    );
  }
}

function fail(
  record: RunnerRecord,
  stage: "jit" | "engine",
  error: unknown,
  deps: ProvisionDeps,
  secret?: string,
): ProvisionOutcome {
  const retryable = error instanceof EngineError ? error.retryable : true;
  const code =
    error instanceof EngineError ? error.code : stage === "jit" ? "GITHUB_ERROR" : "UNKNOWN";
  const fix = error instanceof EngineError ? error.fix : undefined;
  // Shown on /status: never the JIT config, a token or a JWT, whatever an SDK put in its message.
  const raw = error instanceof Error ? error.message : String(error);
  const message = redactSecrets(raw, secret ? [secret] : []).slice(0, 300);
  // The error itself is not logged: its message and stack may quote the request (JIT config).
  const err = { type: error instanceof Error ? error.name : typeof error, message };
  deps.logger.warn(
    { err, runner: record.name, stage, code, retryable, ...(fix ? { fix } : {}) },
    fix ? `runner create failed (${code}): ${fix}` : `runner create failed (${code})`,
  );
  deps.emit({ type: "create-failed", runner: record.name, code, retryable, stage });
  return { kind: "failed", failure: { code, message, fix, stage, retryable } };
}
