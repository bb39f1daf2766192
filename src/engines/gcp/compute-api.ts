/**
 * The only module that touches `@google-cloud/compute`. It loads just the two clients the engine
 * uses by deep import (the package index loads every API version and a 30 MB proto bundle:
 * ~2.5 s instead of ~0.5 s). The deep paths are not a public API — if an upgrade moves them,
 * this is the one place to change.
 */
import type { InstancesClient } from "@google-cloud/compute/build/src/v1/instances_client.js";
import type { ZoneOperationsClient } from "@google-cloud/compute/build/src/v1/zone_operations_client.js";
import { withDeadline } from "./deadline.js";
import type {
  CallLimits,
  GceApi,
  GceInstance,
  GceInstanceResource,
  GceOperation,
} from "./gce-types.js";

/** Least privilege for the scaler's own token: the compute API only. */
const COMPUTE_SCOPE = "https://www.googleapis.com/auth/compute";

export interface ComputeApiOptions {
  project: string;
  /** Private endpoint (scheme, host, port); absent = https://compute.googleapis.com. */
  apiEndpoint?: string;
  apiTimeoutMs: number;
}

/** Client options for a custom endpoint: the SDK wants host, port and protocol separately. */
export function endpointOptions(apiEndpoint: string | undefined) {
  if (!apiEndpoint) return {};
  const url = new URL(apiEndpoint);
  const https = url.protocol === "https:";
  return {
    apiEndpoint: url.hostname,
    port: url.port ? Number(url.port) : https ? 443 : 80,
    protocol: https ? "https" : "http",
  };
}

function callOptions(limits: CallLimits) {
  // gax turns `timeout` into a deadline that aborts the HTTP request (and bounds its retries).
  return { timeout: limits.timeoutMs, signal: limits.signal, autoPaginate: false };
}

/**
 * Loads the SDK and builds an authenticated API on Application Default Credentials
 * (GOOGLE_APPLICATION_CREDENTIALS, gcloud's ADC file, or the attached service account).
 */
export async function loadComputeApi(options: ComputeApiOptions): Promise<GceApi> {
  const [instancesModule, operationsModule, authModule] = await Promise.all([
    import("@google-cloud/compute/build/src/v1/instances_client.js"),
    import("@google-cloud/compute/build/src/v1/zone_operations_client.js"),
    import("google-auth-library"),
  ]);
  const auth = new authModule.GoogleAuth({
    // Without a project id an external_account credential would look it up over the network.
    projectId: options.project,
    scopes: [COMPUTE_SCOPE],
    // Bounds the token requests (STS exchange, metadata server) that gax's deadline does not.
    clientOptions: { transporterOptions: { timeout: options.apiTimeoutMs } },
  });
  const clientOptions = { ...endpointOptions(options.apiEndpoint), auth, fallback: true };
  const instances: InstancesClient = new instancesModule.InstancesClient(clientOptions);
  const operations: ZoneOperationsClient = new operationsModule.ZoneOperationsClient(clientOptions);
  // Initialise now so a credential problem is one catchable error here, not an unhandled
  // rejection inside the SDK on the first call.
  await withDeadline(
    (async () => {
      // Fetching a token now (it is cached) makes bad credentials fail at start, not per VM.
      await (await auth.getClient()).getAccessToken();
      await instances.initialize();
      await operations.initialize();
    })(),
    { timeoutMs: options.apiTimeoutMs },
  );
  return new SdkComputeApi(options.project, instances, operations);
}

class SdkComputeApi implements GceApi {
  constructor(
    private readonly project: string,
    private readonly instances: InstancesClient,
    private readonly operations: ZoneOperationsClient,
  ) {}

  async insert(zone: string, resource: GceInstanceResource, requestId: string, limits: CallLimits) {
    const call = this.instances.insert(
      { project: this.project, zone, instanceResource: resource, requestId },
      callOptions(limits),
    );
    const [lro] = await withDeadline(call, limits);
    // The SDK does not poll: the first Operation is in latestResponse.
    return lro.latestResponse as GceOperation;
  }

  async delete(zone: string, name: string, requestId: string, limits: CallLimits) {
    const call = this.instances.delete(
      { project: this.project, zone, instance: name, requestId },
      callOptions(limits),
    );
    const [lro] = await withDeadline(call, limits);
    return lro.latestResponse as GceOperation;
  }

  async waitOperation(zone: string, operation: string, limits: CallLimits) {
    const call = this.operations.wait(
      { project: this.project, zone, operation },
      callOptions(limits),
    );
    const [op] = await withDeadline(call, limits);
    return op as GceOperation;
  }

  async aggregatedList(filter: string, limits: CallLimits): Promise<GceInstance[]> {
    const found: GceInstance[] = [];
    const pages = async () => {
      const iterable = this.instances.aggregatedListAsync(
        { project: this.project, filter, maxResults: 500 },
        callOptions(limits),
      );
      for await (const [, scoped] of iterable)
        found.push(...((scoped.instances ?? []) as GceInstance[]));
    };
    await withDeadline(pages(), limits);
    return found;
  }

  async listOperations(zone: string, filter: string, limits: CallLimits): Promise<GceOperation[]> {
    const found: GceOperation[] = [];
    const pages = async () => {
      const iterable = this.operations.listAsync(
        { project: this.project, zone, filter, maxResults: 500 },
        callOptions(limits),
      );
      for await (const op of iterable) found.push(op as GceOperation);
    };
    await withDeadline(pages(), limits);
    return found;
  }

  async close(): Promise<void> {
    await Promise.all([this.instances.close(), this.operations.close()]);
  }
}
