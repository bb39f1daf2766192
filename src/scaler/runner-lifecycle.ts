import type { Machine } from "../engines/engine.js";
import type { RunnerReference } from "../github/types.js";
import type { ConcurrencyLimiter } from "../util/limiter.js";
import type { CreateBackoff } from "./create-backoff.js";
import type { RunnerPhase, ScalerEvent } from "./events.js";
import { provisionRunner } from "./provision.js";
import type { RunnerRecord, RunnerState } from "./runner-record.js";
import { makeRunnerName, newRunnerRecord } from "./runner-record.js";
import type { RunnerTable } from "./runner-table.js";
import type { ScalerOptions } from "./scaler-types.js";
import {
  removeGhostRegistration,
  type TeardownDeps,
  type TeardownReason,
  teardownRunner,
} from "./teardown.js";

/** What a runner's lifecycle needs from the scaler that owns it. */
export interface LifecycleDeps {
  options: ScalerOptions;
  runners: RunnerTable;
  creates: ConcurrencyLimiter;
  deletes: ConcurrencyLimiter;
  backoff: CreateBackoff;
  /** Machines found powered off at the last reconciliation and not deleted since. */
  stopped: Set<string>;
  /** The scale set's current id (it changes when the scale set is recreated). */
  scaleSetId: () => number;
  now: () => number;
  emit: (event: ScalerEvent) => void;
  /** Asks the owner to re-evaluate the runner count once a teardown frees a slot. */
  evaluateSoon: () => void;
}

/**
 * One runner from creation to deletion: provisions it in the background with bounded
 * concurrency, moves it through its states, and tears it down with the evidence teardown.ts
 * asks for. The scaler decides how many; this decides how.
 */
export class RunnerLifecycle {
  readonly #d: LifecycleDeps;

  constructor(deps: LifecycleDeps) {
    this.#d = deps;
  }

  /** Adds a runner and queues its provisioning. */
  scaleUp(now: number): void {
    const { runners, options, creates } = this.#d;
    const record = runners.add(newRunnerRecord(makeRunnerName(options.scaleSetName), now));
    void creates.run(() => this.#provision(record));
  }

  /** Queues a runner's teardown unless it is already going (or not yet created). */
  retire(record: RunnerRecord, reason: TeardownReason): void {
    if (record.state === "deleting") return;
    if (record.state === "pending" && !record.adopted && !record.machineId) {
      record.cancelled = true; // its provisioning task cleans up once it returns
      return;
    }
    this.move(record, "deleting");
    void this.#d.deletes.run(async () => {
      const result = await this.#inPhase(
        record.name,
        "teardown",
        () => teardownRunner(record, reason, this.#teardownDeps()),
        reason,
      );
      if (result === "still-running") {
        this.move(record, "busy");
        return;
      }
      if (result === "unconfirmed") {
        this.move(record, "booting"); // kept until GitHub can say it is idle
        return;
      }
      if (record.machineId) this.#d.stopped.delete(record.machineId);
      this.#d.runners.drop(record);
      this.#d.evaluateSoon();
    });
  }

  /** A job completed on a runner this process does not know: find it by name and retire it. */
  retireUnknown(runnerName: string, runnerId: number): void {
    void this.#d.deletes.run(async () => {
      const machines = await this.#d.options.engine.list().catch(() => [] as Machine[]);
      const machine = machines.find((m) => m.runnerName === runnerName);
      if (!machine && !runnerId) return;
      const record = this.adopt(runnerName, {
        machineId: machine?.id,
        runnerId: runnerId || undefined,
      });
      this.retire(record, "job-completed");
    });
  }

  /** Queues the removal of a registration no machine stands behind. */
  removeGhost(registration: RunnerReference): void {
    void this.#d.deletes.run(() => removeGhostRegistration(registration, this.#teardownDeps()));
  }

  /** A machine powered off before its runner came online: counts against creating more. */
  bootFailed(runner: string): void {
    const hint =
      "runner VMs stop without registering: check the image, the metadata/user-data key, the runner version";
    this.#d.options.logger.warn({ runner, reason: "boot-failure" }, hint);
    this.#d.emit({ type: "boot-failed", runner });
    this.#d.backoff.failed({
      code: "BOOT_FAILURE",
      message: hint,
      stage: "boot",
      retryable: false,
    });
  }

  adopt(name: string, known: Pick<RunnerRecord, "machineId" | "runnerId">): RunnerRecord {
    return this.#d.runners.adopt(name, known, this.#d.now());
  }

  move(record: RunnerRecord, to: RunnerState): void {
    this.#d.runners.move(record, to, this.#d.now());
    if (to === "idle" || to === "busy") this.#d.backoff.online();
  }

  async #provision(record: RunnerRecord): Promise<void> {
    const o = this.#d.options;
    const outcome = await this.#inPhase(record.name, "provision", () =>
      provisionRunner(record, {
        github: o.github,
        engine: o.engine,
        scaleSetId: this.#d.scaleSetId(),
        scaleSetName: o.scaleSetName,
        labels: o.labels,
        logger: o.logger,
        now: this.#d.now,
        emit: this.#d.emit,
        capacity: o.capacity,
      }),
    );
    if (outcome.kind === "created") {
      this.#d.backoff.created();
      this.move(record, "booting");
      if (record.cancelled) this.retire(record, "idle-timeout");
      return;
    }
    this.#d.runners.drop(record);
    if (outcome.kind === "failed") this.#d.backoff.failed(outcome.failure);
  }

  /** Runs a runner's cloud/GitHub work inside its telemetry span, when telemetry is on. */
  #inPhase<T>(
    runner: string,
    phase: RunnerPhase,
    work: () => Promise<T>,
    reason?: string,
  ): Promise<T> {
    const tracing = this.#d.options.tracing;
    return tracing ? tracing.runnerPhase(runner, phase, work, reason) : work();
  }

  #teardownDeps(): TeardownDeps {
    const o = this.#d.options;
    return { github: o.github, engine: o.engine, logger: o.logger, emit: this.#d.emit };
  }
}
