import { randomBytes } from "node:crypto";
import { TimerSet } from "../../util/timer-set.js";
import { runSimulatedRunner } from "../runner.js";
import { GceCatalog } from "./catalog.js";
import { insertFailure, insertRefusal, noFaults } from "./faults.js";
import type { InstanceFilter } from "./filter.js";
import { GceHttpError, notFound } from "./http-io.js";
import { instanceJson, type SimInstance } from "./instance-json.js";
import { OperationTable, type SimOperation } from "./operations.js";
import { preemptVm } from "./preemption.js";
import type { GceCounters, GceFaults, GceInstanceView, GceSimOptions } from "./types.js";
import { validateInsert } from "./validate.js";

/**
 * The fake's cloud: VMs and their life. A VM is PROVISIONING while its insert runs, boots
 * (STAGING → RUNNING), runs its runner with the JIT config from its metadata, and powers off
 * (TERMINATED) when the runner exits, like the runner image does. Deleting it aborts the runner.
 */

export const JIT_METADATA_KEY = "ACTIONS_RUNNER_INPUT_JITCONFIG";

export class GceWorld {
  readonly faults: GceFaults = noFaults();
  /** Images, machine types, networks, service accounts and quotas (see catalog.ts). */
  readonly catalog = new GceCatalog();
  readonly counters: GceCounters = {
    inserted: 0,
    deleted: 0,
    expired: 0,
    insertFailures: 0,
    leakedDisks: 0,
  };
  readonly zones: ReadonlySet<string>;
  readonly #instances = new Map<string, SimInstance>();
  readonly #operations = new OperationTable();
  readonly #requestIds = new Map<string, SimOperation>();
  readonly #timers = new TimerSet();
  readonly #options: Required<Omit<GceSimOptions, "onRunnerError" | "zones">> &
    Pick<GceSimOptions, "onRunnerError">;

