import type { Ec2EngineConfig } from "../../config/types.js";
import { type Engine, EngineError } from "../engine.js";
import type { EngineContext } from "../factory.js";

/** STUB until the EC2 engine lands (issue 4). */
export async function createEc2Engine(
  _config: Ec2EngineConfig,
  _context: EngineContext,
): Promise<Engine> {
  throw new EngineError("the ec2 engine is not implemented yet", {
    code: "UNSUPPORTED",
    retryable: false,
  });
}
