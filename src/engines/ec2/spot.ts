import type { Filter, Instance } from "@aws-sdk/client-ec2";
import { withPreference } from "../capacity.js";
import type { CapacityPreference, Preemption } from "../engine.js";
import type { LaunchOption } from "./launch-plan.js";
import { toMachine } from "./machine.js";

/**
 * The EC2 side of spot: a capacity preference applied to the launch walk, interrupted spot
 * instances, and the spot price in effect.
 */

/** The state reason code EC2 gives a spot instance it terminated (interruption behaviour terminate). */
export const SPOT_TERMINATION = "Server.SpotInstanceTermination";

/**
 * The launch options with every spot option the preference rules out turned into an on-demand
 * one in the same place. A subnet's zone is known once an instance was launched or listed in it;
 * until then a zone-wide preference cannot apply to that subnet.
 */
export function applyPreference(
  options: readonly LaunchOption[],
  preference: CapacityPreference | undefined,
  subnetZones: ReadonlyMap<string, string>,
): LaunchOption[] {
  return withPreference(options, preference, {
    isSpot: (o) => o.market === "spot",
    placement: (o) => ({
      zone: o.subnetId ? subnetZones.get(o.subnetId) : undefined,
      machineType: o.instanceType,
    }),
    asStandard: (o) => {
      const { InstanceMarketOptions: _spot, ...input } = o.input;
      return { ...o, market: "on-demand", input };
    },
    key: (o) => `${o.market}/${o.instanceType ?? ""}/${o.subnetId ?? ""}`,
  });
}

/** DescribeInstances filters for this scope's instances EC2 terminated as spot interruptions. */
export function interruptedFilters(scope: Filter[]): Filter[] {
  return [
    ...scope,
    { Name: "instance-state-name", Values: ["shutting-down", "terminated"] },
    { Name: "state-reason-code", Values: [SPOT_TERMINATION] },
  ];
}

/**
 * A preemption from an interrupted instance. EC2 does not say when it interrupted an instance
 * (the state reason has no time), so `at` is when this look found it.
 */
export function toPreemption(instance: Instance, scaleSetName: string, seenAt: Date): Preemption {
  const machine = toMachine(instance, scaleSetName);
  return {
    machineId: machine.id,
    runnerName: machine.runnerName,
    ...(machine.location ? { zone: machine.location } : {}),
    ...(instance.InstanceType ? { machineType: instance.InstanceType } : {}),
    at: seenAt,
  };
}

/** The price from DescribeSpotPriceHistory's answer: the newest entry, in USD per hour. */
export function latestPrice(history: ReadonlyArray<{ SpotPrice?: string; Timestamp?: Date }>) {
  let best: { price: number; at: number } | null = null;
  for (const entry of history) {
    const price = Number(entry.SpotPrice);
    const at = entry.Timestamp?.getTime() ?? 0;
    if (!Number.isFinite(price) || price <= 0) continue;
    if (!best || at > best.at) best = { price, at };
  }
  return best?.price ?? null;
}
