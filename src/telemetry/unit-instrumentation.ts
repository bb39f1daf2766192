/**
 * The telemetry of one scale set: the scaler observer and tracing hooks, the listener observer
 * (message spans, poll metrics) and the values the observable gauges read from its status.
 * A message span lives in the trace of the first job it carries; a message that carries no job
 * records no span at all (its calls neither), so the trace list holds one trace per job.
 */
import {
  type Attributes,
  context,
  ROOT_CONTEXT,
  SpanKind,
  SpanStatusCode,
  type Tracer,
  trace,
} from "@opentelemetry/api";
import { suppressTracing } from "@opentelemetry/core";
import type { ScaleSetUnitStatus } from "../app/scale-set-unit.js";
import { JOB_MESSAGES_TYPE } from "../github/messages.js";
import type { ScaleSetMessage } from "../github/types.js";
import type { ListenerObserver } from "../listener/listener.js";
import type { ScalerObserver, ScalerTracing } from "../scaler/events.js";
import { RUNNER_STATES, type RunnerState } from "../scaler/runner-record.js";
import type { SpotCostTelemetry } from "../spot/events.js";
import { ATTR } from "./attributes.js";
import { costSpotTelemetry } from "./cost-spot.js";
import type { Instruments } from "./instruments.js";
import { JobTracker } from "./job-tracker.js";
import { RunnerTracker } from "./runner-tracker.js";
import type { TraceBinding } from "./trace-binder.js";

export interface UnitIdentity {
  scaleSet: string;
  engineType: string;
  /** `max_runners` of the scale set, for the limits gauge. */
  maxRunners?: number;
}

export class UnitInstrumentation {
  readonly scalerObserver: ScalerObserver;
  readonly tracing: ScalerTracing;
  readonly listenerObserver: ListenerObserver;
  readonly setAttributes: Attributes;
  /** Scale set + engine type. */
  readonly engineAttributes: Attributes;
  /** Scale set + engine + each runner state, for the runners gauge. */
  readonly stateAttributes: Record<RunnerState, Attributes>;
  readonly jobs: JobTracker;
  readonly runners: RunnerTracker;
  /** Cost metrics and span attributes, preemption and re-run counters (cost-spot.ts). */
  readonly spotCost: SpotCostTelemetry;
  readonly maxRunners: number | undefined;
  status: (() => ScaleSetUnitStatus) | null = null;

  constructor(tracer: Tracer, m: Instruments, identity: UnitIdentity, binding: TraceBinding) {
    const set = { [ATTR.scaleSet]: identity.scaleSet };
    const withEngine = { ...set, [ATTR.engineType]: identity.engineType };
    this.setAttributes = set;
    this.engineAttributes = withEngine;
    this.maxRunners = identity.maxRunners;
    const states = {} as Record<RunnerState, Attributes>;
    for (const state of RUNNER_STATES) states[state] = { ...withEngine, [ATTR.runnerState]: state };
    this.stateAttributes = states;
    const runners = new RunnerTracker(
      tracer,
      m,
      withEngine,
      () => jobs.takeDemand(),
      binding,
      (job) => jobs.runnerClosed(job),
    );
    const jobs = new JobTracker(
      tracer,
      m,
      set,
      (runner, job, message) => runners.bindJob(runner, job, message),
      (runner, message) => runners.touchedBy(runner, message),
      binding,
    );
    this.jobs = jobs;
    this.runners = runners;
    this.spotCost = costSpotTelemetry(m, { set, withEngine }, (r) => runners.spansOf(r));
    this.scalerObserver = (event) => runners.onEvent(event);
    this.tracing = {
      runnerPhase: (runner, phase, work, reason) =>
        runners.runnerPhase(runner, phase, work, reason),
      reconcile: (work) => {
        const started = performance.now();
        const span = tracer.startSpan("scaleset.reconcile", { attributes: set }, ROOT_CONTEXT);
        return context.with(trace.setSpan(ROOT_CONTEXT, span), work).finally(() => {
          m.reconcileDuration.record((performance.now() - started) / 1000, set);
          span.end();
        });
      },
    };
    const pollAttributes = {
      message: { ...set, [ATTR.pollResult]: "message" },
      empty: { ...set, [ATTR.pollResult]: "empty" },
    };
    this.listenerObserver = {
      messageDropped(messageType) {
        // The type of an undecodable message is whatever the server sent: keep the set bounded.
        const type = messageType === JOB_MESSAGES_TYPE ? messageType : "unknown";
        m.messagesDropped.add(1, { ...set, [ATTR.messageType]: type });
      },
      pollEnded(message, durationMs) {
        const attributes = message ? pollAttributes.message : pollAttributes.empty;
        m.polls.add(1, attributes);
        m.pollDuration.record(durationMs / 1000, attributes);
      },
      wrapMessage<T>(message: ScaleSetMessage, pollStartedAt: number, handle: () => Promise<T>) {
        const parent = jobs.parentOf(message);
        // No job, no trace: its ack would otherwise be a root trace of its own.
        if (!parent) return context.with(suppressTracing(ROOT_CONTEXT), handle);
        const span = tracer.startSpan(
          "scaleset.message",
          {
            kind: SpanKind.CONSUMER,
            // From the poll's start, but never before the job span it belongs to.
            startTime: Math.max(pollStartedAt, parent.queuedAt),
            attributes: messageAttributes(set, message),
          },
          parent.context,
        );
        span.addEvent("received");
        jobs.onMessage(message, span.spanContext(), parent);
        return context.with(trace.setSpan(ROOT_CONTEXT, span), handle).then(
          (result) => {
            span.end();
            jobs.messageEnded(parent);
            return result;
          },
          (error: unknown) => {
            span.setStatus({ code: SpanStatusCode.ERROR });
            span.setAttribute(ATTR.errorType, error instanceof Error ? error.name : "Error");
            span.end();
            jobs.messageEnded(parent);
            throw error;
          },
        );
      },
    };
  }

  /** Ends open job and runner spans so they are exported before the process exits. */
  endAll(): void {
    // Runners first: a job span ends after its runner's, as in a normal teardown.
    this.runners.endAll();
    this.jobs.endAll();
  }
}

/** `messaging.system`: no registered value covers GitHub's scale set message queue. */
const MESSAGING_SYSTEM = "github_actions";

function messageAttributes(set: Attributes, message: ScaleSetMessage): Attributes {
  const attributes: Attributes = {
    ...set,
    [ATTR.messagingSystem]: MESSAGING_SYSTEM,
    [ATTR.messageId]: String(message.messageId),
    [ATTR.messagingOperationName]: "process",
    [ATTR.messagingOperation]: "process",
  };
  // Only the kinds present: span attributes cost export bytes on every message.
  if (message.jobAvailable.length)
    attributes["scaleset.message.jobs.available"] = message.jobAvailable.length;
  if (message.jobAssigned.length)
    attributes["scaleset.message.jobs.assigned"] = message.jobAssigned.length;
  if (message.jobStarted.length)
    attributes["scaleset.message.jobs.started"] = message.jobStarted.length;
  if (message.jobCompleted.length)
    attributes["scaleset.message.jobs.completed"] = message.jobCompleted.length;
  return attributes;
}
