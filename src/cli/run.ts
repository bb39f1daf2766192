import { ScalesetApp } from "../app/app.js";
import { loadCommandConfig, startObservability } from "./bootstrap.js";
import { runUntilStopped } from "./lifecycle.js";

export async function runCommand(args: Record<string, unknown>): Promise<number> {
  const config = await loadCommandConfig(args);
  if (typeof config === "number") return config;
  const { telemetry, logger } = await startObservability(config);
  const app = new ScalesetApp({ config, logger, telemetry });
  return await runUntilStopped(app, { logger, graceMs: config.scaler.shutdownGrace, telemetry });
}
