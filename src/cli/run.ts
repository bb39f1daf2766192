import { ScalesetApp } from "../app/app.js";
import { ConfigError, loadConfig, pickConfigOverrides } from "../config/index.js";
import { createLogger } from "../logging/logger.js";
import { resolveTelemetrySettings, startTelemetry } from "../telemetry/index.js";
import { VERSION } from "../version.js";
import { runUntilStopped } from "./lifecycle.js";

export async function runCommand(args: Record<string, unknown>): Promise<number> {
  let config: Awaited<ReturnType<typeof loadConfig>>;
  try {
    config = await loadConfig({ path: String(args.config), overrides: pickConfigOverrides(args) });
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`${error.message}\n`);
      return 2;
    }
    throw error;
  }
  // Telemetry first: the logger needs its trace-id mixin. Disabled → nothing is loaded.
  const telemetry = await startTelemetry(resolveTelemetrySettings(config.telemetry), {
    serviceVersion: VERSION,
  });
  const logger = createLogger({
    level: config.logging.level,
    format: config.logging.format,
    mixin: telemetry.logMixin,
  });
  telemetry.useLogger(logger);
  const app = new ScalesetApp({ config, logger, telemetry });
  let flushed = false;
  try {
    return await runUntilStopped(
      app,
      logger,
      config.scaler.shutdownGrace,
      undefined,
      async (remainingMs) => {
        flushed = true;
        await telemetry.shutdown(remainingMs);
      },
    );
  } finally {
    if (!flushed) await telemetry.shutdown(2_000);
  }
}
