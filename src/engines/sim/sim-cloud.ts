import { randomBytes } from "node:crypto";
import { runSimulatedRunner } from "../../sim/runner.js";
import type { MachineState } from "../engine.js";

/**
 * An in-memory "cloud" shared by sim engines. Its machines outlive any one engine instance, so a
 * restarted scaler finds the machines an earlier process left behind, like it would on GCE or EC2.
 */
export interface SimMachine {
  id: string;
  labels: Record<string, string>;
  state: MachineState;
  createdAt: Date;
  /** Stops the simulated runner process (the VM lost power). */
  readonly powerOff: AbortController;
  /** Settles when the simulated runner process has exited. */
  exited?: Promise<void>;
  /** Bought as spot (only spot machines are preempted). */
  spot?: boolean;
}

/** A spot machine the simulated cloud took back. */
export interface SimPreemption {
  id: string;
  labels: Record<string, string>;
  at: Date;
}

export interface SimCloudFaults {
  /** The next n creates fail with a retryable capacity error. */
  createFailures: number;
  /** The next n deletes fail with a retryable server error (the machine keeps running). */
  deleteFailures: number;
}

/** What runs inside a simulated VM: a runner that takes its JIT config and runs one job. */
export type RunnerLauncher = (jitConfig: string, signal: AbortSignal) => Promise<unknown>;

export class SimCloud {
  /**
   * Runs each machine's runner. By default in this process; the benchmark runs them in another
   * process so the scaler's own CPU is measured without the simulated VMs' work.
   */
  readonly launchRunner: RunnerLauncher;
  readonly machines = new Map<string, SimMachine>();
  readonly faults: SimCloudFaults = { createFailures: 0, deleteFailures: 0 };
  readonly counters = { created: 0, deleted: 0, createFailures: 0, deleteFailures: 0 };
  /** Spot machines preempted so far, oldest first. */
  readonly preemptions: SimPreemption[] = [];

  constructor(options: { launchRunner?: RunnerLauncher } = {}) {
    this.launchRunner = options.launchRunner ?? runSimulatedRunner;
  }

  newMachineId(): string {
    return `sim-${randomBytes(6).toString("hex")}`;
  }

  /** Machines not yet deleted, whatever their state. */
  live(): SimMachine[] {
    return [...this.machines.values()].filter((m) => m.state !== "terminated");
  }

  /** The cloud preempts a spot machine: its runner dies mid-job and it is gone, with a record. */
  preempt(id: string): void {
    const machine = this.machines.get(id);
    if (!machine?.spot) throw new Error(`sim cloud: ${id} is not a live spot machine`);
    this.preemptions.push({ id, labels: { ...machine.labels }, at: new Date() });
    this.kill(id);
  }

  /** Simulates a VM killed from outside (an operator): gone without a trace. */
  kill(id: string): void {
    const machine = this.machines.get(id);
    if (!machine) return;
    machine.powerOff.abort(new Error("machine killed"));
    machine.state = "terminated";
    this.machines.delete(id);
  }
}
