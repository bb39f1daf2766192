import { startEc2Sim } from "../sim/ec2/index.js";
import type { DemoCloud } from "./demo-clouds.js";

const SUBNETS = { "subnet-0demo000000000a": "us-east-1a", "subnet-0demo000000000b": "us-east-1b" };

/**
 * `scaleset demo --engine ec2`: the real EC2 engine and AWS SDK against the EC2 fake on
 * loopback. One instance type is out of capacity in one zone, so launches visibly fall through.
 */
export async function startEc2DemoCloud(capacityFault = true): Promise<DemoCloud> {
  const sim = await startEc2Sim({
    subnets: SUBNETS,
    bootDelayMs: 1500,
    shutdownDelayMs: 500,
    // What DescribeSpotPriceHistory answers: the engine reads these live (cached an hour).
    spotPrices: {
      "m7i.large/us-east-1a": 0.0385,
      "m7i.large/us-east-1b": 0.0412,
      "m6i.large/us-east-1a": 0.0371,
      "m6i.large/us-east-1b": 0.0398,
    },
  });
  if (capacityFault)
    sim.faults.failLaunches({ instanceType: "m7i.large", availabilityZone: "us-east-1a" });
  const engineYaml =
    `{ type: ec2, ec2: { region: us-east-1, endpoint: "${sim.url}", image_id: ami-0demo0000000000, ` +
    `instance_types: [m7i.large, m6i.large], subnet_ids: [${Object.keys(SUBNETS).join(", ")}], ` +
    "spot: true, max_run_duration: 1h, call_timeout: 10s, disk_size_gb: 30 } }";
  return {
    engineYaml,
    // Example on-demand list prices (us-east-1) and gp3; spot prices come from the fake, live.
    costYaml:
      "{ standard_per_hour: { m7i.large: 0.1008, m6i.large: 0.096 }, spot_per_hour: { m7i.large: 0.04, m6i.large: 0.038 }, disk_gb_month: 0.08 }",
    env: {
      // Fake credentials: the SDK signs with them; the fake checks only that a signature is there.
      AWS_ACCESS_KEY_ID: "AKIDSCALESETDEMO",
      AWS_SECRET_ACCESS_KEY: "scaleset-demo-not-a-secret",
      AWS_EC2_METADATA_DISABLED: "true",
    },
    liveMachines: async () => sim.liveInstances().length,
    stop: () => sim.stop(),
  };
}
