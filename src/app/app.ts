import type { Logger } from "pino";
import type { ScalesetConfig } from "../config/types.js";
import { createEngine } from "../engines/factory.js";
import type { SimCloud } from "../engines/sim/sim-cloud.js";
import { ActionsClient, type RetryOptions } from "../github/index.js";
import { RunsClient } from "../github/runs-client.js";
import type { ScalerObserver } from "../scaler/events.js";
import { type RouteHandler, StatusServer } from "../server/status-server.js";
import type { SpotObserver } from "../spot/events.js";
import type { Telemetry } from "../telemetry/index.js";
import { isLoopbackUrl } from "../util/loopback.js";
import { VERSION } from "../version.js";
import { processOwnerName } from "./owner.js";
import {
  combineListenerObservers,
  combineScalerObservers,
  type ListenerTuning,
  ScaleSetUnit,
  type ScaleSetUnitStatus,
} from "./scale-set-unit.js";
import { SpotCost, type SpotTuning } from "./spot-cost.js";
import { within } from "./within.js";

export interface AppOptions {
  config: ScalesetConfig;
  logger: Logger;
  simCloud?: SimCloud;
  ownerName?: string;
  observer?: ScalerObserver;
  tuning?: ListenerTuning;
  retry?: Partial<RetryOptions>;
  /** Extra routes on the main port (telemetry mounts /metrics here). */
  routes?: Record<string, RouteHandler>;
  env?: NodeJS.ProcessEnv;
  /** Started telemetry (traces, metrics); absent or disabled means no instrumentation at all. */
  telemetry?: Telemetry;
  /** Faster preemption and re-run looks (tests, the demo). */
  spotTuning?: SpotTuning;
  /** Sees every preemption, breaker change and re-run (tests). */
  onSpotEvent?: SpotObserver;
}

export interface AppStatus {
  version: string;
  owner: string;
  startedAt: string;
  scalesets: ScaleSetUnitStatus[];
}

/** Time for pooled sockets to close once every call was aborted. */
const CLIENT_CLOSE_MS = 200;

/** The running scaler: one shared GitHub client, one unit per scale set, the status server. */
export class ScalesetApp {
  readonly #o: AppOptions;
  readonly owner: string;
  readonly #client: ActionsClient;
  /** The REST client for workflow runs; only when a scale set re-runs preempted runs. */
  readonly #runs: RunsClient | undefined;
  readonly #units: ScaleSetUnit[] = [];
  readonly #startedAt = new Date();
  #server: StatusServer | null = null;
  #url: string | null = null;
  #stopping: Promise<boolean> | null = null;

