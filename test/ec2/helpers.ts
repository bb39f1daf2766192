import pino from "pino";
import { ec2EngineSchema } from "../../src/config/engines/ec2.js";
import type { Ec2EngineConfig } from "../../src/config/types.js";
import { createEc2Engine, type Ec2Engine } from "../../src/engines/ec2/index.js";
import type { MachineRequest } from "../../src/engines/engine.js";
import type { Ec2Sim } from "../../src/sim/ec2/index.js";

/** Fake credentials for the standard provider chain; nothing may reach IMDS or ~/.aws. */
export const AWS_TEST_ENV: Record<string, string> = {
  AWS_ACCESS_KEY_ID: "AKIDSCALESETTEST",
  AWS_SECRET_ACCESS_KEY: "scaleset-test-secret-key",
  AWS_EC2_METADATA_DISABLED: "true",
  AWS_CONFIG_FILE: "/nonexistent/scaleset-test/aws-config",
  AWS_SHARED_CREDENTIALS_FILE: "/nonexistent/scaleset-test/aws-credentials",
};

export function useAwsTestEnv(): void {
  for (const key of Object.keys(process.env)) {
    if (key.startsWith("AWS_")) delete process.env[key];
  }
  Object.assign(process.env, AWS_TEST_ENV);
}

export const SCALE_SET = "ec2-linux";
export const JIT_SECRET = "eyJzaW11bGF0ZWQiOiJqaXQtY29uZmlnLXNlY3JldCJ9";

import { LogCapture } from "../e2e/harness.js";

export { LogCapture };

export function ec2Config(sim: Ec2Sim, fields: Record<string, unknown> = {}): Ec2EngineConfig {
  return ec2EngineSchema.parse({
    type: "ec2",
    ec2: {
      region: sim.region,
      endpoint: sim.url,
      image_id: "ami-0123456789abcdef0",
      instance_types: ["m7i.large"],
      call_timeout: "2s",
      ...fields,
    },
  });
}

export async function ec2Engine(
  sim: Ec2Sim,
  fields: Record<string, unknown> = {},
  opts: { scaleSetName?: string; owner?: string; deployment?: string; logs?: LogCapture } = {},
): Promise<Ec2Engine> {
  const engine = await createEc2Engine(
    ec2Config(sim, fields),
    {
      scaleSetName: opts.scaleSetName ?? SCALE_SET,
      owner: opts.owner ?? "test-owner",
      deployment: opts.deployment ?? "test-deployment",
      logger: pino({ level: "debug" }, opts.logs ?? new LogCapture()),
    },
    { backoff: { capacityMs: 5, throttleBaseMs: 20, maxMs: 100 } },
  );
  return engine as Ec2Engine;
}

export function machineRequest(
  runnerName: string,
  overrides: Partial<MachineRequest> = {},
): MachineRequest {
  return {
    runnerName,
    jitConfig: JIT_SECRET,
    scaleSetId: 1,
    scaleSetName: SCALE_SET,
    labels: [SCALE_SET],
    ...overrides,
  };
}
