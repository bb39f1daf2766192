import type { ScalerEvent } from "./events.js";
import {
  newRunnerRecord,
  type RunnerRecord,
  type RunnerState,
  transition,
} from "./runner-record.js";

/**
 * The scaler's runners by name. Every change of membership or state goes through here, so the
 * observer (status, telemetry) sees each one exactly once.
 */
export class RunnerTable {
  readonly #records = new Map<string, RunnerRecord>();

  constructor(private readonly emit: (event: ScalerEvent) => void) {}

  get size(): number {
    return this.#records.size;
  }

  get(name: string): RunnerRecord | undefined {
    return this.#records.get(name);
  }

  has(name: string): boolean {
    return this.#records.has(name);
  }

  values(): IterableIterator<RunnerRecord> {
    return this.#records.values();
  }

  /** Tracks a runner this process is creating. */
  add(record: RunnerRecord): RunnerRecord {
    this.#records.set(record.name, record);
    this.emit({ type: "state", runner: record.name, from: null, to: "pending" });
    return record;
  }

  /** Tracks a runner this process did not create (found in the cloud or in a message). */
  adopt(
    name: string,
    known: Pick<RunnerRecord, "machineId" | "runnerId">,
    now: number,
  ): RunnerRecord {
    const record = { ...newRunnerRecord(name, now), ...known, adopted: true };
    this.#records.set(name, record);
    this.emit({ type: "state", runner: name, from: null, to: "pending", adopted: true });
    return record;
  }

  move(record: RunnerRecord, to: RunnerState, now: number): void {
    const from = transition(record, to, now);
    if (from !== to) this.emit({ type: "state", runner: record.name, from, to });
  }

  /** Forgets a runner (its machine and registration are gone, or were never made). */
  drop(record: RunnerRecord): void {
    if (this.#records.get(record.name) !== record) return;
    this.#records.delete(record.name);
    this.emit({ type: "state", runner: record.name, from: record.state, to: null });
  }
}
