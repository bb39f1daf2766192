import type {
  Filter,
  Instance,
  RunInstancesCommandInput,
  RunInstancesCommandOutput,
  SpotPrice,
  TerminateInstancesCommandOutput,
} from "@aws-sdk/client-ec2";
import type { Ec2EngineConfig } from "../../config/types.js";
import { TransportRetryStrategy } from "./retry-strategy.js";

/** The EC2 calls the engine makes, each with a signal that really aborts the request. */
export interface Ec2Api {
  runInstances(
    input: RunInstancesCommandInput,
    signal: AbortSignal,
  ): Promise<RunInstancesCommandOutput>;
  terminateInstances(ids: string[], signal: AbortSignal): Promise<TerminateInstancesCommandOutput>;
  /** Every instance matching `filters`, page by page. */
  describeInstances(filters: Filter[], signal: AbortSignal): AsyncIterable<Instance[]>;
  /** The given instances (EC2 allows no MaxResults with ids: one page). NotFound if one is gone. */
  describeInstancesById(ids: string[], signal: AbortSignal): Promise<Instance[]>;
  /** Linux/UNIX spot prices of one type in one AZ in effect now (the last change before now). */
  currentSpotPrices(instanceType: string, zone: string, signal: AbortSignal): Promise<SpotPrice[]>;
  destroy(): void;
}

/** One SDK attempt plus one resend after a transport failure; everything else is the engine's. */
export const SDK_MAX_ATTEMPTS = 2;
const PAGE_SIZE = 500;

/**
 * Creates the SDK client. The SDK is imported here, on first use, so a process that never
 * configures an ec2 engine never loads it (~0.7 s and ~90 MiB). Credentials and anything not set
 * in the config come from the standard provider chain and AWS_* environment variables.
 */
export async function createEc2Api(config: Ec2EngineConfig["ec2"]): Promise<Ec2Api> {
  const sdk = await import("@aws-sdk/client-ec2");
  const client = new sdk.EC2Client({
    region: config.region,
    endpoint: config.endpoint,
    maxAttempts: SDK_MAX_ATTEMPTS,
    retryStrategy: new TransportRetryStrategy(SDK_MAX_ATTEMPTS),
    requestHandler: {
      // Per request; without throwOnRequestTimeout the SDK only logs a warning.
      requestTimeout: config.callTimeout,
      connectionTimeout: Math.min(config.callTimeout, 10_000),
      throwOnRequestTimeout: true,
    },
  });
  return {
    runInstances: (input, signal) =>
      client.send(new sdk.RunInstancesCommand(input), { abortSignal: signal }),
    terminateInstances: (ids, signal) =>
      client.send(new sdk.TerminateInstancesCommand({ InstanceIds: ids }), { abortSignal: signal }),
    async *describeInstances(filters, signal) {
      const pages = sdk.paginateDescribeInstances(
        { client, pageSize: PAGE_SIZE, stopOnSameToken: true },
        { Filters: filters },
        { abortSignal: signal },
      );
      for await (const page of pages) {
        yield (page.Reservations ?? []).flatMap((r) => r.Instances ?? []);
      }
    },
    async describeInstancesById(ids, signal) {
      const out = await client.send(new sdk.DescribeInstancesCommand({ InstanceIds: ids }), {
        abortSignal: signal,
      });
      return (out.Reservations ?? []).flatMap((r) => r.Instances ?? []);
    },
    async currentSpotPrices(instanceType, zone, signal) {
      const out = await client.send(
        new sdk.DescribeSpotPriceHistoryCommand({
          // The SDK's enum lags new instance types; EC2 itself validates the name.
          InstanceTypes: [instanceType as SpotPrice["InstanceType"] & string],
          ProductDescriptions: ["Linux/UNIX"],
          AvailabilityZone: zone,
          // A start time of now returns the price in effect now (EC2 adds the last change).
          StartTime: new Date(),
        }),
        { abortSignal: signal },
      );
      return out.SpotPriceHistory ?? [];
    },
    destroy: () => client.destroy(),
  };
}
