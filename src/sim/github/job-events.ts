import type { JobMessageType } from "../../github/types.js";
import type { SimJob } from "./model.js";
import type { SimWorld } from "./world.js";

/** Serializes job messages (the inner array of a broker message) exactly as the service sends them. */

/** Unset timestamps travel as Go's zero time (clients must treat it as unset). */
const ZERO_TIME = "0001-01-01T00:00:00Z";

const time = (date: Date | null): string => (date ? date.toISOString() : ZERO_TIME);

export function jobEventJson(world: SimWorld, type: JobMessageType, job: SimJob): string {
  const { ownerName, repositoryName, jobMode } = world.options;
  const event: Record<string, unknown> = {
    messageType: type,
    runnerRequestId: jobMode === "available" ? job.requestId : 0,
    jobId: job.id,
    repositoryName,
    ownerName,
    jobWorkflowRef: `${ownerName}/${repositoryName}/.github/workflows/sim.yml@refs/heads/main`,
    jobDisplayName: job.displayName,
    workflowRunId: job.workflowRunId,
    eventName: "push",
    requestLabels: job.labels,
    queueTime: time(job.queueTime),
    scaleSetAssignTime: time(job.scaleSetAssignTime),
    runnerAssignTime: time(job.runnerAssignTime),
    finishTime: time(job.finishTime),
  };
  if (type === "JobAvailable") {
    event.acquireJobUrl = `${world.actionsBase}_apis/runtime/runnerscalesets/${job.scaleSetId}/acquirejob`;
  } else if (type === "JobStarted" || type === "JobCompleted") {
    // A job cancelled before reaching a runner has no runner: id 0, empty name.
    event.runnerId = job.runner?.id ?? 0;
    event.runnerName = job.runner?.name ?? "";
    if (type === "JobCompleted") event.result = job.result ?? "";
  }
  return JSON.stringify(event);
}

/**
 * An item of GET acquirablejobs (§4.13): exactly the fields the protocol reference shows — no
 * jobId and no timestamps, so a client cannot come to depend on them.
 */
export function acquirableJobJson(world: SimWorld, job: SimJob): Record<string, unknown> {
  const { ownerName, repositoryName } = world.options;
  return {
    acquireJobUrl: `${world.actionsBase}_apis/runtime/runnerscalesets/${job.scaleSetId}/acquirejob`,
    messageType: "JobAvailable",
    runnerRequestId: job.requestId,
    repositoryName,
    ownerName,
    jobWorkflowRef: `${ownerName}/${repositoryName}/.github/workflows/sim.yml@refs/heads/main`,
    eventName: "push",
    requestLabels: job.labels,
  };
}

/** Appends a job message to the queue of the job's scale set (no-op when it has none). */
export function emitJobEvent(world: SimWorld, type: JobMessageType, job: SimJob): void {
  if (job.scaleSetId === null) return;
  const scaleSet = world.scaleSets.get(job.scaleSetId);
  if (!scaleSet) return;
  scaleSet.queue.push(jobEventJson(world, type, job));
}
