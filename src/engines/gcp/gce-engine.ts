import { randomUUID } from "node:crypto";
import type { Logger } from "pino";
import { recordCapacityFallback } from "../../telemetry/cloud-signals.js";
import { type Engine, EngineError, type Machine, type MachineRequest } from "../engine.js";
import { classifySdkError, isCapacityError, operationError } from "./errors.js";
import type { GceApi, GceInstance, GceOperation } from "./gce-types.js";
import {
  buildInstanceResource,
  type GcpSettings,
  type Placement,
  placements,
} from "./instance-resource.js";
import { isScaleSetMember, scaleSetFilter } from "./labels.js";
import { machineId, parseMachineId, toMachine } from "./machines.js";
import { waitForOperation } from "./operation-wait.js";
import { inSpan } from "./telemetry.js";

/** Insert failures after which the VM may exist anyway. */
const AMBIGUOUS_CODES: ReadonlySet<string> = new Set(["TIMEOUT", "CANCELLED", "SERVER_ERROR"]);

export interface GceEngineOptions {
  settings: GcpSettings;
  scaleSetName: string;
  owner: string;
  logger: Logger;
  api: GceApi;
}

/**
 * One Compute Engine VM per runner. `create` tries each zone (spot first when configured, then
 * standard VMs) until one has capacity, awaiting the insert operation; `delete` deletes (never
 * stops) and treats "not found" as done; `list` finds this scale set's VMs by label.
 * Calls are independent: many creates and deletes run and wait at once.
 */
export class GceEngine implements Engine {
  readonly type = "gcp";
  readonly #o: GceEngineOptions;

  constructor(options: GceEngineOptions) {
    this.#o = options;
  }

