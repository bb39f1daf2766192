/**
 * Every metric scaleset exports: name, kind, unit, description, attributes. This table is the
 * reference (docs/telemetry.md mirrors it; a test keeps the two in step). Prometheus names are
 * the OTel name with dots → underscores, the unit as a suffix (`s` → `_seconds`; `{…}` units
 * add nothing) and `_total` on counters.
 */
export type MetricKind = "counter" | "updown" | "histogram" | "gauge" | "observable-counter";

export interface MetricDefinition {
  name: string;
  kind: MetricKind;
  unit: string;
  description: string;
  attributes: readonly string[];
  buckets?: readonly number[];
}

/**
 * 10 s to 300 s, each bound at most 10 % above the one before: where VM creates, boots and job
 * queue times fall. histogram_quantile interpolates linearly inside a bucket, so a p95 read from
 * Prometheus there is off by at most the bucket's width, 10 % (30, 60, 120 alone: up to 200 %).
 */
const TEN_PERCENT_STEPS_10S_TO_5M = [
  10, 11, 12.1, 13.3, 14.6, 16, 17.6, 19.3, 21.2, 23.3, 25.6, 28.1, 30.9, 33.9, 37.2, 40.9, 44.9,
  49.3, 54.2, 59.6, 65.5, 72, 79.2, 87.1, 95.8, 105, 115, 126, 138, 151, 166, 182, 200, 220, 242,
  266, 292, 300,
];
/** Phase durations: from a tenth of a second to six hours. */
const PHASE_BUCKETS = [0.1, 0.5, 1, 2.5, 5, ...TEN_PERCENT_STEPS_10S_TO_5M, 600, 1800, 3600, 21600];
/** API calls: the HTTP semantic conventions' buckets, extended for slow cloud operations. */
const CALL_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 120];
/** Cloud calls: a create waits for the VM's operation, tens of seconds. */
const CLOUD_BUCKETS = [...CALL_BUCKETS.filter((b) => b < 10), ...TEN_PERCENT_STEPS_10S_TO_5M];
/** A runner machine's bill in USD: a tenth of a cent to tens of dollars. */
const COST_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 25];
/** Long polls return after up to ~50 s. */
const POLL_BUCKETS = [0.01, 0.05, 0.1, 0.5, 1, 5, 10, 30, 50, 60, 120];

const SET = "scaleset.scale_set";
const ENGINE = "scaleset.engine.type";

