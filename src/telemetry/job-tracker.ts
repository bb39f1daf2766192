/**
 * One trace per job: a root `scaleset.job` span from when GitHub queued the job to its
 * JobCompleted, with events for each job message (available, assigned, started, completed) and
 * a link to every message span that mentioned the job. (Events, not child spans, for the
 * phases: the runner's spans show them, and every span costs export CPU.) Also the jobs' metrics, and the FIFO of assigned
 * jobs a scale-up serves (the runner created for a job starts its spans inside that job's trace).
 */
import {
  type Attributes,
  type Context,
  ROOT_CONTEXT,
  type Span,
  type SpanContext,
  type Tracer,
  trace,
} from "@opentelemetry/api";
import type { JobMessageBase, ScaleSetMessage } from "../github/types.js";
import { ATTR, taskResult } from "./attributes.js";
import type { Instruments } from "./instruments.js";

export interface JobTrace {
  readonly id: string;
  readonly span: Span;
  readonly context: Context;
  state: "waiting" | "running";
  /** Wall-clock ms when the job was queued (GitHub's queueTime) or first seen. */
  readonly queuedAt: number;
  startedAt?: number;
  /** A runner was already created on this job's behalf. */
  served: boolean;
}

/** More open job spans than this and the oldest is ended (a lost JobCompleted must not leak). */
const MAX_OPEN_JOBS = 20_000;
const MAX_CLOCK_SKEW_MS = 7 * 24 * 3_600_000;

export class JobTracker {
  readonly #jobs = new Map<string, JobTrace>();
  readonly #demand: JobTrace[] = [];
  readonly #resultAttributes = new Map<string, Attributes>();

  constructor(
    private readonly tracer: Tracer,
    private readonly m: Instruments,
    private readonly attributes: Attributes,
    /** JobStarted named the runner that took the job. */
    private readonly onStarted: (runnerName: string, job: JobTrace, message: SpanContext) => void,
    /** JobCompleted named the runner that ran the job. */
    private readonly onCompleted: (runnerName: string, message: SpanContext) => void,
  ) {}