  get #settings(): GcpSettings {
    return this.#o.settings;
  }

  async create(request: MachineRequest, signal?: AbortSignal): Promise<Machine> {
    return inSpan(
      "scaleset.engine.create",
      { "scaleset.machine.id": request.runnerName },
      async (span) => {
        const tried: string[] = [];
        let lastCapacity: EngineError | undefined;
        for (const placement of placements(this.#settings)) {
          try {
            const machine = await this.#createIn(placement, request, signal);
            span.setAttributes({
              "cloud.availability_zone": placement.zone,
              "scaleset.machine.spot": placement.spot,
              "scaleset.machine.attempts": tried.length + 1,
            });
            return machine;
          } catch (error) {
            if (!isCapacityError(error)) throw error;
            lastCapacity = error;
            tried.push(`${placement.zone}${placement.spot ? " (spot)" : ""}: ${error.code}`);
            recordCapacityFallback("gcp", error.code);
            this.#o.logger.info(
              {
                runner: request.runnerName,
                zone: placement.zone,
                spot: placement.spot,
                code: error.code,
              },
              "no capacity in zone, trying the next placement",
            );
          }
        }
        throw new EngineError(
          `no capacity for ${request.runnerName} (tried ${tried.join("; ")}); last error: ${lastCapacity?.message ?? "none"}`,
          {
            code: lastCapacity?.code ?? "ZONE_RESOURCE_POOL_EXHAUSTED",
            retryable: true,
          },
        );
      },
    );
  }

  async #createIn(
    placement: Placement,
    request: MachineRequest,
    signal?: AbortSignal,
  ): Promise<Machine> {
    const { zone } = placement;
    const secrets = [request.jitConfig];
    // Labels name the engine's scale set (what `list` filters on), whatever the request says.
    const resource = buildInstanceResource(this.#settings, placement, request, {
      scaleSetName: this.#o.scaleSetName,
      owner: this.#o.owner,
    });
    const deadline = Date.now() + this.#settings.operationTimeout;
    let accepted: GceOperation;
    try {
      accepted = await this.#o.api.insert(zone, resource, randomUUID(), this.#limits(signal));
    } catch (error) {
      const classified = classifySdkError(
        error,
        `insert ${request.runnerName} in ${zone}`,
        secrets,
      );
      // Timed out or cancelled: GCE may have accepted the insert all the same.
      if (AMBIGUOUS_CODES.has(classified.code)) this.#deleteInBackground(zone, request.runnerName);
      throw classified;
    }
    let done: GceOperation;
    try {
      done = await inSpan(
        "scaleset.gcp.operation.wait",
        { "cloud.availability_zone": zone, "scaleset.machine.id": request.runnerName },
        () =>
          waitForOperation(this.#o.api, zone, accepted, {
            deadline,
            apiTimeoutMs: this.#settings.apiTimeout,
            signal,
          }),
      );
    } catch (error) {
      // The VM may still come up: remove it rather than leave it to reconciliation.
      this.#deleteInBackground(zone, request.runnerName);
      throw classifySdkError(error, `insert ${request.runnerName} in ${zone}`, secrets);
    }
    const failure = operationError(done, `insert ${request.runnerName} in ${zone}`, secrets);
    if (failure) {
      if (!isCapacityError(failure)) this.#deleteInBackground(zone, request.runnerName);
      throw failure;
    }
    return {
      id: machineId(zone, request.runnerName),
      runnerName: request.runnerName,
      scaleSetName: this.#o.scaleSetName,
      owner: this.#o.owner,
      state: "provisioning",
      createdAt: new Date(),
      location: zone,
    };
  }

  async delete(id: string, signal?: AbortSignal): Promise<void> {
    const { zone, name } = parseMachineId(id);
    // An id without a zone (not one this engine made) is looked for in every configured zone.
    const zones = zone ? [zone] : this.#settings.zones;
    await inSpan("scaleset.engine.delete", { "scaleset.machine.id": id }, async (span) => {
      for (const z of zones) {
        span.setAttribute("cloud.availability_zone", z);
        await this.#deleteIn(z, name, signal);
      }
    });
  }

  async #deleteIn(zone: string, name: string, signal?: AbortSignal): Promise<void> {
    const what = `delete ${name} in ${zone}`;
    let accepted: GceOperation;
    try {
      accepted = await this.#o.api.delete(zone, name, randomUUID(), this.#limits(signal));
    } catch (error) {
      const classified = classifySdkError(error, what);
      if (classified.code === "NOT_FOUND") return; // already gone: idempotent
      throw classified;
    }
    let done: GceOperation;
    try {
      done = await waitForOperation(this.#o.api, zone, accepted, {
        deadline: Date.now() + this.#settings.operationTimeout,
        apiTimeoutMs: this.#settings.apiTimeout,
        signal,
      });
    } catch (error) {
      throw classifySdkError(error, what);
    }
    const failure = operationError(done, what);
    if (failure && failure.code !== "RESOURCE_NOT_FOUND") throw failure;
  }

  #deleteInBackground(zone: string, name: string): void {
    this.#deleteIn(zone, name).catch((error: unknown) => {
      const code = error instanceof EngineError ? error.code : "UNKNOWN";
      this.#o.logger.warn(
        { zone, machine: name, code },
        "could not delete a VM whose create failed",
      );
    });
  }

  async list(signal?: AbortSignal): Promise<Machine[]> {
    return inSpan("scaleset.engine.list", {}, async (span) => {
      let instances: GceInstance[];
      try {
        instances = await this.#o.api.aggregatedList(
          scaleSetFilter(this.#o.scaleSetName),
          this.#limits(signal),
        );
      } catch (error) {
        throw classifySdkError(error, "list instances");
      }
      // The filter is server-side; checking again guards against an endpoint that ignores it.
      const mine = instances.filter((i) => isScaleSetMember(i.labels ?? {}, this.#o.scaleSetName));
      span.setAttribute("scaleset.machines", mine.length);
      return mine.map((i) => toMachine(i, this.#o.scaleSetName));
    });
  }

  #limits(signal?: AbortSignal) {
    return { timeoutMs: this.#settings.apiTimeout, signal };
  }

  async close(): Promise<void> {
    // VMs belong to the cloud, not to this process: closing leaves them for the next one.
    await this.#o.api.close();
  }
}