export const METRICS = {
  runners: {
    name: "scaleset.runners",
    kind: "gauge",
    unit: "{runner}",
    description: "Runners tracked by the scaler, by state (pending, booting, idle, busy, deleting)",
    attributes: [SET, ENGINE, "scaleset.runner.state"],
  },
  runnersDesired: {
    name: "scaleset.runners.desired",
    kind: "gauge",
    unit: "{runner}",
    description: "Runners the scale set should have: min(max_runners, min_runners + assigned jobs)",
    attributes: [SET],
  },
  runnersMin: {
    name: "scaleset.runners.min",
    kind: "gauge",
    unit: "{runner}",
    description: "min_runners in force (a schedule window's while one is active)",
    attributes: [SET],
  },
  runnersMax: {
    name: "scaleset.runners.max",
    kind: "gauge",
    unit: "{runner}",
    description: "max_runners of the scale set",
    attributes: [SET],
  },
  githubRunners: {
    name: "scaleset.github.runners",
    kind: "gauge",
    unit: "{runner}",
    description:
      "GitHub's statistics for the scale set's runners: registered, busy, idle (compare with scaleset.runners)",
    attributes: [SET, "scaleset.github.runner_state"],
  },
  scaleDecisions: {
    name: "scaleset.scaler.decisions",
    kind: "counter",
    unit: "{decision}",
    description:
      "Scale decisions, one per runner: up (a runner added), down (an idle runner retired as not needed)",
    attributes: [SET, ENGINE, "scaleset.scale.direction"],
  },
  runnersCreated: {
    name: "scaleset.runners.created",
    kind: "counter",
    unit: "{runner}",
    description: "Machines the cloud accepted for new runners",
    attributes: [SET, ENGINE, "scaleset.machine.location"],
  },
  runnersDeleted: {
    name: "scaleset.runners.deleted",
    kind: "counter",
    unit: "{runner}",
    description: "Runner machines deleted, by teardown reason",
    attributes: [SET, ENGINE, "scaleset.teardown.reason"],
  },
  createFailures: {
    name: "scaleset.runners.create_failures",
    kind: "counter",
    unit: "{failure}",
    description: "Failed runner creations, by stage (jit, engine) and error class",
    attributes: [SET, ENGINE, "scaleset.create.stage", "error.type"],
  },
  jobsAvailable: {
    name: "scaleset.jobs.available",
    kind: "counter",
    unit: "{job}",
    description: "JobAvailable messages received",
    attributes: [SET],
  },
  jobsAssigned: {
    name: "scaleset.jobs.assigned",
    kind: "counter",
    unit: "{job}",
    description: "JobAssigned messages received (a job can be assigned more than once)",
    attributes: [SET],
  },
  jobsStarted: {
    name: "scaleset.jobs.started",
    kind: "counter",
    unit: "{job}",
    description: "Jobs started on a runner of the scale set",
    attributes: [SET],
  },
  jobsCompleted: {
    name: "scaleset.jobs.completed",
    kind: "counter",
    unit: "{job}",
    description: "Jobs completed, by result",
    attributes: [SET, "cicd.pipeline.task.run.result"],
  },
  jobsWaiting: {
    name: "scaleset.jobs.waiting",
    kind: "gauge",
    unit: "{job}",
    description: "Jobs seen (available or assigned) that have not started yet",
    attributes: [SET],
  },
  jobsWaitingMaxAge: {
    name: "scaleset.jobs.waiting.max_age",
    kind: "gauge",
    unit: "s",
    description: "Age of the oldest job that has not started yet (0 when none waits)",
    attributes: [SET],
  },
  jobQueueDuration: {
    name: "scaleset.job.queue.duration",
    kind: "histogram",
    unit: "s",
    description: "Job queued → runner assigned (GitHub's queueTime to runnerAssignTime)",
    attributes: [SET],
    buckets: PHASE_BUCKETS,
  },
  jobStartDuration: {
    name: "scaleset.job.start.duration",
    kind: "histogram",
    unit: "s",
    description:
      "Job assigned → started on a runner: warm (an idle runner was waiting) or cold (a VM had to boot)",
    attributes: [SET, ENGINE, "scaleset.job.start.type"],
    buckets: PHASE_BUCKETS,
  },
  jobDuration: {
    name: "scaleset.job.duration",
    kind: "histogram",
    unit: "s",
    description: "Job started → completed, by result",
    attributes: [SET, "cicd.pipeline.task.run.result"],
    buckets: PHASE_BUCKETS,
  },
  provisionDuration: {
    name: "scaleset.runner.provision.duration",
    kind: "histogram",
    unit: "s",
    description: "Scale-up decision → cloud accepted the create (JIT config + create call)",
    attributes: [SET, ENGINE],
    buckets: PHASE_BUCKETS,
  },
  bootDuration: {
    name: "scaleset.runner.boot.duration",
    kind: "histogram",
    unit: "s",
    description: "Create accepted → runner online (idle) or running a job",
    attributes: [SET, ENGINE],
    buckets: PHASE_BUCKETS,
  },
  teardownDuration: {
    name: "scaleset.runner.teardown.duration",
    kind: "histogram",
    unit: "s",
    description: "Teardown started → machine and registration gone",
    attributes: [SET, ENGINE, "scaleset.teardown.reason"],
    buckets: PHASE_BUCKETS,
  },
  githubJobs: {
    name: "scaleset.github.jobs",
    kind: "gauge",
    unit: "{job}",
    description: "GitHub's statistics for the scale set, by job state",
    attributes: [SET, "scaleset.github.job_state"],
  },
  githubRequests: {
    name: "scaleset.github.requests",
    kind: "counter",
    unit: "{request}",
    description: "GitHub API calls (one per logical call, retries included)",
    attributes: ["scaleset.github.operation"],
  },
  githubErrors: {
    name: "scaleset.github.errors",
    kind: "counter",
    unit: "{error}",
    description: "GitHub API calls that ended with an HTTP error status or no response",
    attributes: ["scaleset.github.operation", "error.type"],
  },
  githubDuration: {
    name: "scaleset.github.request.duration",
    kind: "histogram",
    unit: "s",
    description: "GitHub API call duration, retries included (the long poll is excluded)",
    attributes: ["scaleset.github.operation"],
    buckets: CALL_BUCKETS,
  },
  githubRetries: {
    name: "scaleset.github.retries",
    kind: "counter",
    unit: "{retry}",
    description: "Retries of GitHub API calls (429, 5xx, network errors)",
    attributes: ["scaleset.github.operation"],
  },
  tokenRefreshes: {
    name: "scaleset.github.token_refreshes",
    kind: "counter",
    unit: "{refresh}",
    description: "Tokens fetched: admin (runner-registration), message_queue (session refresh)",
    attributes: ["scaleset.token.kind"],
  },
  cloudRequests: {
    name: "scaleset.cloud.requests",
    kind: "counter",
    unit: "{request}",
    description: "Engine calls (create, delete, list)",
    attributes: [SET, ENGINE, "scaleset.cloud.operation"],
  },
  cloudErrors: {
    name: "scaleset.cloud.errors",
    kind: "counter",
    unit: "{error}",
    description: "Engine calls that failed, by error class (the engine's error code)",
    attributes: [SET, ENGINE, "scaleset.cloud.operation", "error.type"],
  },
  cloudDuration: {
    name: "scaleset.cloud.request.duration",
    kind: "histogram",
    unit: "s",
    description: "Engine call duration (a create includes waiting for the cloud operation)",
    attributes: [SET, ENGINE, "scaleset.cloud.operation"],
    buckets: CLOUD_BUCKETS,
  },
  capacityFallbacks: {
    name: "scaleset.cloud.capacity_fallbacks",
    kind: "counter",
    unit: "{fallback}",
    description: "Creates that moved on to the next zone, type or market after a capacity error",
    attributes: [ENGINE, "error.type"],
  },
  orphansFound: {
    name: "scaleset.orphans.found",
    kind: "counter",
    unit: "{orphan}",
    description: "Machines or registrations found by reconciliation without their counterpart",
    attributes: [SET, ENGINE, "scaleset.orphan.kind", "scaleset.orphan.reason"],
  },
  orphansDeleted: {
    name: "scaleset.orphans.deleted",
    kind: "counter",
    unit: "{orphan}",
    description: "Orphan machines and registrations deleted",
    attributes: [SET, ENGINE, "scaleset.orphan.kind"],
  },
  messagesDropped: {
    name: "scaleset.messages.dropped",
    kind: "counter",
    unit: "{message}",
    description: "Messages acked unhandled after failing to decode 3 times, by message type",
    attributes: [SET, "scaleset.message.type"],
  },
  polls: {
    name: "scaleset.listener.polls",
    kind: "counter",
    unit: "{poll}",
    description: "Long polls that returned, by result (message, empty)",
    attributes: [SET, "scaleset.poll.result"],
  },
  pollDuration: {
    name: "scaleset.listener.poll.duration",
    kind: "histogram",
    unit: "s",
    description: "Long-poll latency, by result",
    attributes: [SET, "scaleset.poll.result"],
    buckets: POLL_BUCKETS,
  },
  sessionConflicts: {
    name: "scaleset.listener.session_conflicts",
    kind: "observable-counter",
    unit: "{conflict}",
    description: "Session creates refused because another listener holds the session (409)",
    attributes: [SET],
  },
  listenerRestarts: {
    name: "scaleset.listener.restarts",
    kind: "observable-counter",
    unit: "{restart}",
    description: "Listener loop recoveries after an error",
    attributes: [SET],
  },
  listenerPolling: {
    name: "scaleset.listener.polling",
    kind: "gauge",
    unit: "",
    description: "1 while the listener holds a session and polls, else 0",
    attributes: [SET],
  },
  lastPoll: {
    name: "scaleset.listener.last_poll.timestamp",
    kind: "gauge",
    unit: "s",
    description: "Unix time of the last long poll start (0 before the first)",
    attributes: [SET],
  },
  lastPollAnswered: {
    name: "scaleset.listener.last_poll_answered.timestamp",
    kind: "gauge",
    unit: "s",
    description:
      "Unix time GitHub last answered a long poll (a message or none) or opened the session; " +
      "0 before that",
    attributes: [SET],
  },
  queueSize: {
    name: "scaleset.scaler.queue.size",
    kind: "gauge",
    unit: "{task}",
    description: "Cloud calls queued or in flight, by queue (create, delete)",
    attributes: [SET, "scaleset.scaler.queue"],
  },
  reconcileDuration: {
    name: "scaleset.reconcile.duration",
    kind: "histogram",
    unit: "s",
    description: "Reconciliation pass (list machines and registrations, act on the differences)",
    attributes: [SET],
    buckets: CALL_BUCKETS,
  },
  reconcileActions: {
    name: "scaleset.reconcile.actions",
    kind: "counter",
    unit: "{action}",
    description:
      "What reconciliation decided about a machine or registration (adopt, delete-machine, remove-registration, keep, leave), by reason",
    attributes: [SET, ENGINE, "scaleset.reconcile.action", "scaleset.reconcile.reason"],
  },
  bootFailures: {
    name: "scaleset.runner.boot_failures",
    kind: "counter",
    unit: "{runner}",
    description:
      "Runner machines that powered off before their runner came online (stale image, wrong metadata key, runner version)",
    attributes: [SET, ENGINE],
  },
  machinesStopped: {
    name: "scaleset.machines.stopped",
    kind: "gauge",
    unit: "{machine}",
    description:
      "Managed machines found powered off at the last reconciliation and not deleted since (they still cost disk)",
    attributes: [SET, ENGINE],
  },
  createBackoff: {
    name: "scaleset.runners.create_backoff",
    kind: "gauge",
    unit: "s",
    description:
      "Seconds until the scaler may try creating runners again after failures (0: not blocked)",
    attributes: [SET],
  },
  jobCost: {
    name: "scaleset.job.cost",
    kind: "histogram",
    unit: "{USD}",
    description:
      "What the machine that ran a job cost in USD: its billed lifetime (boot and idle included) × price, plus its disk; a machine without a price is not recorded (see scaleset.machines.unpriced)",
    attributes: [SET, ENGINE, "scaleset.capacity.type"],
    buckets: COST_BUCKETS,
  },
  cost: {
    name: "scaleset.cost",
    kind: "counter",
    unit: "{USD}",
    description:
      "Spend in USD on runner machines, counted when each is deleted (idle ones included), by capacity type (spot, standard)",
    attributes: [SET, ENGINE, "scaleset.capacity.type"],
  },
  machinesUnpriced: {
    name: "scaleset.machines.unpriced",
    kind: "counter",
    unit: "{machine}",
    description:
      "Runner machines deleted whose cost is unknown (no price configured for their type or capacity): unknown, never counted as free",
    attributes: [SET, ENGINE, "scaleset.capacity.type"],
  },
  preemptions: {
    name: "scaleset.runner.preemptions",
    kind: "counter",
    unit: "{preemption}",
    description: "Spot runner machines the cloud preempted, by zone and machine type",
    attributes: [SET, ENGINE, "cloud.availability_zone", "scaleset.machine.type"],
  },
  reruns: {
    name: "scaleset.spot.reruns",
    kind: "counter",
    unit: "{run}",
    description:
      "Workflow runs failed by preemptions: re-run (requested), left alone by the rule (skipped), or refused by GitHub (failed)",
    attributes: [SET, "scaleset.rerun.outcome"],
  },
} as const satisfies Record<string, MetricDefinition>;

export type MetricId = keyof typeof METRICS;
