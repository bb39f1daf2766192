/** Job messages for in-process telemetry tests: one job of run 7, and messages carrying jobs. */
import { emptyJobMessages } from "../../src/github/messages.js";
import { type JobAssigned, type ScaleSetMessage, ZERO_STATISTICS } from "../../src/github/types.js";

export function job(id: string): JobAssigned {
  return {
    messageType: "JobAssigned",
    runnerRequestId: 1,
    jobId: id,
    repositoryName: "repo",
    ownerName: "org",
    jobWorkflowRef: "org/repo/.github/workflows/ci.yml@refs/heads/main",
    jobDisplayName: `build ${id}`,
    workflowRunId: 7,
    eventName: "push",
    requestLabels: ["linux"],
    queueTime: new Date(Date.now() - 1000),
  };
}

let nextId = 1;
export function message(parts: Partial<ScaleSetMessage>): ScaleSetMessage {
  return { ...emptyJobMessages(nextId++, { ...ZERO_STATISTICS }), ...parts };
}

export const started = (id: string, runnerName: string) => ({
  ...job(id),
  messageType: "JobStarted" as const,
  runnerId: 1,
  runnerName,
});

export const completed = (id: string, runnerName: string, result = "succeeded") => ({
  ...job(id),
  messageType: "JobCompleted" as const,
  runnerId: 1,
  runnerName,
  result,
});
