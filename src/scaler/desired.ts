import type { RunnerRecord } from "./runner-record.js";

/**
 * The scaling rule of the scale set protocol: one runner per assigned job on top of the minimum,
 * never above the maximum. Derived from statistics, never from message counts (jobs can be
 * re-assigned several times).
 */
export function desiredRunnerCount(
  minRunners: number,
  maxRunners: number,
  totalAssignedJobs: number,
): number {
  const assigned =
    Number.isFinite(totalAssignedJobs) && totalAssignedJobs > 0 ? Math.floor(totalAssignedJobs) : 0;
  return Math.min(maxRunners, minRunners + assigned);
}

/**
 * Which runners go when there are more than the target: runners not yet provisioned first
 * (cancelling them costs nothing), then idle or booting ones that have waited `idleTimeoutMs`,
 * longest-waiting first. Busy runners are never chosen.
 */
export function planScaleDown(
  active: readonly RunnerRecord[],
  target: number,
  now: number,
  idleTimeoutMs: number,
): { cancel: RunnerRecord[]; retire: RunnerRecord[] } {
  let excess = active.length - target;
  const cancel: RunnerRecord[] = [];
  if (excess <= 0) return { cancel, retire: [] };
  for (const record of active) {
    if (excess === 0) break;
    if (record.state === "pending" && !record.adopted && !record.cancelled) {
      cancel.push(record);
      excess--;
    }
  }
  const retire = active
    .filter(
      (r) => (r.state === "idle" || r.state === "booting") && now - r.stateSince >= idleTimeoutMs,
    )
    .sort((a, b) => a.stateSince - b.stateSince)
    .slice(0, excess);
  return { cancel, retire };
}