  constructor(options: GceSimOptions) {
    this.zones = new Set(options.zones ?? ["us-central1-a", "us-central1-b", "us-central1-c"]);
    this.#options = {
      operationDelayMs: options.operationDelayMs ?? 30,
      bootDelayMs: options.bootDelayMs ?? 50,
      waitTimeoutMs: options.waitTimeoutMs ?? 1000,
      ttlScale: options.ttlScale ?? 1,
      launchRunner: options.launchRunner ?? runSimulatedRunner,
      requireAuth: options.requireAuth ?? true,
      onRunnerError: options.onRunnerError,
    };
  }

  #key(project: string, zone: string, name: string): string {
    return `${project}/${zone}/${name}`;
  }

  checkZone(project: string, zone: string): void {
    if (!this.zones.has(zone)) throw notFound(`projects/${project}/zones/${zone}`);
  }

  #operationDelay(): number {
    return this.faults.operationDelayMs ?? this.#options.operationDelayMs;
  }

  insert(project: string, zone: string, body: unknown, requestId?: string): SimOperation {
    this.checkZone(project, zone);
    const replay = requestId ? this.#requestIds.get(`${project}/${requestId}`) : undefined;
    if (replay) return replay; // same requestId: the same operation, nothing created twice
    const spec = validateInsert(body, zone);
    const key = this.#key(project, zone, spec.name);
    if (this.#instances.has(key)) {
      throw new GceHttpError(
        409,
        "alreadyExists",
        `The resource 'projects/${project}/zones/${zone}/instances/${spec.name}' already exists`,
      );
    }
    const sent = body as { machineType: string; networkInterfaces: Array<{ subnetwork?: string }> };
    const refusal = insertRefusal(this.faults, {
      project,
      zone,
      spot: spec.spot,
      machineType: spec.machineType,
      machineTypeSent: sent.machineType,
      subnetwork: sent.networkInterfaces[0]?.subnetwork ?? null,
    });
    if (refusal) throw refusal;
    const failure = insertFailure(this.faults, { project, zone, spot: spec.spot });
    let instance: SimInstance | undefined;
    if (!failure) {
      instance = {
        id: String(BigInt(`0x${randomBytes(7).toString("hex")}`)),
        project,
        zone,
        name: spec.name,
        status: "PROVISIONING",
        spec,
        resource: body as Record<string, unknown>,
        createdAt: new Date(),
        powerOff: new AbortController(),
        runnerOutcome: null,
      };
      this.#instances.set(key, instance);
    }
    const op = this.#operations.start(
      { project, zone, type: "insert", target: spec.name },
      this.#operationDelay(),
      () => {
        if (failure) {
          this.counters.insertFailures++;
          return failure;
        }
        if (
          instance &&
          this.#instances.get(key) === instance &&
          instance.status === "PROVISIONING"
        ) {
          this.counters.inserted++;
          this.#boot(instance);
        }
        return undefined;
      },
    );
    if (requestId) this.#requestIds.set(`${project}/${requestId}`, op);
    return op;
  }

  #boot(instance: SimInstance): void {
    instance.status = "STAGING";
    const signal = instance.powerOff.signal;
    const { maxRunSeconds, terminationAction } = instance.spec;
    if (maxRunSeconds !== null && terminationAction) {
      this.#timers.after(maxRunSeconds * 1000 * this.#options.ttlScale, () =>
        this.#expire(instance),
      );
    }
    this.#timers.after(this.#options.bootDelayMs, () => {
      if (signal.aborted || instance.status !== "STAGING") return;
      instance.status = "RUNNING";
      const jit = instance.spec.metadata[JIT_METADATA_KEY] ?? "";
      this.#options
        .launchRunner(jit, signal)
        .then(
          () => {
            instance.runnerOutcome = "completed";
          },
          (error: unknown) => {
            instance.runnerOutcome = signal.aborted ? "aborted" : "failed";
            if (!signal.aborted) this.#options.onRunnerError?.(instance.name, error);
          },
        )
        .finally(() => {
          if (signal.aborted || instance.status !== "RUNNING") return;
          // The runner image powers the VM off when the runner exits.
          instance.status = "STOPPING";
          this.#timers.after(10, () => {
            if (instance.status !== "STOPPING") return;
            instance.status = "TERMINATED";
            instance.stoppedAt = new Date();
          });
        });
    });
  }

  /**
   * `maxRunDuration` elapsed: the cloud applies the termination action by itself — to a running
   * VM only. Compute clears a VM's termination time when it stops ("The termination timestamp is
   * automatically cleared whenever a VM is stopped or suspended", limit-vm-runtime docs), so a
   * runner VM that powered itself off stays TERMINATED, disk billed, until someone deletes it.
   */
  #expire(instance: SimInstance): void {
    const key = this.#key(instance.project, instance.zone, instance.name);
    if (this.#instances.get(key) !== instance) return;
    if (instance.status === "STOPPING" || instance.status === "TERMINATED") return;
    instance.powerOff.abort(new Error("maxRunDuration elapsed"));
    if (instance.spec.terminationAction === "DELETE") {
      this.#instances.delete(key);
      this.counters.expired++;
      if (instance.spec.keepsDisk) this.counters.leakedDisks++;
    } else {
      instance.status = "TERMINATED";
    }
  }

  delete(project: string, zone: string, name: string, requestId?: string): SimOperation {
    this.checkZone(project, zone);
    const replay = requestId ? this.#requestIds.get(`${project}/${requestId}`) : undefined;
    if (replay) return replay;
    const key = this.#key(project, zone, name);
    const instance = this.#instances.get(key);
    if (!instance) throw notFound(`projects/${project}/zones/${zone}/instances/${name}`);
    instance.powerOff.abort(new Error("instance deleted"));
    instance.status = "STOPPING";
    const op = this.#operations.start(
      { project, zone, type: "delete", target: name },
      this.#operationDelay(),
      () => {
        if (this.#instances.get(key) === instance) {
          this.#instances.delete(key);
          this.counters.deleted++;
          if (instance.spec.keepsDisk) this.counters.leakedDisks++;
        }
        return undefined;
      },
    );
    if (requestId) this.#requestIds.set(`${project}/${requestId}`, op);
    return op;
  }

  getInstance(project: string, zone: string, name: string): Record<string, unknown> {
    this.checkZone(project, zone);
    const instance = this.#instances.get(this.#key(project, zone, name));
    if (!instance) throw notFound(`projects/${project}/zones/${zone}/instances/${name}`);
    return instanceJson(instance);
  }

  /** Instances of a project (in one zone, or all zones when `zone` is null) that match. */
  listInstances(project: string, zone: string | null, filter: InstanceFilter) {
    return [...this.#instances.values()]
      .filter((i) => i.project === project && (zone === null || i.zone === zone))
      .filter((i) => filter({ name: i.name, status: i.status, labels: i.spec.labels }))
      .sort((a, b) => a.name.localeCompare(b.name))
      .map((i) => ({ zone: i.zone, json: instanceJson(i) }));
  }

  getOperation(project: string, zone: string, name: string): SimOperation {
    this.checkZone(project, zone);
    const op = this.#operations.get(project, zone, name);
    if (!op) throw notFound(`projects/${project}/zones/${zone}/operations/${name}`);
    return op;
  }

  waitOperation(op: SimOperation): Promise<SimOperation> {
    return this.#operations.wait(op, this.#options.waitTimeoutMs);
  }

  get requireAuth(): boolean {
    return this.#options.requireAuth;
  }

  views(): GceInstanceView[] {
    return [...this.#instances.values()].map((i) => ({
      project: i.project,
      zone: i.zone,
      name: i.name,
      status: i.status,
      labels: { ...i.spec.labels },
      metadata: { ...i.spec.metadata },
      spot: i.spec.spot,
      runnerOutcome: i.runnerOutcome,
    }));
  }

  /** Test control: Compute Engine preempts the spot VM `name` (see preemption.ts). */
  preempt(name: string): void {
    const instance = [...this.#instances.values()].find((i) => i.name === name);
    if (!instance) throw new Error(`fake GCE: no VM named ${name}`);
    const key = this.#key(instance.project, instance.zone, name);
    preemptVm(instance, {
      operations: this.#operations,
      timers: this.#timers,
      remove: () => {
        if (this.#instances.get(key) === instance) this.#instances.delete(key);
      },
    });
  }

  /** The zone's operations, oldest first, system events included. */
  zoneOperations(project: string, zone: string): SimOperation[] {
    this.checkZone(project, zone);
    return this.#operations.inZone(project, zone);
  }

  /** Test control: every VM vanishes at once (runners aborted), as in a fresh project. */
  clearInstances(): void {
    for (const instance of this.#instances.values()) instance.powerOff.abort(new Error("cleared"));
    this.#instances.clear();
  }

  stop(): void {
    for (const instance of this.#instances.values()) {
      instance.powerOff.abort(new Error("simulator stopped"));
    }
    this.#timers.clear();
    this.#operations.stop();
  }
}
