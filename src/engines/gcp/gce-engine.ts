import { randomUUID } from "node:crypto";
import type { Logger } from "pino";
import { recordCapacityFallback } from "../../telemetry/cloud-signals.js";
import {
  type Engine,
  EngineError,
  type Machine,
  type MachineRequest,
  type Preemption,
} from "../engine.js";
import { DeletableIds } from "./deletable.js";
import { operationError, PlacementError } from "./errors.js";
import type { GceApi, GceOperation } from "./gce-types.js";
import {
  buildInstanceResource,
  type GcpSettings,
  machineTypeName,
  type Placement,
  placements,
} from "./instance-resource.js";
import { inScope, ofScaleSet, scaleSetFilter } from "./labels.js";
import { machineId, parseMachineId, toMachine } from "./machines.js";
import { waitForOperation } from "./operation-wait.js";
import { walkPlacements } from "./placement-walk.js";
import { listPreemptions, SpotVms } from "./preemptions.js";
import { type GceCall, gceCall, recordFailure } from "./telemetry.js";

/** One span per wait for an operation to finish, however many `wait` calls that takes. */
const OPERATION_WAIT = "compute.zoneOperations.wait";

/** Insert failures after which the VM may exist anyway. */
const AMBIGUOUS_CODES: ReadonlySet<string> = new Set(["TIMEOUT", "CANCELLED", "SERVER_ERROR"]);

export interface GceEngineOptions {
  settings: GcpSettings;
  scaleSetName: string;
  owner: string;
  /** Deployment scope: labelled on every VM; `list` and `delete` stay inside it. */
  deployment: string;
  logger: Logger;
  api: GceApi;
}

/**
 * One Compute Engine VM per runner. `create` tries each zone (spot first when configured, then
 * standard VMs) until one has room, awaiting the insert operation; `delete` deletes (never
 * stops) and treats "not found" as done; `list` finds this deployment's VMs by label.
 * Calls are independent: many creates and deletes run and wait at once.
 *
 * Rate limits are not retried here: Compute's API rate quotas refill per minute, so a retry
 * within the same create would mostly be refused again and spend more of the same quota. The
 * error is RATE_LIMITED and retryable, and the scaler's create backoff (one step per burst,
 * 1 s doubling, with jitter) paces the next attempt.
 */
export class GceEngine implements Engine {
  readonly type = "gcp";
  readonly tracesCalls = true;
  readonly #o: GceEngineOptions;
  readonly #deletable = new DeletableIds();
  readonly #spotVms = new SpotVms();

  constructor(options: GceEngineOptions) {
    this.#o = options;
  }

  get #settings(): GcpSettings {
    return this.#o.settings;
  }

  async create(request: MachineRequest, signal?: AbortSignal): Promise<Machine> {
    const machine = await walkPlacements(
      placements(this.#settings, request.capacity),
      (placement) => this.#createIn(placement, request, signal),
      {
        runnerName: request.runnerName,
        machineType: machineTypeName(this.#settings),
        onFallthrough: (placement, error) => {
          recordCapacityFallback("gcp", error.code);
          this.#o.logger.info(
            {
              runner: request.runnerName,
              zone: placement.zone,
              spot: placement.spot,
              code: error.code,
            },
            "zone refused the VM, trying the next placement",
          );
        },
      },
    );
    this.#deletable.add(machine.id);
    if (machine.capacity === "spot") this.#spotVms.saw(machine.id);
    return machine;
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
      deployment: this.#o.deployment,
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
        {
          attributes: { ...attributes, "scaleset.machine.spot": placement.spot },
          what,
          secrets,
          project: this.#settings.project,
        },
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
      // A refusal for want of room leaves no VM; after any other failure one may exist.
      if (!(failure instanceof PlacementError)) this.#deleteInBackground(zone, request.runnerName);
      throw failure;
    }
    return {
      id: machineId(zone, request.runnerName),
      runnerName: request.runnerName,
      scaleSetName: this.#o.scaleSetName,
      owner: this.#o.owner,
      deployment: this.#o.deployment,
      state: "provisioning",
      createdAt: new Date(),
      location: zone,
      capacity: placement.spot ? "spot" : "standard",
      machineType: machineTypeName(this.#settings),
      diskGb: this.#settings.diskSizeGb,
    };
  }

  async delete(id: string, signal?: AbortSignal): Promise<void> {
    const { zone, name } = parseMachineId(id);
    if (!zone || !this.#deletable.has(id)) {
      // Not a VM this engine listed or created: another deployment's, or already gone.
      this.#o.logger.info({ machine: id }, "not deleting a VM outside this deployment's list");
      return;
    }
    await this.#deleteIn(zone, name, signal);
    this.#deletable.forget(id);
  }

  async #deleteIn(zone: string, name: string, signal?: AbortSignal): Promise<void> {
    const what = `delete ${name} in ${zone}`;
    const attributes = { "cloud.availability_zone": zone, "scaleset.machine.id": name };
    let accepted: GceOperation;
    try {
      accepted = await gceCall(
        "compute.instances.delete",
        { attributes, what, expected: "NOT_FOUND", project: this.#settings.project },
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
    const mark = this.#deletable.listStarts();
    const instances = await this.#scaleSetInstances(signal);
    // The scope is applied here (see scaleSetFilter), and the scale set checked again: this
    // also guards against an endpoint that ignores the filter.
    const { scaleSetName, deployment } = this.#o;
    const machines = instances
      .filter((i) => inScope(i.labels ?? {}, scaleSetName, deployment))
      .map((i) => toMachine(i, scaleSetName));
    this.#deletable.listed(
      machines.map((m) => m.id),
      mark,
    );
    for (const m of machines) if (m.capacity === "spot") this.#spotVms.saw(m.id);
    return machines;
  }

  /** Preemptions of this deployment's spot VMs: one zone operations list per configured zone. */
  async preemptions(since: Date, signal?: AbortSignal): Promise<Preemption[]> {
    if (!this.#settings.spot) return [];
    const { zones, project } = this.#settings;
    return gceCall(
      "compute.zoneOperations.list",
      { attributes: {}, what: "list preemptions", project },
      () =>
        listPreemptions(
          this.#o.api,
          zones,
          since,
          this.#limits(signal),
          (id) => this.#spotVms.has(id),
          machineTypeName(this.#settings),
        ),
    );
  }

  /** Every managed VM of the scale set, any scope; read-only, so nothing becomes deletable. */
  async inventory(signal?: AbortSignal): Promise<Machine[]> {
    const { scaleSetName } = this.#o;
    const instances = await this.#scaleSetInstances(signal);
    return instances
      .filter((i) => ofScaleSet(i.labels ?? {}, scaleSetName))
      .map((i) => toMachine(i, scaleSetName));
  }

  /** The scale set's VMs of every scope (the server-side filter; see scaleSetFilter). */
  #scaleSetInstances(signal?: AbortSignal) {
    return gceCall(
      "compute.instances.aggregatedList",
      { attributes: {}, what: "list instances", project: this.#settings.project },
      async (span) => {
        const found = await this.#o.api.aggregatedList(
          scaleSetFilter(this.#o.scaleSetName),
          this.#limits(signal),
        );
        span.setAttribute("scaleset.machine.count", found.length);
        return found;
      },
    );
  }

  #limits(signal?: AbortSignal) {
    return { timeoutMs: this.#settings.apiTimeout, signal };
  }

  async close(): Promise<void> {
    // VMs belong to the cloud, not to this process: closing leaves them for the next one.
    await this.#o.api.close();
  }
}
