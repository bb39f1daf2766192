import { ScalesetApp } from "../app/app.js";
import { ConfigError, loadConfig, pickConfigOverrides } from "../config/index.js";
import { createLogger } from "../logging/logger.js";
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
  const logger = createLogger({ level: config.logging.level, format: config.logging.format });
  const app = new ScalesetApp({ config, logger });
  return await runUntilStopped(app, logger, config.scaler.shutdownGrace);
}
