import { ScalesetApp } from "../app/app.js";
import { loadCommandConfig, logNotices, startObservability } from "./bootstrap.js";
import { runUntilStopped } from "./lifecycle.js";

export async function runCommand(args: Record<string, unknown>): Promise<number> {
  const loaded = await loadCommandConfig(args);
  if (typeof loaded === "number") return loaded;
  const { config, notices } = loaded;
  const { telemetry, logger } = await startObservability(config);
  logNotices(logger, notices);
  const app = new ScalesetApp({ config, logger, telemetry });
  return await runUntilStopped(app, { logger, graceMs: config.scaler.shutdownGrace, telemetry });
}
