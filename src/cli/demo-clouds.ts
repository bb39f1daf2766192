import { SimCloud } from "../engines/sim/sim-cloud.js";
import type { DemoEngine } from "./demo-engines.js";

/** A simulated cloud for `scaleset demo --engine TYPE`. */
export interface DemoCloud {
  /** The demo scale set's `engine:` value, as a one-line YAML flow mapping. */
  engineYaml: string;
  /** The demo scale set's `cost:` value (example list prices), when the cloud has prices. */
  costYaml?: string;
  /** Environment the engine needs to reach the fake (set on this process before start). */
  env: Record<string, string>;
  /** The in-process cloud of the sim engine (absent for the HTTP fakes). */
  simCloud?: SimCloud;
  /** Machines (VMs, instances) that exist and are not terminated. */
  liveMachines(): Promise<number>;
  stop(): Promise<void>;
}

export interface DemoCloudOptions {
  /** Simulate the demo's capacity shortage (EC2: one type out of stock in one zone). Default on. */
  capacityFault?: boolean;
}

export async function startDemoCloud(
  engine: DemoEngine,
  options: DemoCloudOptions = {},
): Promise<DemoCloud> {
  switch (engine) {
    case "sim": {
      const cloud = new SimCloud();
      return {
        engineYaml: "{ type: sim, sim: { boot_delay: 1500ms, create_delay: 200ms } }",
        env: {},
        simCloud: cloud,
        liveMachines: async () => cloud.live().length,
        stop: async () => undefined,
      };
    }
    case "gcp": {
      const { startGcpDemoCloud } = await import("./demo-cloud-gcp.js");
      return await startGcpDemoCloud();
    }
    case "ec2": {
      const { startEc2DemoCloud } = await import("./demo-cloud-ec2.js");
      return await startEc2DemoCloud(options.capacityFault ?? true);
    }
  }
}
