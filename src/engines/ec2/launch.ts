import type { Instance } from "@aws-sdk/client-ec2";
import type { Logger } from "pino";
import { recordCapacityFallback } from "../../telemetry/cloud-signals.js";
import { EngineError, type Machine, type MachineRequest } from "../engine.js";
import type { Ec2Api } from "./client.js";
import { type CallSettings, ec2Call, jitteredPause } from "./ec2-call.js";
import { type ClassifiedError, ec2EngineError } from "./errors.js";
import type { LaunchOption } from "./launch-plan.js";
import { toMachine } from "./machine.js";

export interface Ec2Backoff {
  /** Pause before the next launch option after a capacity-type error. */
  capacityMs: number;
  /** First pause after throttling; doubles with every further throttle, up to `maxMs`. */
  throttleBaseMs: number;
  maxMs: number;
}

export const DEFAULT_BACKOFF: Ec2Backoff = { capacityMs: 50, throttleBaseMs: 500, maxMs: 8000 };

/** Throttled RunInstances calls one `create` rides out before it hands the wait to the scaler. */
export const MAX_THROTTLES = 4;

export interface LaunchDeps {
  api: Ec2Api;
  settings: CallSettings;
  logger: Logger;
  backoff: Ec2Backoff;
  scaleSetName: string;
  /** Told the availability zone of each subnet an instance launched in. */
  learnZone?: (subnetId: string, zone: string) => void;
}

interface Failure {
  where: string;
  error: ClassifiedError;
}

/**
 * Launches one instance, walking the launch options (market → type → subnet) past errors another
 * option may not have: capacity and "type not offered here" move on; a full or missing subnet is
 * skipped for every type; an account limit skips the type's other subnets; an exhausted spot
 * account skips spot. Throttling is account-wide, so the same option is retried after a backoff.
 * Anything else (permissions, a bad AMI or parameter) stops at once.
 */
export async function launchInstance(
  options: readonly LaunchOption[],
  request: MachineRequest,
  deps: LaunchDeps,
  signal?: AbortSignal,
): Promise<Machine> {
  const failures: Failure[] = [];
  const skipped = new Set<string>();
  let throttles = 0;
  for (const option of options) {
    if ([option.market, poolKey(option), subnetKey(option)].some((k) => skipped.has(k))) continue;
    if (failures.length > 0) await jitteredPause(deps.backoff.capacityMs, signal);
    let error: ClassifiedError;
    for (;;) {
      const outcome = await runInstances(option, deps, signal);
      if (outcome.ok) return launched(outcome.value, option, request, failures.length, deps);
      error = outcome.error;
      if (error.kind !== "throttled") break;
      throttles++;
      if (throttles >= MAX_THROTTLES) throw ec2EngineError("RunInstances", error);
      const b = deps.backoff;
      await jitteredPause(Math.min(b.maxMs, b.throttleBaseMs * 2 ** (throttles - 1)), signal);
    }
    const where = describeOption(option);
    switch (error.kind) {
      case "capacity":
      case "unsupported":
        break;
      case "subnet-full":
        skipped.add(subnetKey(option));
        break;
      case "subnet-invalid":
        skipped.add(subnetKey(option));
        // A config error that other subnets hide: say so loudly even if a launch succeeds.
        deps.logger.warn(
          { runner: request.runnerName, option: where, code: error.code, fix: error.fix },
          "subnet unusable; skipping it",
        );
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
    failures.push({ where, error });
    recordCapacityFallback("ec2", error.code);
    deps.logger.info(
      { runner: request.runnerName, option: where, code: error.code },
      "launch option failed; trying the next",
    );
  }
  throw exhausted(failures);
}

async function runInstances(option: LaunchOption, deps: LaunchDeps, signal?: AbortSignal) {
  return await ec2Call(
    deps.settings,
    "RunInstances",
    { "aws.ec2.instance_type": option.instanceType ?? "", "aws.ec2.market": option.market },
    async (s) => {
      const out = await deps.api.runInstances(option.input, s);
      const instance = out.Instances?.[0];
      if (!instance?.InstanceId) throw new Error("RunInstances returned no instance");
      return instance;
    },
    signal,
    (instance: Instance) => ({
      "scaleset.machine.id": instance.InstanceId ?? "",
      "cloud.availability_zone": instance.Placement?.AvailabilityZone ?? "",
    }),
  );
}

function launched(
  instance: Instance,
  option: LaunchOption,
  request: MachineRequest,
  fallbacks: number,
  deps: LaunchDeps,
): Machine {
  const machine = toMachine(instance, deps.scaleSetName);
  if (option.subnetId && machine.location) deps.learnZone?.(option.subnetId, machine.location);
  // Debug, like every routine per-runner step (gcp logs none): at info it was the one line per
  // job of a quiet scaler. Where it landed is on the RunInstances and runner spans; a fallback
  // that got it there was logged at info when the option failed.
  deps.logger.debug(
    {
      machine: machine.id,
      runner: request.runnerName,
      instanceType: option.instanceType,
      subnet: option.subnetId,
      zone: machine.location,
      market: option.market,
      fallbacks,
    },
    "instance launched",
  );
  return machine;
}

/** Every option failed: retryable if any failure may pass; every distinct fix, once. */
function exhausted(failures: readonly Failure[]): EngineError {
  const last = failures.at(-1)?.error;
  const summary = failures.map((f) => `${f.where}: ${f.error.code}`).join("; ");
  const fixes = [...new Set(failures.flatMap((f) => (f.error.fix ? [f.error.fix] : [])))];
  return new EngineError(
    `EC2 RunInstances: no launch option succeeded (${summary || "none configured"})`,
    {
      code: last?.code ?? "NO_LAUNCH_OPTION",
      retryable: failures.some((f) => f.error.retryable),
      fix: fixes.join(" ") || undefined,
    },
  );
}

function poolKey(option: LaunchOption): string {
  return `${option.market}/${option.instanceType ?? "template"}`;
}

function subnetKey(option: LaunchOption): string {
  return `subnet:${option.subnetId ?? "default"}`;
}

function describeOption(option: LaunchOption): string {
  return `${option.instanceType ?? "template type"} in ${option.subnetId ?? "default subnet"} (${option.market})`;
}
