/**
 * The instrumentation itself, on top of `@opentelemetry/api` only: instruments, the GitHub hook,
 * the engine decorator, per-scale-set hooks and the observable gauges. sdk.ts wires it to the
 * registered providers; tests can wire it to in-memory ones.
 */
import type { Meter, Observable, Tracer } from "@opentelemetry/api";
import type { ScaleSetUnitStatus } from "../app/scale-set-unit.js";
import type { Engine } from "../engines/engine.js";
import type { HttpObserver } from "../github/http.js";
import { isSessionPhase } from "../listener/status.js";
import { RUNNER_STATES } from "../scaler/runner-record.js";
import { ATTR } from "./attributes.js";
import { InstrumentedEngine } from "./engine.js";
import { createGitHubObserver } from "./github-observer.js";
import { createInstruments, type Instruments, zeroUnitCounters } from "./instruments.js";
import { NO_BINDING, type TraceBinding } from "./trace-binder.js";
import { type UnitIdentity, UnitInstrumentation } from "./unit-instrumentation.js";

export interface UnitHooks {
  readonly scalerObserver: UnitInstrumentation["scalerObserver"];
  readonly tracing: UnitInstrumentation["tracing"];
  readonly listenerObserver: UnitInstrumentation["listenerObserver"];
  readonly spotCost: UnitInstrumentation["spotCost"];
  /** Where the observable gauges read the scale set's state. */
  watch(status: () => ScaleSetUnitStatus): void;
}

const STATISTICS = [
  ["available", "totalAvailableJobs"],
  ["acquired", "totalAcquiredJobs"],
  ["assigned", "totalAssignedJobs"],
  ["running", "totalRunningJobs"],
] as const;

const RUNNER_STATISTICS = [
  ["registered", "totalRegisteredRunners"],
  ["busy", "totalBusyRunners"],
  ["idle", "totalIdleRunners"],
] as const;

export class TelemetryRuntime {
  readonly instruments: Instruments;
  readonly githubObserver: HttpObserver;
  readonly #units: UnitInstrumentation[] = [];

  constructor(
    private readonly tracer: Tracer,
    meter: Meter,
    /** Moves runner traces into job traces (sdk.ts wires the SDK's); without it they stay apart. */
    private readonly binding: TraceBinding = NO_BINDING,
  ) {
    const m = createInstruments(meter);
    this.instruments = m;
    this.githubObserver = createGitHubObserver(tracer, m);
    const observables: Observable[] = [
      m.runners,
      m.runnersDesired,
      m.runnersMin,
      m.runnersMax,
      m.githubRunners,
      m.jobsWaiting,
      m.jobsWaitingMaxAge,
      m.githubJobs,
      m.sessionConflicts,
      m.listenerRestarts,
      m.listenerPolling,
      m.lastPoll,
      m.lastPollAnswered,
      m.queueSize,
      m.machinesStopped,
      m.createBackoff,
    ];
    meter.addBatchObservableCallback((result) => {
      const now = Date.now();
      for (const unit of this.#units) {
        const set = unit.setAttributes;
        const waiting = unit.jobs.waiting(now);
        result.observe(m.jobsWaiting, waiting.count, set);
        result.observe(m.jobsWaitingMaxAge, waiting.maxAgeSeconds, set);
        const status = unit.status?.();
        if (!status) continue;
        const { listener, scaler } = status;
        if (unit.maxRunners !== undefined) result.observe(m.runnersMax, unit.maxRunners, set);
        result.observe(m.listenerPolling, isSessionPhase(listener.phase) ? 1 : 0, set);
        result.observe(m.lastPoll, (listener.lastPollAt ?? 0) / 1000, set);
        result.observe(m.lastPollAnswered, (listener.lastPollAnsweredAt ?? 0) / 1000, set);
        result.observe(m.sessionConflicts, listener.conflicts, set);
        result.observe(m.listenerRestarts, listener.restarts, set);
        if (listener.statistics) {
          for (const [state, field] of STATISTICS) {
            result.observe(m.githubJobs, listener.statistics[field], {
              ...set,
              [ATTR.jobState]: state,
            });
          }
          for (const [state, field] of RUNNER_STATISTICS) {
            result.observe(m.githubRunners, listener.statistics[field], {
              ...set,
              [ATTR.githubRunnerState]: state,
            });
          }
        }
        if (scaler) {
          for (const state of RUNNER_STATES)
            result.observe(m.runners, scaler.runners[state], unit.stateAttributes[state]);
          result.observe(m.runnersDesired, scaler.desired, set);
          result.observe(m.runnersMin, scaler.minRunners, set);
          result.observe(m.queueSize, scaler.createQueue, { ...set, [ATTR.queueName]: "create" });
          result.observe(m.queueSize, scaler.deleteQueue, { ...set, [ATTR.queueName]: "delete" });
          result.observe(m.machinesStopped, scaler.stoppedMachines, unit.engineAttributes);
          result.observe(m.createBackoff, scaler.createBackoff.blockedForMs / 1000, set);
        }
      }
    }, observables);
  }

  instrumentUnit(identity: UnitIdentity): UnitHooks {
    zeroUnitCounters(this.instruments, identity);
    const unit = new UnitInstrumentation(this.tracer, this.instruments, identity, this.binding);
    this.#units.push(unit);
    return {
      scalerObserver: unit.scalerObserver,
      tracing: unit.tracing,
      listenerObserver: unit.listenerObserver,
      spotCost: unit.spotCost,
      watch: (status) => {
        unit.status = status;
      },
    };
  }

  instrumentEngine(engine: Engine, scaleSet: string): Engine {
    return new InstrumentedEngine(engine, this.tracer, this.instruments, scaleSet);
  }

  /** Ends the spans still open (jobs running, runners left for the next process). */
  endOpenSpans(): void {
    for (const unit of this.#units) unit.endAll();
  }
}