  constructor(options: AppOptions) {
    this.#o = options;
    this.owner = options.ownerName ?? processOwnerName();
    this.#client = new ActionsClient({
      configUrl: options.config.github.url,
      credentials: options.config.github.credentials,
      userAgent: { system: "scaleset", version: VERSION, subsystem: "listener" },
      logger: options.logger.child({ component: "github" }),
      retry: options.retry,
      env: options.env,
      httpObserver: options.telemetry?.githubObserver,
    });
    this.#runs = options.config.scalesets.some((s) => s.spot.rerunPreempted)
      ? new RunsClient({
          configUrl: options.config.github.url,
          credentials: options.config.github.credentials,
          userAgent: `scaleset/${VERSION}`,
          retry: options.retry,
          env: options.env,
          logger: options.logger.child({ component: "github-runs" }),
          observer: options.telemetry?.githubObserver,
        })
      : undefined;
  }

  get url(): string | null {
    return this.#url;
  }

  get units(): readonly ScaleSetUnit[] {
    return this.#units;
  }

  async start(): Promise<void> {
    const { config, logger } = this.#o;
    const telemetry = this.#o.telemetry?.enabled ? this.#o.telemetry : undefined;
    for (const scaleSet of config.scalesets) {
      if (scaleSet.engine.type === "sim" && !isLoopbackUrl(config.github.url)) {
        // Chosen explicitly (a missing engine is a config error here): say loudly that no real
        // machine will run these jobs.
        logger.warn(
          { scaleSet: scaleSet.name, github: config.github.url },
          "this scale set uses the sim engine (simulated machines): its jobs will not run; set engine.type to gcp or ec2",
        );
      }
      const created = await createEngine(scaleSet.engine, {
        scaleSetName: scaleSet.name,
        owner: this.owner,
        deployment: scaleSet.deployment,
        logger: logger.child({ scaleSet: scaleSet.name, component: "engine" }),
        simCloud: this.#o.simCloud,
      });
      const engine = telemetry ? telemetry.instrumentEngine(created, scaleSet.name) : created;
      const hooks = telemetry?.instrumentUnit({
        scaleSet: scaleSet.name,
        engineType: engine.type,
        maxRunners: scaleSet.maxRunners,
      });
      const tuning = this.#o.tuning;
      const spotCost = new SpotCost({
        config: scaleSet,
        engine,
        logger,
        runs: this.#runs,
        telemetry: hooks?.spotCost,
        onSpotEvent: this.#o.onSpotEvent,
        tuning: this.#o.spotTuning,
      });
      const unit = new ScaleSetUnit({
        config: scaleSet,
        scaler: config.scaler,
        client: this.#client,
        engine,
        ownerName: this.owner,
        logger,
        observer: combineScalerObservers(this.#o.observer, hooks?.scalerObserver),
        tuning: hooks
          ? {
              ...tuning,
              observer: combineListenerObservers(tuning?.observer, hooks.listenerObserver),
            }
          : tuning,
        tracing: hooks?.tracing,
        spotCost,
      });
      hooks?.watch(() => unit.status());
      this.#units.push(unit);
    }
    this.#server = new StatusServer({
      ...config.server,
      logger: logger.child({ component: "status-server" }),
      ready: () => this.ready(),
      status: () => this.status(),
      routes: { ...telemetry?.routes, ...this.#o.routes },
    });
    this.#url = await this.#server.listen();
    logger.info({ url: this.#url, scalesets: this.#units.map((u) => u.name) }, "scaleset started");
    if (this.#stopping) return; // a stop came while starting: no unit may begin polling now
    for (const unit of this.#units) unit.start();
  }

  /**
   * Ready when every scale set holds a session and its polls come back; never once a shutdown
   * has begun.
   */
  ready(): { ready: boolean; reasons: string[] } {
    if (this.#stopping) return { ready: false, reasons: ["shutting down"] };
    const reasons = this.#units.flatMap((u) => {
      const reason = u.notReadyReason();
      return reason === null ? [] : [`${u.name}: ${reason}`];
    });
    return { ready: this.#units.length > 0 && reasons.length === 0, reasons };
  }

  status(): AppStatus {
    return {
      version: VERSION,
      owner: this.owner,
      startedAt: this.#startedAt.toISOString(),
      scalesets: this.#units.map((u) => u.status()),
    };
  }

  /**
   * Graceful stop within `graceMs`, whatever hangs: sessions deleted, in-flight cloud calls
   * finished; when the grace is over every GitHub call still in flight is aborted.
   */
  stop(graceMs = this.#o.config.scaler.shutdownGrace): Promise<boolean> {
    this.#stopping ??= this.#stop(graceMs);
    return this.#stopping;
  }

  async #stop(graceMs: number): Promise<boolean> {
    const results = await within(Promise.all(this.#units.map((u) => u.stop(graceMs))), graceMs);
    // A hung call, or a scaler's request that outlived its drain, must not hold the exit.
    this.#client.abortAll("the shutdown grace is over");
    await within(this.#client.close(), CLIENT_CLOSE_MS);
    if (this.#runs) await within(this.#runs.close(), CLIENT_CLOSE_MS);
    await this.#server?.close();
    return results?.every(Boolean) ?? false;
  }
}
