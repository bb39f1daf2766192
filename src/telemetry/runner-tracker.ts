/**
 * A runner's trace: a `scaleset.runner` span from the scale-up decision until its record is
 * dropped, with the GitHub and cloud calls of its provisioning and teardown as children and an
 * event per state change (booting, idle = online, busy, deleting). It starts as a provisional
 * trace that the TraceBinder holds; when JobStarted names the runner it becomes a child of that
 * job's span (see trace-binder.ts), and the job span ends only once the runner's record is gone
 * (its VM deleted). A runner that never runs a job keeps a trace of its own. Links tie the
 * runner to the message that made it; to the messages that later named it (JobStarted,
 * JobCompleted) only when it could not join the job's trace, which already holds or links them.
 * Also the runner metrics and time to job start.
 */
import {
  type Attributes,
  type Context,
  context,
  ROOT_CONTEXT,
  type Span,
  type SpanContext,
  SpanStatusCode,
  type Tracer,
  trace,
} from "@opentelemetry/api";
import type { RunnerPhase, ScalerEvent } from "../scaler/events.js";
import type { RunnerState } from "../scaler/runner-record.js";
import { ATTR } from "./attributes.js";
import type { Instruments } from "./instruments.js";
import type { JobTrace } from "./job-tracker.js";
import type { TraceBinding } from "./trace-binder.js";

interface RunnerTrace {
  readonly root: Span;
  readonly context: Context;
  readonly adopted: boolean;
  readonly createdAt: number;
  bootingAt?: number;
  /** When it first came online (idle): a job assigned after that found it waiting (warm). */
  idleAt?: number;
  deletingAt?: number;
  reason?: string;
  job?: JobTrace;
  /** Its spans were moved into the job's trace (else the two are only linked). */
  joined?: boolean;
  orphan: boolean;
}

/** Bound on bookkeeping for runners named by messages before the scaler tracks them. */
const MAX_PENDING = 10_000;

export class RunnerTracker {
  readonly #runners = new Map<string, RunnerTrace>();
  readonly #pendingJobs = new Map<string, JobTrace>();
  readonly #orphans = new Set<string>();
  /** Metric attributes by extra key, then value: the hot path allocates nothing. */
  readonly #cache = new Map<string, Map<string, Attributes>>();

  constructor(
    private readonly tracer: Tracer,
    private readonly m: Instruments,
    private readonly attributes: Attributes,
    private readonly takeDemand: () => JobTrace | undefined,
    private readonly binding: TraceBinding,
    /** The runner's record is gone (VM deleted): the job it ran may end its span. */
    private readonly onRunnerClosed: (job: JobTrace) => void,
  ) {}

