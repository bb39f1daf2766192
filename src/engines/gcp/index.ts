import type { GcpEngineConfig } from "../../config/types.js";
import { type Engine, EngineError } from "../engine.js";
import type { EngineContext } from "../factory.js";
import { loadComputeApi } from "./compute-api.js";
import { CREDENTIALS_FIX } from "./error-fixes.js";
import { classifySdkError } from "./errors.js";
import { GceEngine } from "./gce-engine.js";
import type { GceApi } from "./gce-types.js";

export { GceEngine, type GceEngineOptions } from "./gce-engine.js";
export type { GceApi } from "./gce-types.js";

/**
 * Builds the Compute Engine engine: loads the SDK (only now, and only its two clients) and
 * authenticates with Application Default Credentials.
 */
export async function createGcpEngine(
  config: GcpEngineConfig,
  context: EngineContext,
): Promise<Engine> {
  const settings = config.gcp;
  const started = Date.now();
  let api: GceApi;
  try {
    api = await loadComputeApi({
      project: settings.project,
      apiEndpoint: settings.apiEndpoint,
      apiTimeoutMs: settings.apiTimeout,
    });
  } catch (error) {
    const classified = classifySdkError(error, "Compute Engine client", [], settings.project);
    const fix = classified.fix ?? CREDENTIALS_FIX;
    throw new EngineError(`${classified.message} — ${fix}`, {
      code: classified.code,
      retryable: false,
      fix,
    });
  }
  context.logger.debug(
    { project: settings.project, zones: settings.zones, ms: Date.now() - started },
    "Compute Engine client ready",
  );
  return new GceEngine({
    settings,
    scaleSetName: context.scaleSetName,
    owner: context.owner,
    deployment: context.deployment,
    logger: context.logger,
    api,
  });
}
