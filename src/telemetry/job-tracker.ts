/**
 * One trace per job: a root `scaleset.job` span from when GitHub queued the job until its runner's
 * VM is deleted (or its JobCompleted, when no runner ran it), with events for each job message
 * (available, assigned, started, completed). The runner that ran it joins the trace as a child
 * (see runner-tracker.ts); a message span is the child of the first job it carries and a link
 * of the others. (Events, not child spans, for the phases: the runner's spans show them, and
 * every span costs export CPU.) Also the jobs' metrics, and the FIFO of assigned jobs a
 * scale-up serves (`scaleset.runner.created_for_job`).
 */
import {
  type Attributes,
  type Context,
  ROOT_CONTEXT,
  type Span,
  type SpanContext,
  SpanStatusCode,
  type Tracer,
  trace,
} from "@opentelemetry/api";
import { millisToHrTime } from "@opentelemetry/core";
import type { JobMessageBase, ScaleSetMessage } from "../github/types.js";
import { ATTR, taskResult } from "./attributes.js";
import type { Instruments } from "./instruments.js";
import { later } from "./moved.js";
import type { TraceBinding } from "./trace-binder.js";

export interface JobTrace {
  readonly id: string;
  readonly span: Span;
  readonly context: Context;
  state: "waiting" | "running" | "completed";
  /** Wall-clock ms when the job was queued (GitHub's queueTime) or first seen. */
  readonly queuedAt: number;
  /** Wall-clock ms of the first JobAssigned seen. */
  assignedAt?: number;
  startedAt?: number;
  /** A runner was already created on this job's behalf. */
  served: boolean;
  /** The span of the runner that ran it, while that runner's record (its VM) exists. */
  runner?: SpanContext;
  /** Message spans in this job's trace still open: the job span ends after them. */
  messagesOpen: number;
  /** Its span ends as soon as those messages end. */
  ending: boolean;
  ended: boolean;
}

/** More open job spans than this and the oldest is ended (a lost JobCompleted must not leak). */
const MAX_OPEN_JOBS = 20_000;
const MAX_CLOCK_SKEW_MS = 7 * 24 * 3_600_000;
/** Results that are an error of the job (`error.type` on its span); success and skip are not. */
const FAILED_RESULTS = new Set(["failure", "cancellation", "timeout", "error"]);

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
    private readonly binding: TraceBinding,
  ) {}

  /**
   * The job whose trace a message's span belongs in: the first it carries (opened if new). Its
   * span stays open until `messageEnded(parent)`.
   */
  parentOf(message: ScaleSetMessage): JobTrace | undefined {
    const first =
      message.jobAvailable[0] ??
      message.jobAssigned[0] ??
      message.jobStarted[0] ??
      message.jobCompleted[0];
    const parent = first && this.#touch(first);
    if (parent) parent.messagesOpen++;
    return parent;
  }

  /**
   * Called inside the message's span, before the scaler sees the message. Every job but the
   * span's parent gets a link to it.
   */
  onMessage(message: ScaleSetMessage, messageSpan: SpanContext, parent?: JobTrace): void {
    const now = Date.now();
    for (const j of message.jobAvailable) {
      const job = this.#touch(j, messageSpan, parent);
      job.span.addEvent("available");
      this.m.jobsAvailable.add(1, this.attributes);
    }
    for (const j of message.jobAssigned) {
      const job = this.#touch(j, messageSpan, parent);
      job.span.addEvent("assigned");
      job.assignedAt ??= now;
      this.m.jobsAssigned.add(1, this.attributes);
      if (job.state === "waiting" && !job.served) this.#demand.push(job);
    }
    if (this.#demand.length > MAX_OPEN_JOBS) this.#demand.splice(0, this.#demand.length / 2);
    for (const j of message.jobStarted) {
      const job = this.#touch(j, messageSpan, parent);
      this.#started(job, j.runnerAssignTime, j.runnerName, j.runnerId);
      if (j.runnerName) this.onStarted(j.runnerName, job, messageSpan);
    }
    for (const j of message.jobCompleted) {
      const job = this.#touch(j, messageSpan, parent);
      if (j.runnerName) this.onCompleted(j.runnerName, messageSpan);
      this.#completed(job, j.result, j.runnerAssignTime, j.finishTime);
    }
  }

  /** The message span in `parent`'s trace has ended: the job span may end now. */
  messageEnded(parent: JobTrace): void {
    parent.messagesOpen--;
    if (parent.ending) this.#endSpan(parent);
  }

  /** The runner that ran `job` is gone (VM deleted): a completed job's span ends now. */
  runnerClosed(job: JobTrace): void {
    job.runner = undefined;
    if (job.state === "completed") this.#endSpan(job);
  }

  /**
   * Ends the job span after its message spans, and no earlier than any span of its trace (see
   * TraceBinding.latestEnd).
   */
  #endSpan(job: JobTrace): void {
    if (job.messagesOpen > 0) {
      job.ending = true;
      return;
    }
    if (!job.ending && job.ended) return;
    job.ending = false;
    job.ended = true;
    const now = millisToHrTime(Date.now());
    const latest = this.binding.latestEnd(job.span.spanContext());
    job.span.end(latest ? later(latest, now) : now);
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

  #touch(message: JobMessageBase, messageSpan?: SpanContext, parent?: JobTrace): JobTrace {
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
    if (messageSpan && job !== parent) job.span.addLink({ context: messageSpan });
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
    this.binding.track(span.spanContext());
    return {
      id: message.jobId,
      span,
      context,
      state: "waiting",
      queuedAt,
      served: false,
      messagesOpen: 0,
      ending: false,
      ended: false,
    };
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
    if (FAILED_RESULTS.has(mapped)) {
      job.span.setAttribute(ATTR.errorType, mapped);
      job.span.setStatus({ code: SpanStatusCode.ERROR });
    }
    job.span.addEvent("completed");
    this.#jobs.delete(job.id);
    if (job.state === "completed") return;
    job.state = "completed";
    // The span covers the teardown: it ends when its runner's VM is deleted.
    if (!job.runner) this.#endSpan(job);
  }

  #end(job: JobTrace, unfinished: boolean): void {
    if (unfinished) job.span.setAttribute(ATTR.jobEvicted, true);
    job.messagesOpen = 0; // shutdown or eviction: no message will end it later
    this.#endSpan(job);
  }
}