  /** The ScalerObserver: cheap, never throws on unknown runners. */
  onEvent(event: ScalerEvent): void {
    switch (event.type) {
      case "state":
        this.#onState(event.runner, event.from, event.to, event.adopted === true);
        return;
      case "machine-created": {
        this.m.runnersCreated.add(
          1,
          event.location ? this.#with(ATTR.machineLocation, event.location) : this.attributes,
        );
        const root = this.#runners.get(event.runner)?.root;
        root?.setAttribute(ATTR.machineId, event.machineId);
        if (event.location) root?.setAttribute(ATTR.machineLocation, event.location);
        return;
      }
      case "create-failed": {
        this.m.createFailures.add(1, {
          ...this.attributes,
          [ATTR.createStage]: event.stage ?? "engine",
          [ATTR.errorType]: event.code,
        });
        const root = this.#runners.get(event.runner)?.root;
        root?.setAttribute(ATTR.errorType, event.code);
        root?.setStatus({ code: SpanStatusCode.ERROR, message: `create failed (${event.code})` });
        return;
      }
      case "machine-deleted": {
        this.m.runnersDeleted.add(1, this.#with(ATTR.teardownReason, event.reason));
        const runner = this.#runners.get(event.runner);
        runner?.root.addEvent("machine.deleted");
        if (runner?.orphan) this.m.orphansDeleted.add(1, this.#with(ATTR.orphanKind, "machine"));
        return;
      }
      case "registration-removed":
        if (event.reason === "ghost")
          this.m.orphansDeleted.add(1, this.#with(ATTR.orphanKind, "registration"));
        return;
      case "orphan":
        this.m.orphansFound.add(1, {
          ...this.attributes,
          [ATTR.orphanKind]: event.kind,
          [ATTR.orphanReason]: event.reason,
        });
        if (event.kind === "machine" && event.runner) this.#orphans.add(event.runner);
        return;
      case "reconcile":
        this.m.reconcileActions.add(1, {
          ...this.attributes,
          [ATTR.reconcileAction]: event.action,
          [ATTR.reconcileReason]: event.reason,
        });
        return;
      case "boot-failed":
        this.m.bootFailures.add(1, this.attributes);
        this.#runners.get(event.runner)?.root.addEvent("boot.failed");
        return;
      case "create-called":
        return;
    }
  }

  /**
   * Runs a provisioning or teardown with the runner's span active, so its GitHub and cloud calls
   * become the runner's children (see ScalerTracing). No span of its own: the calls' spans show
   * the phase, and each span costs export CPU; the outcome goes on the runner span as an event.
   */
  runnerPhase<T>(runner: string, phase: RunnerPhase, work: () => Promise<T>, reason?: string) {
    const record = this.#runners.get(runner);
    if (!record) return work();
    if (reason) {
      record.reason = reason;
      // Retiring a runner no longer needed is the scaler deciding to scale down.
      if (phase === "teardown" && reason === "idle-timeout")
        this.m.scaleDecisions.add(1, this.#with(ATTR.scaleDirection, "down"));
    }
    return context.with(record.context, work).then(
      (result) => {
        // Only the unusual outcomes: "created" and "done" are visible from the calls' spans.
        const outcome = outcomeOf(result);
        if (outcome !== "created" && outcome !== "done")
          record.root.addEvent(`${phase}.${outcome}`);
        return result;
      },
      (error: unknown) => {
        record.root.addEvent(`${phase}.error`);
        throw error;
      },
    );
  }

  /** JobStarted: `job` runs on `runner`. The runner's trace joins the job's; linked to the message. */
  bindJob(runner: string, job: JobTrace, message: SpanContext): void {
    const record = this.#runners.get(runner);
    if (!record) {
      if (this.#pendingJobs.size < MAX_PENDING) this.#pendingJobs.set(runner, job);
      return;
    }
    this.#recordStart(record, job);
    this.#bind(record, job);
    // A joined runner is in the job's trace, which already has this message (child or link).
    if (!record.joined) record.root.addLink({ context: message });
  }

  /** Whether the runner that runs `job` still exists (its VM not deleted yet). */
  isOpen(runner: string): boolean {
    return this.#runners.has(runner);
  }

  /** A message (JobCompleted) named the runner. */
  touchedBy(runner: string, message: SpanContext): void {
    const record = this.#runners.get(runner);
    if (record && !record.joined) record.root.addLink({ context: message });
  }

  /** The runner's span and, while it is open, its job's: where a late result (cost) goes. */
  spansOf(runner: string): Span[] {
    const record = this.#runners.get(runner);
    if (!record) return [];
    return record.job ? [record.root, record.job.span] : [record.root];
  }

  /** Ends every open span (shutdown). Runners left running are adopted by the next process. */
  endAll(): void {
    for (const record of this.#runners.values()) {
      record.root.setAttribute("scaleset.runner.left_running", true);
      record.root.end();
      if (record.job) this.onRunnerClosed(record.job);
    }
    this.#runners.clear();
  }

  #onState(name: string, from: RunnerState | null, to: RunnerState | null, adopted: boolean) {
    if (from === null) this.#open(name, adopted);
    const record = this.#runners.get(name);
    if (!record) return;
    if (to === null) {
      this.#close(name, record);
      return;
    }
    const now = Date.now();
    if (from === "pending" && to === "booting") {
      record.bootingAt = now;
      if (!record.adopted)
        this.m.provisionDuration.record((now - record.createdAt) / 1000, this.attributes);
    } else if (from === "booting" && (to === "idle" || to === "busy") && !record.adopted) {
      if (record.bootingAt !== undefined)
        this.m.bootDuration.record((now - record.bootingAt) / 1000, this.attributes);
    }
    if (to === "idle") record.idleAt ??= now;
    if (to === "deleting") record.deletingAt = now;
    // A state change is an event on the runner span (booting, idle = online, busy, deleting).
    if (from !== null) record.root.addEvent(to);
  }

  #open(name: string, adopted: boolean): void {
    const demand = adopted ? undefined : this.takeDemand();
    const attributes: Attributes = { ...this.attributes, [ATTR.workerName]: name };
    // Recorded only when true: every attribute is paid for on every runner span exported.
    if (adopted) attributes[ATTR.runnerAdopted] = true;
    else this.m.scaleDecisions.add(1, this.#with(ATTR.scaleDirection, "up"));
    if (demand) attributes[ATTR.createdForJob] = demand.id;
    const cause = trace.getActiveSpan()?.spanContext();
    // A provisional trace of its own: which job the runner will run is not known yet.
    const root = this.tracer.startSpan(
      "scaleset.runner",
      { attributes, links: cause ? [{ context: cause }] : [] },
      ROOT_CONTEXT,
    );
    this.binding.hold(root.spanContext());
    const record: RunnerTrace = {
      root,
      context: trace.setSpan(ROOT_CONTEXT, root),
      adopted,
      createdAt: Date.now(),
      orphan: this.#orphans.delete(name),
    };
    this.#runners.set(name, record);
    const job = this.#pendingJobs.get(name);
    if (job) {
      this.#pendingJobs.delete(name);
      this.#bind(record, job);
    }
  }

  #bind(record: RunnerTrace, job: JobTrace): void {
    if (record.job) return;
    record.job = job;
    job.runner = record.root.spanContext();
    record.root.setAttribute(ATTR.taskRunId, job.id);
    // Too late to join the job's trace (the hold overflowed): say so with links instead.
    record.joined = this.binding.bind(record.root.spanContext(), job.span.spanContext());
    if (!record.joined) {
      record.root.addLink({ context: job.span.spanContext() });
      job.span.addLink({ context: record.root.spanContext() });
    }
  }

  /** Time to job start, warm when the runner was online before the job was assigned. */
  #recordStart(record: RunnerTrace, job: JobTrace): void {
    if (record.job || job.assignedAt === undefined) return;
    const now = Date.now();
    const warm = record.idleAt !== undefined && record.idleAt <= job.assignedAt;
    this.m.jobStartDuration.record(
      Math.max(0, now - job.assignedAt) / 1000,
      this.#with(ATTR.jobStart, warm ? "warm" : "cold"),
    );
  }

  #close(name: string, record: RunnerTrace): void {
    this.#runners.delete(name);
    this.#pendingJobs.delete(name);
    if (record.deletingAt !== undefined) {
      this.m.teardownDuration.record(
        (Date.now() - record.deletingAt) / 1000,
        this.#with(ATTR.teardownReason, record.reason ?? "unknown"),
      );
    }
    record.root.end();
    if (record.job) this.onRunnerClosed(record.job);
  }

  /** Metric attributes plus one bounded key, cached so the hot path does not allocate. */
  #with(key: string, value: string): Attributes {
    let byValue = this.#cache.get(key);
    if (!byValue) {
      byValue = new Map();
      this.#cache.set(key, byValue);
    }
    let attributes = byValue.get(value);
    if (!attributes) {
      attributes = { ...this.attributes, [key]: value };
      byValue.set(value, attributes);
    }
    return attributes;
  }
}

function outcomeOf(result: unknown): string {
  if (typeof result === "string") return result;
  if (typeof result === "object" && result !== null && "kind" in result)
    return String((result as { kind: unknown }).kind);
  return "done";
}
