import type { Ec2EngineConfig } from "../../config/types.js";
import type { Engine } from "../engine.js";
import type { EngineContext } from "../factory.js";
import { createEc2Api } from "./client.js";
import { type Ec2Backoff, Ec2Engine } from "./ec2-engine.js";

export { createEc2Api, type Ec2Api } from "./client.js";
export {
  DEFAULT_BACKOFF,
  DEFAULT_LEGACY_SWEEP_MS,
  type Ec2Backoff,
  Ec2Engine,
} from "./ec2-engine.js";
export { JIT_USER_DATA_MARKER, jitUserData } from "./user-data.js";

/** `engine.type: ec2`. Loads the AWS SDK on first use (see client.ts). */
export async function createEc2Engine(
  config: Ec2EngineConfig,
  context: EngineContext,
  tuning: { backoff?: Ec2Backoff; legacySweepMs?: number } = {},
): Promise<Engine> {
  return new Ec2Engine({
    config: config.ec2,
    scaleSetName: context.scaleSetName,
    owner: context.owner,
    deployment: context.deployment,
    logger: context.logger,
    api: await createEc2Api(config.ec2),
    backoff: tuning.backoff,
    legacySweepMs: tuning.legacySweepMs,
  });
}
