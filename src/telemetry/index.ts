/**
 * Telemetry's public face. Importing this module loads no OpenTelemetry code: the SDK, the
 * exporters and even `@opentelemetry/api` are imported by `startTelemetry` only when telemetry
 * is enabled. Disabled means no exporter, no provider registered, no hook installed.
 */
import type { Logger } from "pino";
import type { ScaleSetUnitStatus } from "../app/scale-set-unit.js";
import type { Engine } from "../engines/engine.js";
import type { HttpObserver } from "../github/http.js";
import type { ListenerObserver } from "../listener/listener.js";
import type { ScalerObserver, ScalerTracing } from "../scaler/events.js";
import type { RouteHandler } from "../server/status-server.js";
import type { SpotCostTelemetry } from "../spot/events.js";
import type { TelemetrySettings } from "./settings.js";

export { resolveTelemetrySettings, type TelemetrySettings } from "./settings.js";

/** Hooks for one scale set (see src/app/scale-set-unit.ts). */
export interface UnitTelemetry {
  readonly scalerObserver: ScalerObserver;
  readonly tracing: ScalerTracing;
  readonly listenerObserver: ListenerObserver;
  /** Cost metrics, the cost span attribute, preemption and re-run counters. */
  readonly spotCost?: SpotCostTelemetry;
  watch(status: () => ScaleSetUnitStatus): void;
}

export interface Telemetry {
  readonly enabled: boolean;
  /** Routes for the main status server: the Prometheus endpoint when `on_main_port`. */
  readonly routes: Record<string, RouteHandler>;
  /** Request hook for the GitHub client. */
  readonly githubObserver: HttpObserver | undefined;
  /** URL of the Prometheus endpoint when it has a port of its own. */
  readonly prometheusUrl: string | null;
  instrumentUnit(identity: {
    scaleSet: string;
    engineType: string;
    maxRunners?: number;
  }): UnitTelemetry | undefined;
  /** Wraps an engine so its calls are spans and metrics. */
  instrumentEngine(engine: Engine, scaleSet: string): Engine;
  /** Where telemetry's own messages go from now on (one start-up line, exporter failures). */
  useLogger(logger: Logger): void;
  /** Exports what is buffered now (benchmark, tests); never rejects. */
  flush(): Promise<void>;
  /** Ends open spans, flushes and stops the exporters; bounded by `timeoutMs`, never rejects. */
  shutdown(timeoutMs: number): Promise<void>;
}

export interface StartTelemetryOptions {
  serviceVersion: string;
}

export const DISABLED_TELEMETRY: Telemetry = Object.freeze({
  enabled: false,
  routes: {},
  githubObserver: undefined,
  prometheusUrl: null,
  instrumentUnit: () => undefined,
  instrumentEngine: (engine: Engine) => engine,
  useLogger: () => undefined,
  flush: async () => undefined,
  shutdown: async () => undefined,
});

export async function startTelemetry(
  settings: TelemetrySettings,
  options: StartTelemetryOptions,
): Promise<Telemetry> {
  if (!settings.enabled) return DISABLED_TELEMETRY;
  const { startSdkTelemetry } = await import("./sdk.js");
  return await startSdkTelemetry(settings, options);
}
