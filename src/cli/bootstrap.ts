import type { Logger } from "pino";
import {
  ConfigError,
  type ConfigNotice,
  type LoadConfigOptions,
  type LoadedConfig,
  loadConfigWithNotices,
  pickConfigOverrides,
  type ScalesetConfig,
} from "../config/index.js";
import { createLogger } from "../logging/logger.js";
import { resolveTelemetrySettings, startTelemetry, type Telemetry } from "../telemetry/index.js";
import { VERSION } from "../version.js";

/** Exit status for a config error: reported before any API is touched. */
export const CONFIG_ERROR_EXIT = 2;

/**
 * Loads the config a command was given (`--config` plus dotted flags). A config error is printed
 * (it names the field and the fix) and becomes the exit status instead of an exception.
 */
export async function loadCommandConfig(
  args: Record<string, unknown>,
  options: Omit<LoadConfigOptions, "path" | "overrides"> = {},
): Promise<LoadedConfig | number> {
  try {
    return await loadConfigWithNotices({
      path: args.config === undefined ? undefined : String(args.config),
      overrides: pickConfigOverrides(args),
      ...options,
    });
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    process.stderr.write(`${error.message}\n`);
    return CONFIG_ERROR_EXIT;
  }
}

/**
 * Starts telemetry (nothing is loaded when it is disabled), then the logger: the pino
 * instrumentation telemetry enables patches the logger created after it (trace ids, OTLP logs).
 */
export async function startObservability(
  config: ScalesetConfig,
): Promise<{ telemetry: Telemetry; logger: Logger }> {
  const telemetry = await startTelemetry(resolveTelemetrySettings(config.telemetry), {
    serviceVersion: VERSION,
  });
  const logger = createLogger({
    level: config.logging.level,
    format: config.logging.format,
  });
  telemetry.useLogger(logger);
  return { telemetry, logger };
}

/** Logs the config's start-up notices once (a paused scale set, plain http, a readable secret). */
export function logNotices(logger: Logger, notices: readonly ConfigNotice[]): void {
  for (const notice of notices) logger[notice.level](notice.fields, notice.message);
}
