/**
 * How each cloud bills a machine's lifetime, and the cost of one machine under that rule.
 *
 * - Compute Engine: vCPUs and memory per second with a 1-minute minimum, from start until the
 *   VM is TERMINATED; persistent disks per GB-month, pro-rated by the second while they exist.
 * - EC2 (Linux): per second with a 60-second minimum; EBS volumes per GB-month, also per second
 *   with a 60-second minimum.
 * A GB-month is 730 hours for both. The lifetime is the machine's whole life — from the create
 * the cloud accepted to the delete (or the preemption) — so boot and idle time before the job
 * count: that is what the bill says. (Compute does not bill PROVISIONING and STAGING, a few
 * seconds this estimate counts.)
 */

export interface BillingRule {
  /** Shown in docs and logs. */
  name: string;
  minimumSeconds: number;
  diskMinimumSeconds: number;
}

export const BILLING_RULES = {
  gcp: {
    name: "Compute Engine: per second, 1-minute minimum",
    minimumSeconds: 60,
    diskMinimumSeconds: 0,
  },
  ec2: {
    name: "EC2 Linux: per second, 60-second minimum",
    minimumSeconds: 60,
    diskMinimumSeconds: 60,
  },
  sim: {
    name: "simulated: per second, 1-minute minimum",
    minimumSeconds: 60,
    diskMinimumSeconds: 0,
  },
} as const satisfies Record<string, BillingRule>;

export const HOURS_PER_MONTH = 730;

/** Whole seconds billed for a lifetime: every started second, at least `minimum`. */
export function billedSeconds(lifetimeMs: number, minimum: number): number {
  return Math.max(minimum, Math.ceil(Math.max(0, lifetimeMs) / 1000));
}

export interface CostInput {
  rule: BillingRule;
  lifetimeMs: number;
  /** USD per hour of the machine; null or undefined when not known. */
  hourly: number | null | undefined;
  diskGb?: number;
  /** USD per GB-month of its disk; undefined: the disk is not priced (left out). */
  diskGbMonth?: number;
}

/** USD, or null when a price it needs is unknown (never 0 for "unknown"). */
export function machineCost(input: CostInput): number | null {
  const { rule, lifetimeMs, hourly, diskGb, diskGbMonth } = input;
  if (hourly === null || hourly === undefined || !(hourly > 0)) return null;
  const vm = (billedSeconds(lifetimeMs, rule.minimumSeconds) * hourly) / 3600;
  if (diskGbMonth === undefined) return vm;
  if (diskGb === undefined || !(diskGb > 0)) return null;
  const diskSeconds = billedSeconds(lifetimeMs, rule.diskMinimumSeconds);
  return vm + (diskGb * diskGbMonth * diskSeconds) / (HOURS_PER_MONTH * 3600);
}
