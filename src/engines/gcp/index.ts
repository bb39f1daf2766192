import type { GcpEngineConfig } from "../../config/types.js";
import { type Engine, EngineError } from "../engine.js";
import type { EngineContext } from "../factory.js";

/** STUB until the GCP engine lands (issue 3). */
export async function createGcpEngine(
  _config: GcpEngineConfig,
  _context: EngineContext,
): Promise<Engine> {
  throw new EngineError("the gcp engine is not implemented yet", {
    code: "UNSUPPORTED",
    retryable: false,
  });
}
