import pino from "pino";
import {
  type Engine,
  EngineError,
  type Machine,
  type MachineRequest,
} from "../../src/engines/engine.js";
import { JobStillRunningError, RunnerExistsError } from "../../src/github/errors.js";
import type { JitRunnerConfig, RunnerReference } from "../../src/github/types.js";
import type { ScalerGitHubApi, ScalerOptions } from "../../src/scaler/scaler.js";

export const silentLogger = pino({ level: "silent" });

/** In-memory GitHub registrations with failure switches, for scaler unit tests. */
export class FakeRunnerRegistry implements ScalerGitHubApi {
  readonly runners = new Map<number, RunnerReference>();
  nextId = 1;
  busyIds = new Set<number>();
  jitCalls = 0;
  removeCalls = 0;
  failJit = 0;
  failList = false;
  /** The unfiltered listing answers an empty page, as the undocumented route has been seen to. */
  blindList = false;

  async generateJitConfig(scaleSetId: number, runnerName: string): Promise<JitRunnerConfig> {
    this.jitCalls++;
    if (this.failJit > 0) {
      this.failJit--;
      throw new Error("simulated GitHub outage");
    }
    for (const r of this.runners.values()) {
      if (r.name === runnerName) {
        throw new RunnerExistsError({ status: 409, method: "POST", url: "/jit", retryCount: 0 });
      }
    }
    const runner = {
      id: this.nextId++,
      name: runnerName,
      runnerScaleSetId: scaleSetId,
      status: "offline",
    };
    this.runners.set(runner.id, runner);
    return { runner, encodedJITConfig: `secret-jit-${runner.id}` };
  }

  /** When set, lookups by name and id fail (GitHub unreachable). */
  failLookup = false;
  lookups = 0;

  async getRunnerByName(name: string): Promise<RunnerReference | null> {
    this.lookups++;
    if (this.failLookup) throw new Error("lookup unavailable");
    return [...this.runners.values()].find((r) => r.name === name) ?? null;
  }

  async getRunner(runnerId: number): Promise<RunnerReference | null> {
    this.lookups++;
    if (this.failLookup) throw new Error("lookup unavailable");
    return this.runners.get(runnerId) ?? null;
  }

  async removeRunner(runnerId: number): Promise<void> {
    this.removeCalls++;
    if (this.busyIds.has(runnerId)) {
      throw new JobStillRunningError({
        status: 400,
        method: "DELETE",
        url: "/agents",
        retryCount: 0,
      });
    }
    this.runners.delete(runnerId);
  }

  async listRunners(scaleSetId: number): Promise<RunnerReference[]> {
    if (this.failList) throw new Error("list unavailable");
    if (this.blindList) return [];
    return [...this.runners.values()].filter((r) => r.runnerScaleSetId === scaleSetId);
  }
}

/** Records every call; `createGate` lets a test hold creates in flight. */
export class FakeEngine implements Engine {
  readonly type = "fake";
  readonly machines = new Map<string, Machine>();
  readonly requests: MachineRequest[] = [];
  inFlight = 0;
  maxInFlight = 0;
  failCreates = 0;
  /** Until cleared, every create fails with a non-retryable permission error. */
  refuseCreates = false;
  echoJitInErrors = false;
  failDeletes = 0;
  deleteCalls = 0;
  createGate: Promise<void> | null = null;
  #next = 1;

  async create(request: MachineRequest): Promise<Machine> {
    this.requests.push(request);
    this.inFlight++;
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
    try {
      if (this.createGate) await this.createGate;
      if (this.failCreates > 0) {
        this.failCreates--;
        throw new EngineError("no capacity", { code: "CAPACITY", retryable: true });
      }
      if (this.echoJitInErrors) {
        // Like an SDK that quotes the request it refused.
        throw new Error(`invalid metadata value ${request.jitConfig}`);
      }
      if (this.refuseCreates) {
        throw new EngineError("caller lacks compute.instances.create", {
          code: "PERMISSION_DENIED",
          retryable: false,
          fix: "grant roles/compute.instanceAdmin.v1 to the scaler's service account",
        });
      }
      const machine: Machine = {
        id: `m-${this.#next++}`,
        runnerName: request.runnerName,
        scaleSetName: request.scaleSetName,
        owner: "test",
        deployment: FAKE_DEPLOYMENT,
        state: "running",
        createdAt: new Date(),
      };
      this.machines.set(machine.id, machine);
      return machine;
    } finally {
      this.inFlight--;
    }
  }

  async delete(machineId: string): Promise<void> {
    this.deleteCalls++;
    if (this.failDeletes > 0) {
      this.failDeletes--;
      throw new EngineError("server error", { code: "SERVER", retryable: true });
    }
    this.machines.delete(machineId);
  }

  async list(): Promise<Machine[]> {
    return [...this.machines.values()];
  }

  async close(): Promise<void> {}
}

export const FAKE_DEPLOYMENT = "test-deployment";

/** Scaler options for unit tests: fast ticks, no settle time, reconcile only when asked. */
export function testScalerOptions(
  deps: Pick<ScalerOptions, "github" | "engine" | "logger" | "observer">,
  overrides: Partial<ScalerOptions> = {},
): ScalerOptions {
  return {
    scaleSetId: 7,
    scaleSetName: "linux",
    labels: ["linux"],
    minRunners: 0,
    maxRunners: 10,
    idleTimeoutMs: 60_000,
    bootTimeoutMs: 600_000,
    maxLifetimeMs: 3_600_000,
    createConcurrency: 4,
    deleteConcurrency: 4,
    reconcileIntervalMs: 3_600_000,
    tickMs: 20,
    settleMs: 0,
    ...deps,
    ...overrides,
  };
}

/** Waits for a condition; the generous default holds on a loaded machine (it returns early). */
export async function until(predicate: () => boolean, timeoutMs = 20_000): Promise<void> {
  const start = Date.now();
  while (!predicate()) {
    if (Date.now() - start > timeoutMs) throw new Error("condition not met in time");
    await new Promise((r) => setTimeout(r, 5));
  }
}
