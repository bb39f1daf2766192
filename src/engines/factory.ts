import type { Logger } from "pino";
import type { EngineConfig } from "../config/types.js";
import type { Engine } from "./engine.js";
import type { SimCloud } from "./sim/sim-cloud.js";

export interface EngineContext {
  scaleSetName: string;
  /** Identity of this scaleset process, written on every machine it creates. */
  owner: string;
  /** Deployment scope written on every machine and part of every list filter. */
  deployment: string;
  logger: Logger;
  /** The simulated cloud shared by sim engines (demo, tests, benchmark). */
  simCloud?: SimCloud;
}

/**
 * Builds the engine a scale set's config asks for. Engines are imported on demand so a process
 * that only uses one cloud never loads (or pays start-up time for) another cloud's SDK.
 */
export async function createEngine(config: EngineConfig, context: EngineContext): Promise<Engine> {
  switch (config.type) {
    case "sim": {
      const { SimEngine } = await import("./sim/sim-engine.js");
      return new SimEngine({
        scaleSetName: context.scaleSetName,
        owner: context.owner,
        deployment: context.deployment,
        createDelayMs: config.sim.createDelay,
        bootDelayMs: config.sim.bootDelay,
        spot: config.sim.spot,
        cloud: context.simCloud,
        onRunnerError: (machineId, error) =>
          context.logger.warn({ err: error, machine: machineId }, "simulated runner failed"),
      });
    }
    case "gcp": {
      const { createGcpEngine } = await import("./gcp/index.js");
      return await createGcpEngine(config, context);
    }
    case "ec2": {
      const { createEc2Engine } = await import("./ec2/index.js");
      return await createEc2Engine(config, context);
    }
  }
}
