import type { Filter } from "@aws-sdk/client-ec2";
import type { Attributes } from "@opentelemetry/api";
import type { Logger } from "pino";
import type { Ec2EngineConfig } from "../../config/types.js";
import { recordCapacityFallback } from "../../telemetry/cloud-signals.js";
import { sleep } from "../../util/sleep.js";
import {
  type Engine,
  EngineError,
  MACHINE_LABELS,
  type Machine,
  type MachineRequest,
} from "../engine.js";
import type { Ec2Api } from "./client.js";
import { type ClassifiedError, classifyEc2Error, ec2EngineError } from "./errors.js";
import { type LaunchOption, launchOptions, MANAGED_BY } from "./launch-plan.js";
import { toMachine } from "./machine.js";
import { ec2Attributes, inSpan } from "./telemetry.js";

export interface Ec2Backoff {
  /** Pause before the next launch option after a capacity-type error. */
  capacityMs: number;
  /** First pause after throttling; doubles with every further throttle, up to `maxMs`. */
  throttleBaseMs: number;
  maxMs: number;
}

export const DEFAULT_BACKOFF: Ec2Backoff = { capacityMs: 50, throttleBaseMs: 500, maxMs: 8000 };

export interface Ec2EngineOptions {
  config: Ec2EngineConfig["ec2"];
  scaleSetName: string;
  owner: string;
  logger: Logger;
  api: Ec2Api;
  backoff?: Ec2Backoff;
}

type Outcome<T> =
  | { ok: true; value: T; errorCode?: undefined; attributes?: Attributes }
  | { ok: false; error: ClassifiedError; errorCode: string; attributes?: Attributes };

/** States `list` asks for: everything that still exists (terminated ones linger in EC2 for ~1 h). */
const LISTED_STATES = ["pending", "running", "stopping", "stopped", "shutting-down"];

/**
 * Runners on EC2: one instance per runner, launched with its JIT config in user data, IMDSv2
 * required and shutdown behaviour "terminate", tagged so `list` finds exactly this scale set's
 * instances. `create` walks the launch options (market → type → subnet) past capacity, quota and
 * throttling errors with backoff; every call has a timeout that aborts the request.
 */
export class Ec2Engine implements Engine {
  readonly type = "ec2";
  readonly #o: Ec2EngineOptions;
  readonly #backoff: Ec2Backoff;

  constructor(options: Ec2EngineOptions) {
    this.#o = options;
    this.#backoff = options.backoff ?? DEFAULT_BACKOFF;
  }

