import { afterEach, beforeAll } from "vitest";
import type { Ec2Engine } from "../../src/engines/ec2/index.js";
import { type Ec2Sim, type Ec2SimOptions, startEc2Sim } from "../../src/sim/ec2/index.js";
import { ec2Engine, idleVm, type LogCapture, useAwsTestEnv } from "./helpers.js";

type EngineOptions = NonNullable<Parameters<typeof ec2Engine>[2]>;

/**
 * One EC2 fake per test, and the engines on it: registers the hooks that give the test process
 * fake AWS credentials and stop everything after each test. VMs idle until powered off unless
 * the options say otherwise, so tests control their lives.
 */
export function useEc2Fake(defaults: Ec2SimOptions = {}) {
  let sim: Ec2Sim | null = null;
  const engines: Ec2Engine[] = [];
  beforeAll(useAwsTestEnv);
  afterEach(async () => {
    for (const engine of engines.splice(0)) await engine.close();
    await sim?.stop();
    sim = null;
  });
  const fake = {
    async start(options: Ec2SimOptions = {}): Promise<Ec2Sim> {
      sim = await startEc2Sim({
        bootDelayMs: 30,
        shutdownDelayMs: 30,
        runVm: idleVm,
        ...defaults,
        ...options,
      });
      return sim;
    },
    /** An engine on the running fake, closed after the test. */
    async engine(
      fields: Record<string, unknown> = {},
      opts: EngineOptions = {},
    ): Promise<Ec2Engine> {
      if (!sim) throw new Error("start the EC2 fake first");
      const engine = await ec2Engine(sim, fields, opts);
      engines.push(engine);
      return engine;
    },
    /** The fake and one engine, as most tests want them. */
    async setup(
      fields: Record<string, unknown> = {},
      options: Ec2SimOptions = {},
      logs?: LogCapture,
    ): Promise<{ sim: Ec2Sim; engine: Ec2Engine }> {
      const started = await fake.start(options);
      return { sim: started, engine: await fake.engine(fields, { logs }) };
    },
  };
  return fake;
}
