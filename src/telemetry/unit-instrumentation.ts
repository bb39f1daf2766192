/**
 * The telemetry of one scale set: the scaler observer and tracing hooks, the listener observer
 * (message spans, poll metrics) and the values the observable gauges read from its status.
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
import type { ScaleSetUnitStatus } from "../app/scale-set-unit.js";
import { JOB_MESSAGES_TYPE } from "../github/messages.js";
import type { ScaleSetMessage } from "../github/types.js";
import type { ListenerObserver } from "../listener/listener.js";
import type { ScalerObserver, ScalerTracing } from "../scaler/events.js";
import { RUNNER_STATES, type RunnerState } from "../scaler/runner-record.js";
import { ATTR } from "./attributes.js";
import type { Instruments } from "./instruments.js";
import { JobTracker } from "./job-tracker.js";
import { RunnerTracker } from "./runner-tracker.js";

export interface UnitIdentity {
  scaleSet: string;
  engineType: string;
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
  status: (() => ScaleSetUnitStatus) | null = null;

  constructor(tracer: Tracer, m: Instruments, identity: UnitIdentity) {
    const set = { [ATTR.scaleSet]: identity.scaleSet };
    const withEngine = { ...set, [ATTR.engineType]: identity.engineType };
    this.setAttributes = set;
    this.engineAttributes = withEngine;
    const states = {} as Record<RunnerState, Attributes>;
    for (const state of RUNNER_STATES) states[state] = { ...withEngine, [ATTR.runnerState]: state };
    this.stateAttributes = states;
    const runners = new RunnerTracker(tracer, m, withEngine, () => jobs.takeDemand());
    const jobs = new JobTracker(
      tracer,
      m,
      set,
      (runner, job, message) => runners.bindJob(runner, job, message),
      (runner, message) => runners.touchedBy(runner, message),
    );
    this.jobs = jobs;
    this.runners = runners;
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
        const span = tracer.startSpan(
          "scaleset.message",
          {
            kind: SpanKind.CONSUMER,
            startTime: pollStartedAt,
            attributes: messageAttributes(set, message),
          },
          ROOT_CONTEXT,
        );
        span.addEvent("received");
        jobs.onMessage(message, span.spanContext());
        return context.with(trace.setSpan(ROOT_CONTEXT, span), handle).then(
          (result) => {
            span.end();
            return result;
          },
          (error: unknown) => {
            span.setStatus({ code: SpanStatusCode.ERROR });
            span.setAttribute(ATTR.errorType, error instanceof Error ? error.name : "Error");
            span.end();
            throw error;
          },
        );
      },
    };
  }

  /** Ends open job and runner spans so they are exported before the process exits. */
  endAll(): void {
    this.jobs.endAll();
    this.runners.endAll();
  }
}

function messageAttributes(set: Attributes, message: ScaleSetMessage): Attributes {
  const attributes: Attributes = {
    ...set,
    [ATTR.messageId]: String(message.messageId),
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