  async create(request: MachineRequest, signal?: AbortSignal): Promise<Machine> {
    const options = launchOptions(this.#o.config, request, this.#o.owner);
    const failures: string[] = [];
    const skipped = new Set<string>();
    let last: ClassifiedError | undefined;
    let throttles = 0;
    for (const option of options) {
      if (skipped.has(option.market) || skipped.has(poolKey(option))) continue;
      if (last) await this.#pause(last.kind === "throttled" ? throttles - 1 : -1, signal);
      const outcome = await this.#call(
        "RunInstances",
        {
          "aws.ec2.instance_type": option.instanceType ?? "",
          "aws.ec2.market": option.market,
        },
        async (s) => {
          const out = await this.#o.api.runInstances(option.input, s);
          const instance = out.Instances?.[0];
          if (!instance?.InstanceId) throw new Error("RunInstances returned no instance");
          return instance;
        },
        signal,
        (instance) => ({
          "scaleset.machine.id": instance.InstanceId ?? "",
          "cloud.availability_zone": instance.Placement?.AvailabilityZone ?? "",
        }),
      );
      if (outcome.ok) {
        const machine = toMachine(outcome.value, this.#o.scaleSetName);
        this.#o.logger.info(
          {
            machine: machine.id,
            runner: request.runnerName,
            instanceType: option.instanceType,
            subnet: option.subnetId,
            zone: machine.location,
            market: option.market,
            fallbacks: failures.length,
          },
          "instance launched",
        );
        return machine;
      }
      const error = outcome.error;
      last = error;
      const where = describeOption(option);
      failures.push(`${where}: ${error.code}`);
      switch (error.kind) {
        case "capacity":
        case "unsupported":
          break;
        case "throttled":
          throttles++;
          break;
        case "quota":
          skipped.add(poolKey(option)); // an account limit is the same in every subnet
          break;
        case "spot-exhausted":
          skipped.add("spot");
          break;
        default:
          throw ec2EngineError("RunInstances", error);
      }
      recordCapacityFallback("ec2", error.code);
      this.#o.logger.info(
        { runner: request.runnerName, option: where, code: error.code },
        "launch option failed; trying the next",
      );
    }
    throw new EngineError(
      `EC2 RunInstances: no launch option succeeded (${failures.join("; ") || "none configured"})`,
      { code: last?.code ?? "NO_LAUNCH_OPTION", retryable: last !== undefined },
    );
  }

  async delete(machineId: string, signal?: AbortSignal): Promise<void> {
    const outcome = await this.#call(
      "TerminateInstances",
      { "scaleset.machine.id": machineId },
      (s) => this.#o.api.terminateInstances([machineId], s),
      signal,
    );
    if (outcome.ok || outcome.error.kind === "not-found") return; // gone already: idempotent
    throw ec2EngineError("TerminateInstances", outcome.error);
  }

  async list(signal?: AbortSignal): Promise<Machine[]> {
    const filters: Filter[] = [
      { Name: `tag:${MACHINE_LABELS.managedBy}`, Values: [MANAGED_BY] },
      { Name: `tag:${MACHINE_LABELS.scaleSet}`, Values: [this.#o.scaleSetName] },
      { Name: "instance-state-name", Values: LISTED_STATES },
    ];
    const outcome = await this.#call(
      "DescribeInstances",
      {},
      async (s) => {
        const machines: Machine[] = [];
        for await (const page of this.#o.api.describeInstances(filters, s)) {
          for (const instance of page) machines.push(toMachine(instance, this.#o.scaleSetName));
        }
        return machines;
      },
      signal,
    );
    if (outcome.ok) return outcome.value;
    throw ec2EngineError("DescribeInstances", outcome.error);
  }

  async close(): Promise<void> {
    // Instances belong to the account, not to this process: they keep running for adoption.
    this.#o.api.destroy();
  }

  /** One API call with its own timeout (which aborts the request) inside a client span. */
  async #call<T>(
    operation: string,
    attributes: Attributes,
    fn: (signal: AbortSignal) => Promise<T>,
    callerSignal: AbortSignal | undefined,
    resultAttributes?: (value: T) => Attributes,
  ): Promise<Outcome<T>> {
    const timeout = AbortSignal.timeout(this.#o.config.callTimeout);
    const signal = callerSignal ? AbortSignal.any([callerSignal, timeout]) : timeout;
    const base = ec2Attributes(this.#o.config.region, operation);
    return await inSpan(`EC2.${operation}`, { ...base, ...attributes }, async () => {
      try {
        const value = await fn(signal);
        return { ok: true, value, attributes: resultAttributes?.(value) } as const;
      } catch (error) {
        const classified = classifyEc2Error(error, callerSignal?.aborted === true);
        return { ok: false, error: classified, errorCode: classified.code } as const;
      }
    });
  }

  /** Waits before the next launch option; `throttle` < 0 means a capacity-type error. */
  async #pause(throttle: number, signal: AbortSignal | undefined): Promise<void> {
    const b = this.#backoff;
    const base = throttle < 0 ? b.capacityMs : Math.min(b.maxMs, b.throttleBaseMs * 2 ** throttle);
    try {
      await sleep(Math.round(base * (0.5 + Math.random() / 2)), signal);
    } catch {
      throw new EngineError("EC2 RunInstances aborted", { code: "ABORTED", retryable: true });
    }
  }
}

function poolKey(option: LaunchOption): string {
  return `${option.market}/${option.instanceType ?? "template"}`;
}

function describeOption(option: LaunchOption): string {
  return `${option.instanceType ?? "template type"} in ${option.subnetId ?? "default subnet"} (${option.market})`;
}
