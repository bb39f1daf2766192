import type {
  DescribeImagesCommandInput,
  DescribeImagesCommandOutput,
  DescribeInstanceTypeOfferingsCommandInput,
  DescribeInstanceTypeOfferingsCommandOutput,
  DescribeInstanceTypesCommandInput,
  DescribeInstanceTypesCommandOutput,
  DescribeSecurityGroupsCommandInput,
  DescribeSecurityGroupsCommandOutput,
  DescribeSubnetsCommandInput,
  DescribeSubnetsCommandOutput,
  EC2Client,
  RunInstancesCommandInput,
} from "@aws-sdk/client-ec2";
import type { Ec2EngineConfig } from "../../config/types.js";
import { callSignal } from "../deadline.js";
import type { PreflightContext } from "../types.js";

/**
 * The EC2 client validate uses: the SDK loads on first use (only for configs with an ec2 scale
 * set), one attempt per call (a failure is reported, not retried away), and every call aborted
 * at the per-call deadline. Credentials come from the standard provider chain, as the engine's.
 */

/** The calls validate makes, each under the per-call deadline. */
export interface Ec2PreflightApi {
  /** Resolves only if EC2 answered a dry run like a launch; rejects with DryRunOperation otherwise. */
  runInstancesDryRun(input: RunInstancesCommandInput, ctx: PreflightContext): Promise<unknown>;
  describeImages(
    input: DescribeImagesCommandInput,
    ctx: PreflightContext,
  ): Promise<DescribeImagesCommandOutput>;
  describeSubnets(
    input: DescribeSubnetsCommandInput,
    ctx: PreflightContext,
  ): Promise<DescribeSubnetsCommandOutput>;
  describeSecurityGroups(
    input: DescribeSecurityGroupsCommandInput,
    ctx: PreflightContext,
  ): Promise<DescribeSecurityGroupsCommandOutput>;
  describeInstanceTypeOfferings(
    input: DescribeInstanceTypeOfferingsCommandInput,
    ctx: PreflightContext,
  ): Promise<DescribeInstanceTypeOfferingsCommandOutput>;
  describeInstanceTypes(
    input: DescribeInstanceTypesCommandInput,
    ctx: PreflightContext,
  ): Promise<DescribeInstanceTypesCommandOutput>;
}

const clients = new Map<string, Promise<{ api: Ec2PreflightApi; client: EC2Client }>>();

export async function loadEc2Api(
  settings: Ec2EngineConfig["ec2"],
  callTimeoutMs: number,
): Promise<Ec2PreflightApi> {
  const key = `${settings.region} ${settings.endpoint ?? ""}`;
  let entry = clients.get(key);
  if (!entry) {
    entry = (async () => {
      const sdk = await import("@aws-sdk/client-ec2");
      const client = new sdk.EC2Client({
        region: settings.region,
        endpoint: settings.endpoint,
        maxAttempts: 1,
        requestHandler: {
          requestTimeout: callTimeoutMs,
          connectionTimeout: callTimeoutMs,
          // Without it the SDK only logs a warning when the timeout passes.
          throwOnRequestTimeout: true,
        },
      });
      const opts = (ctx: PreflightContext) => ({ abortSignal: callSignal(ctx) });
      const api: Ec2PreflightApi = {
        runInstancesDryRun: (input, ctx) =>
          client.send(new sdk.RunInstancesCommand({ ...input, DryRun: true }), opts(ctx)),
        describeImages: (input, ctx) =>
          client.send(new sdk.DescribeImagesCommand(input), opts(ctx)),
        describeSubnets: (input, ctx) =>
          client.send(new sdk.DescribeSubnetsCommand(input), opts(ctx)),
        describeSecurityGroups: (input, ctx) =>
          client.send(new sdk.DescribeSecurityGroupsCommand(input), opts(ctx)),
        describeInstanceTypeOfferings: (input, ctx) =>
          client.send(new sdk.DescribeInstanceTypeOfferingsCommand(input), opts(ctx)),
        describeInstanceTypes: (input, ctx) =>
          client.send(new sdk.DescribeInstanceTypesCommand(input), opts(ctx)),
      };
      return { api, client };
    })();
    clients.set(key, entry);
  }
  return (await entry).api;
}

export async function closeEc2Apis(): Promise<void> {
  const all = [...clients.values()];
  clients.clear();
  for (const entry of all) (await entry.catch(() => undefined))?.client.destroy();
}

/** EC2's error code and message of a failed call (the SDK puts the code in `name`). */
export function ec2Failure(error: unknown): { code: string; message: string } {
  const e = error as { name?: unknown; message?: unknown };
  const code = typeof e.name === "string" ? e.name : "Error";
  const message = typeof e.message === "string" ? e.message : String(error);
  const timedOut = code === "AbortError" || code === "TimeoutError";
  return {
    code: timedOut ? "TIMEOUT" : code,
    message: timedOut ? "EC2 did not answer within the call deadline" : message,
  };
}
