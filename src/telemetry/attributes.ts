/**
 * Attribute names. OpenTelemetry semantic conventions where one exists (`cicd.*`, `http.*`,
 * `server.*`, `url.*`, `cloud.*`, `error.type`, `messaging.*`, `vcs.*`), `scaleset.*` otherwise.
 * Metric attributes are only the bounded ones (scale set, engine, state, reason, operation,
 * error class, result); job ids and runner names appear on spans only.
 */
export const ATTR = {
  scaleSet: "scaleset.scale_set",
  engineType: "scaleset.engine.type",
  runnerState: "scaleset.runner.state",
  runnerAdopted: "scaleset.runner.adopted",
  createdForJob: "scaleset.runner.created_for_job",
  teardownReason: "scaleset.teardown.reason",
  createStage: "scaleset.create.stage",
  errorRetryable: "scaleset.error.retryable",
  machineId: "scaleset.machine.id",
  machineLocation: "scaleset.machine.location",
  machineCount: "scaleset.machine.count",
  orphanKind: "scaleset.orphan.kind",
  orphanReason: "scaleset.orphan.reason",
  reconcileAction: "scaleset.reconcile.action",
  reconcileReason: "scaleset.reconcile.reason",
  githubOperation: "scaleset.github.operation",
  cloudOperation: "scaleset.cloud.operation",
  tokenKind: "scaleset.token.kind",
  pollResult: "scaleset.poll.result",
  jobState: "scaleset.github.job_state",
  queueName: "scaleset.scaler.queue",
  messageType: "scaleset.message.type",
  jobRequestId: "scaleset.job.request_id",
  jobEventName: "scaleset.job.event_name",
  jobResultRaw: "scaleset.job.result",
  jobEvicted: "scaleset.job.evicted",
  jobStart: "scaleset.job.start.type",
  scaleDirection: "scaleset.scale.direction",
  githubRunnerState: "scaleset.github.runner_state",
  // OpenTelemetry semantic conventions
  workerName: "cicd.worker.name",
  workerId: "cicd.worker.id",
  taskRunId: "cicd.pipeline.task.run.id",
  taskName: "cicd.pipeline.task.name",
  taskResult: "cicd.pipeline.task.run.result",
  pipelineRunId: "cicd.pipeline.run.id",
  pipelineName: "cicd.pipeline.name",
  repositoryName: "vcs.repository.name",
  ownerName: "vcs.owner.name",
  cloudProvider: "cloud.provider",
  errorType: "error.type",
  httpMethod: "http.request.method",
  httpStatus: "http.response.status_code",
  httpResendCount: "http.request.resend_count",
  urlTemplate: "url.template",
  serverAddress: "server.address",
  serverPort: "server.port",
  messageId: "messaging.message.id",
  messagingOperation: "messaging.operation.type",
  messagingOperationName: "messaging.operation.name",
  messagingSystem: "messaging.system",
} as const;

/** GitHub job results → `cicd.pipeline.task.run.result` values (bounded: unknown → "error"). */
export function taskResult(githubResult: string): string {
  switch (githubResult.toLowerCase()) {
    case "succeeded":
    case "success":
      return "success";
    case "failed":
    case "failure":
      return "failure";
    case "canceled":
    case "cancelled":
      return "cancellation";
    case "skipped":
      return "skip";
    case "timedout":
    case "timed_out":
      return "timeout";
    default:
      return "error";
  }
}

/** `cloud.provider` values for the engines that have one. */
export function cloudProvider(engineType: string): string | undefined {
  if (engineType === "gcp") return "gcp";
  if (engineType === "ec2") return "aws";
  return undefined;
}
