import { sleep } from "../../util/sleep.js";
import { spotAvoided } from "../capacity.js";
import {
  type Engine,
  EngineError,
  MACHINE_LABELS,
  type Machine,
  type MachineRequest,
  type Preemption,
} from "../engine.js";
import { SimCloud, type SimMachine } from "./sim-cloud.js";

export interface SimEngineOptions {
  scaleSetName: string;
  /** Identity of this scaleset process, written on every machine. */
  owner: string;
  /** Deployment scope label written on every machine; `list` returns only this scope (and unscoped). */
  deployment: string;
  /** How long the cloud takes to accept a create call. */
  createDelayMs: number;
  /** How long a machine takes from accepted to runner process started. */
  bootDelayMs: number;
  cloud?: SimCloud;
  /** Buy machines as spot (they can then be preempted with `SimCloud.preempt`). */
  spot?: boolean;
  onRunnerError?: (machineId: string, error: unknown) => void;
}

/** The one machine type of the sim engine (a name for prices and the spot circuit breaker). */
export const SIM_MACHINE_TYPE = "sim-standard";

const MANAGED_BY = "scaleset";

/**
 * A cloud engine without a cloud: machines "boot" after a delay, then run a simulated runner
 * that presents its JIT config to the GitHub simulator, runs its job and powers off.
 */
export class SimEngine implements Engine {
  readonly type = "sim";
  readonly cloud: SimCloud;

  constructor(private readonly options: SimEngineOptions) {
    this.cloud = options.cloud ?? new SimCloud();
  }

  async create(request: MachineRequest, signal?: AbortSignal): Promise<Machine> {
    await sleep(this.options.createDelayMs, signal);
    if (this.cloud.faults.createFailures > 0) {
      this.cloud.faults.createFailures--;
      this.cloud.counters.createFailures++;
      throw new EngineError("simulated capacity shortage", { code: "CAPACITY", retryable: true });
    }
    const machine: SimMachine = {
      id: this.cloud.newMachineId(),
      labels: {
        [MACHINE_LABELS.managedBy]: MANAGED_BY,
        [MACHINE_LABELS.scaleSet]: request.scaleSetName,
        [MACHINE_LABELS.runner]: request.runnerName,
        [MACHINE_LABELS.owner]: this.options.owner,
        [MACHINE_LABELS.deployment]: this.options.deployment,
      },
      state: "provisioning",
      createdAt: new Date(),
      powerOff: new AbortController(),
      spot:
        this.options.spot === true &&
        !spotAvoided(request.capacity, { machineType: SIM_MACHINE_TYPE }),
    };
    this.cloud.machines.set(machine.id, machine);
    this.cloud.counters.created++;
    machine.exited = this.#boot(machine, request.jitConfig);
    return toMachine(machine);
  }

  async #boot(machine: SimMachine, jitConfig: string): Promise<void> {
    const signal = machine.powerOff.signal;
    try {
      await sleep(this.options.bootDelayMs, signal);
      machine.state = "running";
      await this.cloud.launchRunner(jitConfig, signal);
    } catch (error) {
      if (!signal.aborted) this.options.onRunnerError?.(machine.id, error);
    } finally {
      // Like the runner image's systemd unit: the VM powers off when the runner exits.
      if (machine.state !== "terminated") machine.state = "stopped";
    }
  }

  async delete(machineId: string, signal?: AbortSignal): Promise<void> {
    await sleep(this.options.createDelayMs, signal);
    const machine = this.cloud.machines.get(machineId);
    if (!machine) return; // idempotent: already gone
    if (this.cloud.faults.deleteFailures > 0) {
      this.cloud.faults.deleteFailures--;
      this.cloud.counters.deleteFailures++;
      throw new EngineError("simulated server error on delete", {
        code: "SERVER_ERROR",
        retryable: true,
      });
    }
    machine.powerOff.abort(new Error("machine deleted"));
    machine.state = "terminated";
    this.cloud.machines.delete(machineId);
    this.cloud.counters.deleted++;
  }

  async list(): Promise<Machine[]> {
    const { deployment } = this.options;
    return (await this.inventory()).filter((m) => (m.deployment ?? deployment) === deployment);
  }

  /** Every managed machine of the scale set, any deployment scope (read-only). */
  async inventory(): Promise<Machine[]> {
    return this.cloud
      .live()
      .filter(
        (m) =>
          m.labels[MACHINE_LABELS.managedBy] === MANAGED_BY &&
          m.labels[MACHINE_LABELS.scaleSet] === this.options.scaleSetName,
      )
      .map(toMachine);
  }

  async preemptions(since: Date): Promise<Preemption[]> {
    const { scaleSetName, deployment } = this.options;
    return this.cloud.preemptions
      .filter(
        (p) =>
          p.at >= since &&
          p.labels[MACHINE_LABELS.scaleSet] === scaleSetName &&
          (p.labels[MACHINE_LABELS.deployment] ?? deployment) === deployment,
      )
      .map((p) => ({
        machineId: p.id,
        runnerName: p.labels[MACHINE_LABELS.runner] ?? "",
        machineType: SIM_MACHINE_TYPE,
        at: p.at,
      }));
  }

  async close(): Promise<void> {
    // Machines belong to the cloud, not to this engine: closing leaves them running.
  }
}

function toMachine(machine: SimMachine): Machine {
  return {
    id: machine.id,
    runnerName: machine.labels[MACHINE_LABELS.runner] ?? "",
    scaleSetName: machine.labels[MACHINE_LABELS.scaleSet] ?? "",
    owner: machine.labels[MACHINE_LABELS.owner] ?? "",
    deployment: machine.labels[MACHINE_LABELS.deployment],
    state: machine.state,
    createdAt: machine.createdAt,
    capacity: machine.spot ? "spot" : "standard",
    machineType: SIM_MACHINE_TYPE,
  };
}
