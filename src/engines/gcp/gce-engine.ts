import { randomUUID } from "node:crypto";
import type { Logger } from "pino";
import { recordCapacityFallback } from "../../telemetry/cloud-signals.js";
import { type Engine, EngineError, type Machine, type MachineRequest } from "../engine.js";
import { isCapacityError, operationError } from "./errors.js";
import type { GceApi, GceOperation } from "./gce-types.js";
import {
  buildInstanceResource,
  type GcpSettings,
  type Placement,
  placements,
} from "./instance-resource.js";
import { isScaleSetMember, scaleSetFilter } from "./labels.js";
import { machineId, parseMachineId, toMachine } from "./machines.js";
import { waitForOperation } from "./operation-wait.js";
import { type GceCall, gceCall, recordFailure } from "./telemetry.js";

/** One span per wait for an operation to finish, however many `wait` calls that takes. */
const OPERATION_WAIT = "compute.zoneOperations.wait";

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
    const tried: string[] = [];
    let lastCapacity: EngineError | undefined;
    for (const placement of placements(this.#settings)) {
      try {
        return await this.#createIn(placement, request, signal);
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
    const what = `insert ${request.runnerName} in ${zone}`;
    const attributes = {
      "cloud.availability_zone": zone,
      "scaleset.machine.id": request.runnerName,
    };
    let accepted: GceOperation;
    try {
      accepted = await gceCall(
        "compute.instances.insert",
        { attributes: { ...attributes, "scaleset.machine.spot": placement.spot }, what, secrets },
        () => this.#o.api.insert(zone, resource, randomUUID(), this.#limits(signal)),
      );
    } catch (error) {
      // Timed out or cancelled: GCE may have accepted the insert all the same.
      if (error instanceof EngineError && AMBIGUOUS_CODES.has(error.code))
        this.#deleteInBackground(zone, request.runnerName);
      throw error;
    }
    let failure: EngineError | null;
    try {
      failure = await this.#awaitOperation(zone, accepted, deadline, signal, {
        attributes,
        what,
        secrets,
      });
    } catch (error) {
      // The VM may still come up: remove it rather than leave it to reconciliation.
      this.#deleteInBackground(zone, request.runnerName);
      throw error;
    }
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
    for (const z of zone ? [zone] : this.#settings.zones) await this.#deleteIn(z, name, signal);
  }

  async #deleteIn(zone: string, name: string, signal?: AbortSignal): Promise<void> {
    const what = `delete ${name} in ${zone}`;
    const attributes = { "cloud.availability_zone": zone, "scaleset.machine.id": name };
    let accepted: GceOperation;
    try {
      accepted = await gceCall(
        "compute.instances.delete",
        { attributes, what, expected: "NOT_FOUND" },
        () => this.#o.api.delete(zone, name, randomUUID(), this.#limits(signal)),
      );
    } catch (error) {
      if (error instanceof EngineError && error.code === "NOT_FOUND") return; // already gone
      throw error;
    }
    const deadline = Date.now() + this.#settings.operationTimeout;
    const failure = await this.#awaitOperation(zone, accepted, deadline, signal, {
      attributes,
      what,
      expected: "RESOURCE_NOT_FOUND",
    });
    if (failure && failure.code !== "RESOURCE_NOT_FOUND") throw failure;
  }

  /**
   * Waits for an accepted operation in one span; returns the error the operation finished with
   * (recorded on the span unless it is `call.expected`), or null.
   */
  #awaitOperation(
    zone: string,
    accepted: GceOperation,
    deadline: number,
    signal: AbortSignal | undefined,
    call: GceCall,
  ): Promise<EngineError | null> {
    return gceCall(OPERATION_WAIT, call, async (span) => {
      const done = await waitForOperation(this.#o.api, zone, accepted, {
        deadline,
        apiTimeoutMs: this.#settings.apiTimeout,
        signal,
      });
      const failed = operationError(done, call.what, call.secrets);
      if (failed && failed.code !== call.expected) recordFailure(span, failed);
      return failed;
    });
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
    const instances = await gceCall(
      "compute.instances.aggregatedList",
      { attributes: {}, what: "list instances" },
      async (span) => {
        const found = await this.#o.api.aggregatedList(
          scaleSetFilter(this.#o.scaleSetName),
          this.#limits(signal),
        );
        span.setAttribute("scaleset.machine.count", found.length);
        return found;
      },
    );
    // The filter is server-side; checking again guards against an endpoint that ignores it.
    return instances
      .filter((i) => isScaleSetMember(i.labels ?? {}, this.#o.scaleSetName))
      .map((i) => toMachine(i, this.#o.scaleSetName));
  }

  #limits(signal?: AbortSignal) {
    return { timeoutMs: this.#settings.apiTimeout, signal };
  }

  async close(): Promise<void> {
    // VMs belong to the cloud, not to this process: closing leaves them for the next one.
    await this.#o.api.close();
  }
}
