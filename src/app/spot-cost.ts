import type { Logger } from "pino";
import type { ScaleSetConfig } from "../config/types.js";
import { BILLING_RULES } from "../cost/billing.js";
import { CostLedger, type CostStatus } from "../cost/ledger.js";
import { LiveSpotPrices } from "../cost/live-spot.js";
import type { CapacityPreference, Engine, Preemption } from "../engines/engine.js";
import type { ScalerEvent, ScalerObserver } from "../scaler/events.js";
import { type BreakerView, breakerKeys, SpotBreakers } from "../spot/breaker.js";
import type { SpotCostTelemetry, SpotEvent, SpotObserver } from "../spot/events.js";
import { RerunCoordinator, type RunsApi } from "../spot/rerun.js";
import { PreemptionWatcher } from "../spot/watcher.js";

/**
 * A scale set's cost ledger and spot handling, wired to its scaler: the ledger and the spot
 * pieces observe the scaler's events; the circuit breaker and a pending re-run answer the
 * scaler's "where must this runner not be spot" before each create.
 */

export interface SpotTuning {
  /** Ms between looks for preempted machines (default 30 s). */
  preemptionPollMs?: number;
  /** Ms between looks at a preempted job's workflow run (default 30 s). */
  rerunPollMs?: number;
}

export interface SpotCostOptions {
  config: ScaleSetConfig;
  engine: Engine;
  logger: Logger;
  /** The REST runs client, when some scale set re-runs preempted runs. */
  runs?: RunsApi;
  telemetry?: SpotCostTelemetry;
  /** Every spot event (tests, the demo). */
  onSpotEvent?: SpotObserver;
  tuning?: SpotTuning;
}

export interface SpotStatus {
  preemptions: number;
  breakers: BreakerView[];
  rerun: ReturnType<RerunCoordinator["status"]>;
}

const POLL_MS = 30_000;
const LOOK_TIMEOUT_MS = 60_000;

export class SpotCost {
  readonly #ledger: CostLedger;
  readonly #breakers: SpotBreakers;
  readonly #rerun: RerunCoordinator;
  readonly #watcher: PreemptionWatcher;
  readonly #o: SpotCostOptions;
  #preemptions = 0;

  constructor(o: SpotCostOptions) {
    this.#o = o;
    const { config, engine, logger } = o;
    const log = logger.child({ scaleSet: config.name, component: "spot-cost" });
    const rule = BILLING_RULES[engine.type as keyof typeof BILLING_RULES] ?? BILLING_RULES.sim;
    const lookup = engine.spotPrice?.bind(engine);
    this.#ledger = new CostLedger({
      config: config.cost,
      rule,
      live:
        lookup && config.cost?.liveSpotPrices
          ? new LiveSpotPrices(lookup, { logger: log })
          : undefined,
      onCost: (cost) => o.telemetry?.cost(cost),
    });
    const breaker = config.spot.breaker;
    this.#breakers = new SpotBreakers(
      { preemptions: breaker.preemptions, windowMs: breaker.window, coolDownMs: breaker.coolDown },
      Date.now,
      (t) => {
        log.warn(t, `spot circuit breaker ${t.key}: ${t.from} → ${t.to}`);
        this.#emit({ type: "breaker", ...t });
      },
    );
    this.#rerun = new RerunCoordinator({
      settings: {
        enabled: config.spot.rerunPreempted,
        pollIntervalMs: o.tuning?.rerunPollMs ?? POLL_MS,
        maxWaitMs: config.spot.rerunWait,
        standardWindowMs: config.spot.standardAfterRerun,
      },
      api: o.runs,
      logger: log,
      emit: (event) => this.#emit(event),
      capacityOf: (runner) => this.#ledger.capacityOf(runner),
    });
    this.#watcher = new PreemptionWatcher({
      engine,
      intervalMs: o.tuning?.preemptionPollMs ?? POLL_MS,
      timeoutMs: LOOK_TIMEOUT_MS,
      logger: log,
      onPreemption: (p) => this.#preempted(p, log),
    });
  }

  /** The scaler's observer: the ledger and the spot side see every event. */
  readonly observer: ScalerObserver = (event) => {
    this.#ledger.observer(event);
    this.#onScalerEvent(event);
  };

  /** Asked before each create: where the new runner must not be spot. */
  readonly capacity = (): CapacityPreference | undefined => {
    if (this.#rerun.standardOnly()) return { standardOnly: true };
    const avoided = this.#breakers.avoided();
    if (avoided.length === 0) return undefined;
    const named = (prefix: string) =>
      avoided.filter((k) => k.startsWith(prefix)).map((k) => k.slice(prefix.length));
    return { avoidSpotZones: named("zone:"), avoidSpotTypes: named("type:") };
  };

  start(): void {
    this.#watcher.start();
  }

  stop(): void {
    this.#watcher.stop();
    this.#rerun.stop();
  }

  /** One look for preemptions now (tests; also after a spot runner's job failed). */
  pollPreemptions(): Promise<Preemption[]> {
    return this.#watcher.poll();
  }

  costStatus(): CostStatus {
    return this.#ledger.status();
  }

  spotStatus(): SpotStatus {
    return {
      preemptions: this.#preemptions,
      breakers: this.#breakers.views(),
      rerun: this.#rerun.status(),
    };
  }

  #onScalerEvent(event: ScalerEvent): void {
    switch (event.type) {
      case "machine-created":
        if (event.capacity === "spot") {
          const keys = breakerKeys({ zone: event.location, machineType: event.machineType });
          this.#breakers.spotCreated(keys, event.runner);
        }
        return;
      case "job-started":
        this.#rerun.jobStarted(event.runner, event.job);
        return;
      case "job-completed":
        if (event.result === "succeeded") this.#breakers.succeeded(event.runner);
        else if (this.#ledger.capacityOf(event.runner) === "spot") {
          // A spot runner's job failed: maybe preempted. Look now rather than in 30 s.
          void this.#watcher.poll();
        }
        this.#rerun.jobCompleted(event.runner, event.job, event.result);
        return;
      case "machine-deleted":
        this.#breakers.ended(event.runner);
        return;
      default:
        return;
    }
  }

  #preempted(p: Preemption, log: Logger): void {
    this.#preemptions++;
    log.warn(
      { runner: p.runnerName, machine: p.machineId, zone: p.zone, machineType: p.machineType },
      "spot machine preempted: its job fails on GitHub",
    );
    this.#emit({
      type: "preempted",
      runner: p.runnerName,
      machineId: p.machineId,
      ...(p.zone ? { zone: p.zone } : {}),
      ...(p.machineType ? { machineType: p.machineType } : {}),
    });
    this.#ledger.preempted(p.runnerName, p.at);
    this.#breakers.preempted(breakerKeys(p));
    this.#rerun.preempted(p.runnerName);
  }

  #emit(event: SpotEvent): void {
    this.#o.telemetry?.spot(event);
    this.#o.onSpotEvent?.(event);
  }
}