  /** Called inside the message's span, before the scaler sees the message. */
  onMessage(message: ScaleSetMessage, messageSpan: SpanContext): void {
    for (const j of message.jobAvailable) {
      const job = this.#touch(j, messageSpan);
      job.span.addEvent("available");
      this.m.jobsAvailable.add(1, this.attributes);
    }
    for (const j of message.jobAssigned) {
      const job = this.#touch(j, messageSpan);
      job.span.addEvent("assigned");
      this.m.jobsAssigned.add(1, this.attributes);
      if (job.state === "waiting" && !job.served) this.#demand.push(job);
    }
    if (this.#demand.length > MAX_OPEN_JOBS) this.#demand.splice(0, this.#demand.length / 2);
    for (const j of message.jobStarted) {
      const job = this.#touch(j, messageSpan);
      this.#started(job, j.runnerAssignTime, j.runnerName, j.runnerId);
      if (j.runnerName) this.onStarted(j.runnerName, job, messageSpan);
    }
    for (const j of message.jobCompleted) {
      const job = this.#touch(j, messageSpan);
      if (j.runnerName) this.onCompleted(j.runnerName, messageSpan);
      this.#completed(job, j.result, j.runnerAssignTime, j.finishTime);
    }
  }

  /** The oldest assigned job no runner was created for yet; marks it served. */
  takeDemand(): JobTrace | undefined {
    while (this.#demand.length > 0) {
      const job = this.#demand.shift() as JobTrace;
      if (job.state === "waiting" && !job.served && this.#jobs.get(job.id) === job) {
        job.served = true;
        return job;
      }
    }
    return undefined;
  }

  /** Jobs not started yet, and the age in seconds of the oldest. */
  waiting(now: number): { count: number; maxAgeSeconds: number } {
    let count = 0;
    let oldest = now;
    for (const job of this.#jobs.values()) {
      if (job.state !== "waiting") continue;
      count++;
      if (job.queuedAt < oldest) oldest = job.queuedAt;
    }
    return { count, maxAgeSeconds: (now - oldest) / 1000 };
  }

  /** Ends every open span (shutdown): the traces are exported, marked unfinished. */
  endAll(): void {
    for (const job of this.#jobs.values()) this.#end(job, true);
    this.#jobs.clear();
    this.#demand.length = 0;
  }

  #touch(message: JobMessageBase, messageSpan: SpanContext): JobTrace {
    let job = this.#jobs.get(message.jobId);
    if (!job) {
      job = this.#open(message);
      this.#jobs.set(job.id, job);
      if (this.#jobs.size > MAX_OPEN_JOBS) {
        const oldest = this.#jobs.values().next().value as JobTrace;
        this.#jobs.delete(oldest.id);
        this.#end(oldest, true);
      }
    }
    job.span.addLink({ context: messageSpan });
    return job;
  }

  #open(message: JobMessageBase): JobTrace {
    const now = Date.now();
    const queueTime = message.queueTime?.getTime();
    const queuedAt =
      queueTime !== undefined && queueTime <= now && now - queueTime < MAX_CLOCK_SKEW_MS
        ? queueTime
        : now;
    const span = this.tracer.startSpan(
      "scaleset.job",
      {
        startTime: queuedAt,
        attributes: {
          ...this.attributes,
          [ATTR.taskRunId]: message.jobId,
          [ATTR.taskName]: message.jobDisplayName,
          [ATTR.pipelineRunId]: String(message.workflowRunId),
          [ATTR.pipelineName]: message.jobWorkflowRef,
          [ATTR.repositoryName]: message.repositoryName,
          [ATTR.ownerName]: message.ownerName,
          [ATTR.jobRequestId]: message.runnerRequestId,
          [ATTR.jobEventName]: message.eventName,
        },
      },
      ROOT_CONTEXT,
    );
    const context = trace.setSpan(ROOT_CONTEXT, span);
    return { id: message.jobId, span, context, state: "waiting", queuedAt, served: false };
  }

  #started(job: JobTrace, assignTime: Date | undefined, runner: string, runnerId: number): void {
    if (job.state !== "waiting") return;
    const now = Date.now();
    job.state = "running";
    job.startedAt = now;
    const assignedAt = assignTime?.getTime();
    const waited =
      (assignedAt !== undefined && assignedAt >= job.queuedAt ? assignedAt : now) - job.queuedAt;
    this.m.jobsStarted.add(1, this.attributes);
    this.m.jobQueueDuration.record(waited / 1000, this.attributes);
    job.span.setAttribute(ATTR.workerName, runner);
    if (runnerId) job.span.setAttribute(ATTR.workerId, runnerId);
    job.span.addEvent("started"); // the runner is the span's cicd.worker.name
  }

  #completed(job: JobTrace, result: string, assignTime?: Date, finishTime?: Date): void {
    const mapped = taskResult(result);
    let attributes = this.#resultAttributes.get(mapped);
    if (!attributes) {
      attributes = { ...this.attributes, [ATTR.taskResult]: mapped };
      this.#resultAttributes.set(mapped, attributes);
    }
    this.m.jobsCompleted.add(1, attributes);
    if (job.startedAt !== undefined) {
      const start = assignTime?.getTime();
      const end = finishTime?.getTime();
      const ms =
        start !== undefined && end !== undefined && end >= start
          ? end - start
          : Date.now() - job.startedAt;
      this.m.jobDuration.record(ms / 1000, attributes);
    }
    job.span.setAttribute(ATTR.taskResult, mapped);
    job.span.setAttribute(ATTR.jobResultRaw, result);
    job.span.addEvent("completed");
    this.#jobs.delete(job.id);
    this.#end(job, false);
  }

  #end(job: JobTrace, unfinished: boolean): void {
    if (unfinished) job.span.setAttribute(ATTR.jobEvicted, true);
    job.span.end();
  }
}
