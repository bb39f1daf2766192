import type { Filter, Instance } from "@aws-sdk/client-ec2";
import type { Logger } from "pino";
import type { Ec2EngineConfig } from "../../config/types.js";
import {
  type Engine,
  EngineError,
  MACHINE_LABELS,
  type Machine,
  type MachineRequest,
  type Preemption,
} from "../engine.js";
import type { Ec2Api } from "./client.js";
import { type CallSettings, ec2Call } from "./ec2-call.js";
import { ec2EngineError } from "./errors.js";
import { DEFAULT_BACKOFF, type Ec2Backoff, launchInstance } from "./launch.js";
import { launchOptions, MANAGED_BY } from "./launch-plan.js";
import { ofScaleSet, scopeOf, toMachine } from "./machine.js";
import { applyPreference, interruptedFilters, latestPrice, toPreemption } from "./spot.js";

export { DEFAULT_BACKOFF, type Ec2Backoff } from "./launch.js";

export interface Ec2EngineOptions {
  config: Ec2EngineConfig["ec2"];
  scaleSetName: string;
  owner: string;
  /** Deployment scope: tagged on every instance and volume, part of every list filter. */
  deployment: string;
  logger: Logger;
  api: Ec2Api;
  backoff?: Ec2Backoff;
  /** Ms between looks for unscoped instances once none were left; see `list`. */
  legacySweepMs?: number;
}

/** States `list` asks for: everything that still exists (terminated ones linger in EC2 for ~1 h). */
const LISTED_STATES = ["pending", "running", "stopping", "stopped", "shutting-down"];
/** States in which an instance is already going away: no TerminateInstances needed. */
const GOING = new Set(["shutting-down", "terminated"]);
export const DEFAULT_LEGACY_SWEEP_MS = 5 * 60_000;

/**
 * Runners on EC2: one instance per runner, launched with its JIT config in user data, IMDSv2
 * required and shutdown behaviour "terminate", tagged with its deployment scope so `list` and
 * `delete` never reach another deployment's instances, even one with the same scale set name.
 */
export class Ec2Engine implements Engine {
  readonly type = "ec2";
  readonly tracesCalls = true;
  readonly #o: Ec2EngineOptions;
  readonly #settings: CallSettings;
  /** When the last look for unscoped instances succeeded, and whether it found any. */
  #sweep: { at: number; found: boolean } | undefined;
  /** Subnet → availability zone, learnt from launches and lists (a zone preference needs it). */
  readonly #subnetZones = new Map<string, string>();

  constructor(options: Ec2EngineOptions) {
    this.#o = options;
    this.#settings = { region: options.config.region, callTimeout: options.config.callTimeout };
  }

