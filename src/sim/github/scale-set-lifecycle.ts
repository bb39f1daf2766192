import { rematchUnmatched, removeRunner } from "./job-flow.js";
import type { SimJob, SimScaleSet } from "./model.js";
import type { SimWorld } from "./world.js";

/**
 * Deleting a scale set (API call or GitHub's server-side cleanup): its session and queue vanish,
 * idle registrations are removed, jobs not yet on a runner go back to the pool (and may match
 * another scale set). Jobs already running finish on their runner.
 */
export function deleteScaleSet(world: SimWorld, scaleSet: SimScaleSet): void {
  if (world.scaleSets.get(scaleSet.id) !== scaleSet) return;
  if (scaleSet.session) world.deleteSession(scaleSet.session);
  const requeue: SimJob[] = [];
  for (const job of world.jobs.values()) {
    if (job.scaleSetId === scaleSet.id && job.state !== "completed" && job.state !== "running") {
      requeue.push(job);
    }
  }
  for (const runner of [...world.runners.values()]) {
    if (runner.scaleSetId === scaleSet.id && !runner.busy) removeRunner(world, runner);
  }
  scaleSet.queue.close();
  world.scaleSets.delete(scaleSet.id);
  for (const job of requeue) {
    world.setJobState(job, "queued", null);
    job.scaleSetAssignTime = null;
    world.unmatched.add(job);
  }
  rematchUnmatched(world);
}
