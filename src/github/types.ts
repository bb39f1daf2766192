/**
 * Wire types of the runner scale set protocol (see docs/protocol.md, derived from the
 * protocol reference). Responses are decoded tolerantly: unknown keys are ignored.
 */

export interface RunnerGroup {
  id: number;
  name: string;
  isDefaultGroup: boolean;
}

export interface ScaleSetLabel {
  type: string;
  name: string;
}

export interface RunnerScaleSetStatistics {
  totalAvailableJobs: number;
  totalAcquiredJobs: number;
  totalAssignedJobs: number;
  totalRunningJobs: number;
  totalRegisteredRunners: number;
  totalBusyRunners: number;
  totalIdleRunners: number;
}

/** Statistics with every count at zero (a scale set with nothing queued, running or registered). */
export const ZERO_STATISTICS: Readonly<RunnerScaleSetStatistics> = Object.freeze({
  totalAvailableJobs: 0,
  totalAcquiredJobs: 0,
  totalAssignedJobs: 0,
  totalRunningJobs: 0,
  totalRegisteredRunners: 0,
  totalBusyRunners: 0,
  totalIdleRunners: 0,
});

export interface RunnerScaleSet {
  id: number;
  name: string;
  runnerGroupId: number;
  runnerGroupName: string;
  labels: ScaleSetLabel[];
  runnerSetting: { disableUpdate?: boolean; ephemeral?: boolean; isElastic?: boolean };
  runnerJitConfigUrl?: string;
  statistics?: RunnerScaleSetStatistics;
}

export interface CreateScaleSetInput {
  name: string;
  runnerGroupId: number;
  labels: string[];
  disableUpdate?: boolean;
}

export interface MessageSession {
  sessionId: string;
  ownerName: string;
  runnerScaleSet?: { id: number; name: string };
  messageQueueUrl: string;
  messageQueueAccessToken: string;
  statistics: RunnerScaleSetStatistics;
}

/** A JIT runner registration as returned by generatejitconfig. `encodedJITConfig` is a secret. */
export interface JitRunnerConfig {
  runner: RunnerReference;
  encodedJITConfig: string;
}

export interface RunnerReference {
  id: number;
  name: string;
  runnerScaleSetId: number;
  /** "online" | "offline" when the server reports it. */
  status?: string;
  busy?: boolean;
}

export type JobMessageType = "JobAvailable" | "JobAssigned" | "JobStarted" | "JobCompleted";

export interface JobMessageBase {
  messageType: JobMessageType;
  runnerRequestId: number;
  jobId: string;
  repositoryName: string;
  ownerName: string;
  jobWorkflowRef: string;
  jobDisplayName: string;
  workflowRunId: number;
  eventName: string;
  requestLabels: string[];
  queueTime?: Date;
  scaleSetAssignTime?: Date;
  runnerAssignTime?: Date;
  finishTime?: Date;
}

export interface JobAvailable extends JobMessageBase {
  messageType: "JobAvailable";
  acquireJobUrl: string;
}

export interface JobAssigned extends JobMessageBase {
  messageType: "JobAssigned";
}

export interface JobStarted extends JobMessageBase {
  messageType: "JobStarted";
  runnerId: number;
  runnerName: string;
}

export interface JobCompleted extends JobMessageBase {
  messageType: "JobCompleted";
  result: string;
  /** 0 / "" when the job was cancelled before it reached a runner. */
  runnerId: number;
  runnerName: string;
}

export type JobMessage = JobAvailable | JobAssigned | JobStarted | JobCompleted;

/** One long-poll response, with its body already decoded into job messages. */
export interface ScaleSetMessage {
  messageId: number;
  messageType: string;
  statistics: RunnerScaleSetStatistics;
  jobAvailable: JobAvailable[];
  jobAssigned: JobAssigned[];
  jobStarted: JobStarted[];
  jobCompleted: JobCompleted[];
}
