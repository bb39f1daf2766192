import type { Logger } from "pino";
import type { ScalerConfig, ScaleSetConfig } from "../config/types.js";
import type { CostStatus } from "../cost/ledger.js";
import type { Engine } from "../engines/engine.js";
import { type ActionsClient, MessageQueueClient } from "../github/index.js";
import {
  type ListenerObserver,
  type ListenerStatus,
  ScaleSetListener,
} from "../listener/listener.js";
import type { ScalerObserver, ScalerTracing } from "../scaler/events.js";
import { Scaler, type ScalerSnapshot } from "../scaler/scaler.js";
import type { SpotCost, SpotStatus } from "./spot-cost.js";
import { within } from "./within.js";

export interface ListenerTuning {
  conflictRetryMs?: [number, number];
  errorRetryBaseMs?: number;
  /** A long poll unanswered this long is abandoned and sent again (default 65 s). */
  pollTimeoutMs?: number;
  watchdogMs?: number;
  observer?: ListenerObserver;
}

export interface ScaleSetUnitOptions {
  config: ScaleSetConfig;
  scaler: ScalerConfig;
  client: ActionsClient;
  engine: Engine;
  ownerName: string;
  logger: Logger;
  observer?: ScalerObserver;
  tuning?: ListenerTuning;
  /** Telemetry spans around provisioning, teardown and reconciliation. */
  tracing?: ScalerTracing;
  /** The cost ledger and spot handling (src/app/spot-cost.ts). */
  spotCost?: SpotCost;
}

export interface ScaleSetUnitStatus {
  name: string;
  engine: string;
  listener: ListenerStatus;
  scaler: ScalerSnapshot | null;
  /** Spend today and in the last 7 days (kept in memory since `cost.since`). */
  cost?: CostStatus;
  spot?: SpotStatus;
}

/** One configured scale set: its listener (session + loop), scaler and engine. */
export class ScaleSetUnit {
  readonly #o: ScaleSetUnitOptions;
  readonly #listener: ScaleSetListener;
  #scaler: Scaler | null = null;
  #scalerStarted = false;
  #running: Promise<void> | null = null;

  constructor(options: ScaleSetUnitOptions) {
    this.#o = options;
    const { config, client, logger } = options;
    this.#listener = new ScaleSetListener({
      github: client,
      openQueue: (scaleSetId, session) => new MessageQueueClient(client, scaleSetId, session),
      spec: { name: config.name, labels: config.labels, runnerGroup: config.runnerGroup },
      maxRunners: () => config.maxRunners,
      ownerName: options.ownerName,
      logger: logger.child({ scaleSet: config.name }),
      onScaleSet: (id) => this.#scalerFor(id),
      onSessionOpened: () => this.#startScaler(),
      // GHES offers jobs as JobAvailable and needs them acquired; github.com assigns them.
      acquireLeftovers: !client.config.isHosted,
      conflictRetryMs: [
        options.scaler.sessionConflictWait,
        options.scaler.sessionConflictWait * 1.5,
      ],
      pollTimeoutMs: options.scaler.pollTimeout,
      ...options.tuning,
    });
  }

  get name(): string {
    return this.#o.config.name;
  }

  start(): void {
    this.#o.spotCost?.start();
    this.#running ??= this.#listener.run();
  }

  /**
   * Stops polling (the listener finishes or abandons the message in flight and deletes its
   * session), then lets in-flight cloud calls finish — all within `graceMs`, whatever hangs.
   * True when everything finished in time.
   */
  async stop(graceMs: number): Promise<boolean> {
    const deadline = Date.now() + graceMs;
    const left = () => Math.max(0, deadline - Date.now());
    const listenerDone = await within(
      this.#listener.stop(graceMs).then(() => true),
      graceMs,
    );
    // The scaler stops after the listener: a session opened meanwhile starts it, and stop wins.
    const drained = this.#scaler ? await this.#scaler.stop(left()) : true;
    this.#o.spotCost?.stop();
    const closed = await within(
      this.#o.engine.close().then(() => true),
      left(),
    );
    return listenerDone === true && drained && closed === true;
  }

  /** Null when the scale set polls normally, else why not (for /readyz). */
  notReadyReason(): string | null {
    return this.#listener.notReadyReason();
  }

  status(): ScaleSetUnitStatus {
    return {
      name: this.#o.config.name,
      engine: this.#o.engine.type,
      listener: this.#listener.status(),
      scaler: this.#scaler?.snapshot() ?? null,
      ...(this.#o.spotCost
        ? { cost: this.#o.spotCost.costStatus(), spot: this.#o.spotCost.spotStatus() }
        : {}),
    };
  }

  get scaler(): Scaler | null {
    return this.#scaler;
  }

  #scalerFor(scaleSetId: number): Scaler {
    if (this.#scaler) {
      this.#scaler.setScaleSetId(scaleSetId);
      return this.#scaler;
    }
    const { config, scaler, client, engine, logger } = this.#o;
    this.#scaler = new Scaler({
      scaleSetId,
      scaleSetName: config.name,
      labels: config.labels,
      minRunners: config.minRunners,
      maxRunners: config.maxRunners,
      schedules: config.schedules,
      idleTimeoutMs: config.idleTimeout,
      bootTimeoutMs: config.bootTimeout,
      maxLifetimeMs: config.maxRunnerLifetime,
      createConcurrency: scaler.createConcurrency,
      deleteConcurrency: scaler.deleteConcurrency,
      reconcileIntervalMs: scaler.reconcileInterval,
      github: client,
      engine,
      logger: logger.child({ scaleSet: config.name }),
      observer: combineScalerObservers(this.#o.spotCost?.observer, this.#o.observer),
      tracing: this.#o.tracing,
      capacity: this.#o.spotCost?.capacity,
    });
    return this.#scaler;
  }

  async #startScaler(): Promise<void> {
    if (!this.#scaler) return;
    if (this.#scalerStarted) {
      await this.#scaler.reconcile(); // a new session after an outage: look again before polling
      return;
    }
    this.#scalerStarted = true;
    await this.#scaler.start();
  }
}

/** Both observers see every event (benchmark or tests plus telemetry). */
export function combineScalerObservers(
  a: ScalerObserver | undefined,
  b: ScalerObserver | undefined,
): ScalerObserver | undefined {
  if (!a || !b) return a ?? b;
  return (event) => {
    a(event);
    b(event);
  };
}

/** Calls both observers' hooks; `b` wraps message handling (`a` may not wrap). */
export function combineListenerObservers(
  a: ListenerObserver | undefined,
  b: ListenerObserver | undefined,
): ListenerObserver | undefined {
  if (!a || !b) return a ?? b;
  return {
    pollStarted() {
      a.pollStarted?.();
      b.pollStarted?.();
    },
    pollEnded(message, durationMs) {
      a.pollEnded?.(message, durationMs);
      b.pollEnded?.(message, durationMs);
    },
    messageHandled(durationMs, jobMessages) {
      a.messageHandled?.(durationMs, jobMessages);
      b.messageHandled?.(durationMs, jobMessages);
    },
    messageDropped(messageType) {
      a.messageDropped?.(messageType);
      b.messageDropped?.(messageType);
    },
    wrapMessage: b.wrapMessage?.bind(b) ?? a.wrapMessage?.bind(a),
  };
}
