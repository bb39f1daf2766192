import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { EC2Client, RunInstancesCommand } from "@aws-sdk/client-ec2";
import pino from "pino";
import { expect } from "vitest";
import { ec2EngineSchema } from "../../src/config/engines/ec2.js";
import type { Ec2EngineConfig } from "../../src/config/types.js";
import { createEc2Engine, type Ec2Engine } from "../../src/engines/ec2/index.js";
import { EngineError, type MachineRequest } from "../../src/engines/engine.js";
import type { Ec2Sim, PolicyDocument } from "../../src/sim/ec2/index.js";

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
  opts: {
    scaleSetName?: string;
    owner?: string;
    deployment?: string;
    logs?: LogCapture;
    legacySweepMs?: number;
  } = {},
): Promise<Ec2Engine> {
  const engine = await createEc2Engine(
    ec2Config(sim, fields),
    {
      scaleSetName: opts.scaleSetName ?? SCALE_SET,
      owner: opts.owner ?? "test-owner",
      deployment: opts.deployment ?? "test-deployment",
      logger: pino({ level: "debug" }, opts.logs ?? new LogCapture()),
    },
    {
      backoff: { capacityMs: 5, throttleBaseMs: 20, maxMs: 100 },
      legacySweepMs: opts.legacySweepMs,
    },
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

/** A VM that runs until it is powered off, so tests control its life. */
export const idleVm = (_jit: string, signal: AbortSignal) =>
  new Promise<void>((resolve) => signal.addEventListener("abort", () => resolve()));

/** Each RunInstances the fake saw, as `type@subnet:market=code` (`ok` when it launched). */
export const launches = (s: Ec2Sim) =>
  s
    .requests("RunInstances")
    .map(
      (r) =>
        `${r.params.InstanceType}@${r.params.SubnetId}:${r.params["InstanceMarketOptions.MarketType"] ?? "on-demand"}=${r.errorCode ?? "ok"}`,
    );

/** The EngineError a promise rejects with (fails the test if it resolves or throws otherwise). */
export async function rejection(promise: Promise<unknown>): Promise<EngineError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(EngineError);
  return error as EngineError;
}

/** A plain SDK client on the fake, as another tool (or an older scaleset) in the account would use. */
export function rawEc2(sim: Ec2Sim, accessKeyId = AWS_TEST_ENV.AWS_ACCESS_KEY_ID ?? ""): EC2Client {
  return new EC2Client({
    region: sim.region,
    endpoint: sim.url,
    credentials: { accessKeyId, secretAccessKey: "scaleset-test-secret-key" },
    maxAttempts: 1,
  });
}

/** Launches an instance (and its volume) with exactly these tags, e.g. one from before scopes. */
export async function launchTagged(
  client: EC2Client,
  tags: Record<string, string>,
): Promise<string> {
  const out = await client.send(
    new RunInstancesCommand({
      ImageId: "ami-0123456789abcdef0",
      InstanceType: "m7i.large",
      MinCount: 1,
      MaxCount: 1,
      InstanceInitiatedShutdownBehavior: "terminate",
      TagSpecifications: (["instance", "volume"] as const).map((ResourceType) => ({
        ResourceType,
        Tags: Object.entries(tags).map(([Key, Value]) => ({ Key, Value })),
      })),
    }),
  );
  return out.Instances?.[0]?.InstanceId ?? "";
}

/** The tags an instance launched by a scaleset version before deployment scopes carries. */
export function unscopedTags(runnerName: string, scaleSetName = SCALE_SET): Record<string, string> {
  return {
    Name: runnerName,
    "scaleset-managed-by": "scaleset",
    "scaleset-scale-set": scaleSetName,
    "scaleset-runner": runnerName,
    "scaleset-owner": "old-version",
  };
}

/**
 * Writes a CLI config for one scale set on `engine` (a YAML flow mapping) into `dir`: fast
 * reconciles and idle timeout, JSON logs. `scaleSetLines` adds fields to the scale set.
 */
export function writeCliConfig(
  dir: string,
  file: string,
  o: { githubUrl: string; scaleSet: string; engine: string; scaleSetLines?: string[] },
): string {
  const path = join(dir, file);
  const extra = (o.scaleSetLines ?? []).map((line) => `    ${line}\n`).join("");
  writeFileSync(
    path,
    `github: { url: ${o.githubUrl}, token: env:GITHUB_TOKEN }
scalesets:
  - name: ${o.scaleSet}
    max_runners: 10
    idle_timeout: 2s
${extra}    engine: ${o.engine}
scaler: { reconcile_interval: 1s, shutdown_grace: 5s, session_conflict_wait: 200ms }
server: { port: 0, host: 127.0.0.1 }
logging: { level: info, format: json }
`,
  );
  return path;
}

/** docs/aws/scaler-policy.json with its placeholders filled in, as the README tells operators to. */
export function scalerPolicy(deployment: string, scaleSet = SCALE_SET): PolicyDocument {
  const text = readFileSync(new URL("../../docs/aws/scaler-policy.json", import.meta.url), "utf8")
    .replaceAll("ACCOUNT_ID", "123456789012")
    .replaceAll("DEPLOYMENT", deployment)
    .replaceAll("SCALE_SET", scaleSet);
  return JSON.parse(text) as PolicyDocument;
}