  async create(request: MachineRequest, signal?: AbortSignal): Promise<Machine> {
    const identity = { owner: this.#o.owner, deployment: this.#o.deployment };
    const options = applyPreference(
      launchOptions(this.#o.config, request, identity),
      request.capacity,
      this.#subnetZones,
    );
    const machine = await launchInstance(
      options,
      request,
      {
        api: this.#o.api,
        settings: this.#settings,
        logger: this.#o.logger,
        backoff: this.#o.backoff ?? DEFAULT_BACKOFF,
        scaleSetName: this.#o.scaleSetName,
        learnZone: (subnet, zone) => this.#subnetZones.set(subnet, zone),
      },
      signal,
    );
    return this.#withDisk(machine);
  }

  /** This scope's spot instances EC2 interrupted (they stay listed for about an hour). */
  async preemptions(_since: Date, signal?: AbortSignal): Promise<Preemption[]> {
    if (!this.#o.config.spot) return [];
    const scoped = [...this.#identityFilters(), this.#deploymentFilter()];
    const found = await this.#describe(interruptedFilters(scoped), this.#inScope("own"), signal);
    const seenAt = new Date();
    return found.map((i) => toPreemption(i, this.#o.scaleSetName, seenAt));
  }

  /** The Linux/UNIX spot price in effect now, USD per hour (DescribeSpotPriceHistory). */
  async spotPrice(machineType: string, zone: string, signal?: AbortSignal) {
    const outcome = await ec2Call(
      this.#settings,
      "DescribeSpotPriceHistory",
      { "aws.ec2.instance_type": machineType, "cloud.availability_zone": zone },
      (s) => this.#o.api.currentSpotPrices(machineType, zone, s),
      signal,
    );
    if (!outcome.ok) throw ec2EngineError("DescribeSpotPriceHistory", outcome.error);
    return latestPrice(outcome.value);
  }

  #withDisk(machine: Machine): Machine {
    const diskGb = this.#o.config.diskSizeGb;
    return diskGb === undefined ? machine : { ...machine, diskGb };
  }

  #deploymentFilter(): Filter {
    return { Name: `tag:${MACHINE_LABELS.deployment}`, Values: [this.#o.deployment] };
  }

  /**
   * Terminates an instance only on proof that it is this scope's: its tags, read just before,
   * say this deployment (or this scale set from before scopes). An instance that is gone, or
   * already going, is success; one of another deployment is refused without a TerminateInstances.
   */
  async delete(machineId: string, signal?: AbortSignal): Promise<void> {
    const described = await ec2Call(
      this.#settings,
      "DescribeInstances",
      { "scaleset.machine.id": machineId },
      (s) => this.#o.api.describeInstancesById([machineId], s),
      signal,
    );
    if (!described.ok) {
      // NotFound: purged long ago (or, right after launch, not visible yet — then the next
      // reconciliation lists it and deletes it again). Either way nothing to terminate now.
      if (described.error.kind === "not-found") return;
      throw ec2EngineError("DescribeInstances", described.error);
    }
    const instance = described.value.find((i) => i.InstanceId === machineId);
    if (!instance || GOING.has(instance.State?.Name ?? "")) return;
    if (scopeOf(instance, this.#scope()) === "foreign") throw this.#notInScope(instance);
    const outcome = await ec2Call(
      this.#settings,
      "TerminateInstances",
      { "scaleset.machine.id": machineId },
      (s) => this.#o.api.terminateInstances([machineId], s),
      signal,
    );
    if (outcome.ok || outcome.error.kind === "not-found") return; // gone already: idempotent
    throw ec2EngineError("TerminateInstances", outcome.error);
  }

  /**
   * This deployment's instances, by a filter on the scope tag (one DescribeInstances per
   * reconcile, which returns nothing of other deployments), plus this scale set's instances
   * without a scope tag from older versions. EC2 filters cannot say "tag absent", so those need a
   * second query of the whole scale set name, kept client-side only when untagged. That sweep
   * runs on the first list, on every list while it still finds some, and otherwise every
   * `legacySweepMs`: such instances are only made by older versions, so after an upgrade they
   * only go away — and the sweep would otherwise download every same-named deployment's
   * instances on every reconcile.
   */
  async list(signal?: AbortSignal): Promise<Machine[]> {
    const base = this.#scaleSetFilters();
    const scoped: Filter[] = [...base, this.#deploymentFilter()];
    const now = Date.now();
    const sweepDue =
      this.#sweep === undefined ||
      this.#sweep.found ||
      now - this.#sweep.at >= (this.#o.legacySweepMs ?? DEFAULT_LEGACY_SWEEP_MS);
    const [own, unscoped] = await Promise.all([
      this.#describe(scoped, this.#inScope("own"), signal),
      sweepDue ? this.#describe(base, this.#inScope("unscoped"), signal) : Promise.resolve([]),
    ]);
    if (sweepDue) {
      this.#sweep = { at: now, found: unscoped.length > 0 };
      if (unscoped.length > 0) {
        this.#o.logger.info(
          { count: unscoped.length },
          "instances of this scale set without a deployment scope (from an older version)",
        );
      }
    }
    for (const i of own) {
      const zone = i.Placement?.AvailabilityZone;
      if (i.SubnetId && zone) this.#subnetZones.set(i.SubnetId, zone);
    }
    return [...own, ...unscoped].map((i) => this.#withDisk(toMachine(i, this.#o.scaleSetName)));
  }

  /**
   * Every instance of the scale set name, any scope, for `scaleset doctor`: one query on the
   * managed-by and scale-set tags. Read-only: `delete` still checks each instance's own tags.
   */
  async inventory(signal?: AbortSignal): Promise<Machine[]> {
    const name = this.#o.scaleSetName;
    const found = await this.#describe(this.#scaleSetFilters(), (i) => ofScaleSet(i, name), signal);
    return found.map((i) => toMachine(i, name));
  }

  /** Every instance of this scale set name that still exists, of any deployment scope. */
  #scaleSetFilters(): Filter[] {
    return [...this.#identityFilters(), { Name: "instance-state-name", Values: LISTED_STATES }];
  }

  /** scaleset's instances of this scale set name, in any state. */
  #identityFilters(): Filter[] {
    return [
      { Name: `tag:${MACHINE_LABELS.managedBy}`, Values: [MANAGED_BY] },
      { Name: `tag:${MACHINE_LABELS.scaleSet}`, Values: [this.#o.scaleSetName] },
    ];
  }

  #inScope(want: "own" | "unscoped"): (instance: Instance) => boolean {
    return (instance) => scopeOf(instance, this.#scope()) === want;
  }

  async close(): Promise<void> {
    // Instances belong to the account, not to this process: they keep running for adoption.
    this.#o.api.destroy();
  }

  /** Every instance matching `filters` whose tags pass `keep` (a check on EC2's filter). */
  async #describe(
    filters: Filter[],
    keep: (instance: Instance) => boolean,
    signal: AbortSignal | undefined,
  ): Promise<Instance[]> {
    const outcome = await ec2Call(
      this.#settings,
      "DescribeInstances",
      {},
      async (s) => {
        const found: Instance[] = [];
        for await (const page of this.#o.api.describeInstances(filters, s)) {
          for (const instance of page) {
            if (keep(instance)) found.push(instance);
          }
        }
        return found;
      },
      signal,
    );
    if (outcome.ok) return outcome.value;
    throw ec2EngineError("DescribeInstances", outcome.error);
  }

  #scope() {
    return { scaleSetName: this.#o.scaleSetName, deployment: this.#o.deployment };
  }

  #notInScope(instance: Instance): EngineError {
    const tag = (key: string) => instance.Tags?.find((t) => t.Key === key)?.Value ?? "(none)";
    return new EngineError(
      `EC2 TerminateInstances refused: ${instance.InstanceId} is not this deployment's ` +
        `(scaleset-managed-by=${tag(MACHINE_LABELS.managedBy)}, scaleset-scale-set=${tag(MACHINE_LABELS.scaleSet)}, ` +
        `scaleset-deployment=${tag(MACHINE_LABELS.deployment)}; this is ${this.#o.deployment})`,
      {
        code: "NOT_IN_SCOPE",
        retryable: false,
        fix: "Another deployment (or something else) owns this instance; scaleset leaves it alone. If two deployments share a deployment name by mistake, give each its own `deployment:`.",
      },
    );
  }
}
