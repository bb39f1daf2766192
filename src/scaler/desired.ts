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
