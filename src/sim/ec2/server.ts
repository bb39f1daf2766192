import { randomUUID } from "node:crypto";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { readBodyText } from "../read-body.js";
import { runSimulatedRunner } from "../runner.js";
import { ACTIONS, type ActionContext } from "./actions.js";
import { authorize } from "./authorize.js";
import { Ec2Catalog } from "./catalog.js";
import { catalogueError, Ec2SimError } from "./errors.js";
import { Ec2SimFaults } from "./faults.js";
import { Fleet, type VmRunner } from "./fleet.js";
import { type PolicyDocument, validatePolicy } from "./iam-policy.js";
import type { SimInstance } from "./instance.js";
import { parseQuery, type QueryParams } from "./query.js";
import { errorDocument, responseDocument } from "./xml.js";

export interface Ec2SimOptions {
  /** Default us-east-1; also the region expected in the SigV4 credential scope. */
  region?: string;
  /** subnet id → availability zone. Unset: every subnet exists, in `<region>a`. */
  subnets?: Record<string, string>;
  /** Most instances per DescribeInstances page, whatever MaxResults asks (EC2 may return fewer). */
  pageLimit?: number;
  bootDelayMs?: number;
  shutdownDelayMs?: number;
  terminatedRetentionMs?: number;
  /** What a booted VM runs with its JIT config; the simulated runner against the GitHub fake by default. */
  runVm?: VmRunner;
  onVmError?: (instanceId: string, error: unknown) => void;
  port?: number;
  /**
   * Access key id → that identity's IAM policy. When set, every request is authorized like EC2
   * does (see authorize.ts) and an access key not listed is AuthFailure; unset, anything signed
   * may do anything.
   */
  iam?: Record<string, PolicyDocument>;
  /** AMIs, security groups, profiles, subnet addresses, offerings; see catalog.ts. */
  catalog?: Ec2Catalog;
  /** `TYPE/ZONE` (e.g. `m7i.large/us-east-1a`) → spot price in USD per hour. */
  spotPrices?: Record<string, number>;
}

export interface RecordedRequest {
  action: string;
  params: QueryParams;
  /** Region in the request's SigV4 credential scope (the signature itself is not checked). */
  signedRegion?: string;
  /** Access key id in the SigV4 credential scope. */
  accessKeyId?: string;
  /** `amz-sdk-request` header: which SDK attempt this was. */
  sdkAttempt?: string;
  status?: number;
  errorCode?: string;
  /** The client closed the connection before it got an answer. */
  abandoned: boolean;
  at: Date;
}

export interface Ec2Sim {
  url: string;
  region: string;
  faults: Ec2SimFaults;
  /** What exists besides instances (what validate reads); change it while the fake runs. */
  catalog: Ec2Catalog;
  /** Every instance still visible (terminated ones for `terminatedRetentionMs`). */
  instances(): SimInstance[];
  /** Instances that are not terminated (shutting-down counts: it is still going away). */
  liveInstances(): SimInstance[];
  requests(action?: string): RecordedRequest[];
  /** The instance's OS powered off (`poweroff` in the guest): terminates or stops it as launched. */
  shutdownFromInside(instanceId: string): void;
  /** Stopped from outside the guest (StopInstances by an operator, a scheduled retirement). */
  stopFromOutside(instanceId: string): void;
  /** The guest froze: its runner and its scheduled power-off never run; EC2 sees it running. */
  hangGuest(instanceId: string): void;
  /** EC2 interrupts this spot instance: its runner dies mid-job, it terminates (fleet.ts). */
  interruptSpot(instanceId: string): void;
  /** `TYPE/ZONE` → spot price in USD per hour, what DescribeSpotPriceHistory answers. */
  spotPrices: Map<string, number>;
  waitFor(predicate: (sim: Ec2Sim) => boolean, timeoutMs?: number): Promise<void>;
  stop(): Promise<void>;
}

const AUTHORIZATION =
  /^AWS4-HMAC-SHA256 Credential=([^/\s]+)\/\d{8}\/([^/\s]+)\/ec2\/aws4_request, ?SignedHeaders=[^,\s]+, ?Signature=[0-9a-f]{64}$/;
const MAX_BODY = 1024 * 1024;

/**
 * A protocol-faithful fake of the EC2 Query API (RunInstances, TerminateInstances,
 * DescribeInstances) on loopback: form-encoded requests, SigV4 header required, XML responses
 * and error documents with EC2's HTTP statuses, and fault injection. Its instances boot and run
 * their runner against the GitHub simulator, then power off and terminate.
 */
export async function startEc2Sim(options: Ec2SimOptions = {}): Promise<Ec2Sim> {
  const region = options.region ?? "us-east-1";
  const faults = new Ec2SimFaults();
  const fleet = new Fleet({
    bootDelayMs: options.bootDelayMs ?? 300,
    shutdownDelayMs: options.shutdownDelayMs ?? 200,
    terminatedRetentionMs: options.terminatedRetentionMs ?? 60_000,
    runVm: options.runVm ?? runSimulatedRunner,
    onVmError: options.onVmError,
  });
  for (const policy of Object.values(options.iam ?? {})) validatePolicy(policy);
  const ctx: ActionContext = {
    fleet,
    faults,
    region,
    ownerId: "123456789012",
    subnets: options.subnets,
    pageLimit: options.pageLimit ?? 1000,
    clientTokens: new Map(),
    iam: options.iam,
    catalog: options.catalog ?? new Ec2Catalog(),
    spotPrices: new Map(Object.entries(options.spotPrices ?? {})),
  };
  const log: RecordedRequest[] = [];

  const server = createServer((req, res) => {
    handle(req, res, ctx, log).catch(() => {
      if (!res.headersSent) res.writeHead(500).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(options.port ?? 0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;

  const sim: Ec2Sim = {
    url: `http://127.0.0.1:${port}`,
    region,
    faults,
    catalog: ctx.catalog,
    instances: () => fleet.all(),
    liveInstances: () => fleet.all().filter((i) => i.state !== "terminated"),
    requests: (action) => (action ? log.filter((r) => r.action === action) : [...log]),
    shutdownFromInside(instanceId) {
      const instance = fleet.byId.get(instanceId);
      if (instance) fleet.shutdownFromInside(instance);
    },
    stopFromOutside(instanceId) {
      const instance = fleet.byId.get(instanceId);
      if (instance) fleet.stopFromOutside(instance);
    },
    hangGuest(instanceId) {
      const instance = fleet.byId.get(instanceId);
      if (instance) fleet.hang(instance);
    },
    interruptSpot(instanceId) {
      const instance = fleet.byId.get(instanceId);
      if (!instance) throw new Error(`EC2 fake: no instance ${instanceId}`);
      fleet.interruptSpot(instance);
    },
    spotPrices: ctx.spotPrices,
    async waitFor(predicate, timeoutMs = 10_000) {
      const deadline = Date.now() + timeoutMs;
      while (!predicate(sim)) {
        if (Date.now() > deadline) throw new Error("EC2 fake: condition not reached in time");
        await new Promise((r) => setTimeout(r, 20));
      }
    },
    async stop() {
      fleet.stop();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
  return sim;
}

async function handle(
  req: IncomingMessage,
  res: ServerResponse,
  ctx: ActionContext,
  log: RecordedRequest[],
): Promise<void> {
  const body = await readBodyText(req, MAX_BODY); // undefined: larger than any EC2 request
  const url = new URL(req.url ?? "/", "http://ec2.local");
  const params = req.method === "GET" ? parseQuery(url.search.slice(1)) : parseQuery(body ?? "");
  const auth = AUTHORIZATION.exec(req.headers.authorization ?? "");
  const record: RecordedRequest = {
    action: params.Action ?? "",
    params,
    accessKeyId: auth?.[1],
    signedRegion: auth?.[2],
    sdkAttempt: header(req, "amz-sdk-request"),
    abandoned: false,
    at: new Date(),
  };
  log.push(record);
  res.on("close", () => {
    if (!res.writableFinished) record.abandoned = true;
  });
  if (ctx.faults.hangRequests > 0) {
    ctx.faults.hangRequests--;
    return; // never answered; the connection stays open until the client gives up
  }
  const requestId = randomUUID();
  let status = 200;
  let xml: string;
  try {
    xml = responseDocument(record.action, requestId, dispatch(record, body, auth !== null, ctx));
  } catch (error) {
    const e =
      error instanceof Ec2SimError
        ? error
        : new Ec2SimError("InternalError", "An internal error has occurred");
    status = e.status;
    record.errorCode = e.code;
    xml = errorDocument(e.code, e.message, requestId);
  }
  record.status = status;
  if (ctx.faults.latencyMs > 0) await new Promise((r) => setTimeout(r, ctx.faults.latencyMs));
  if (res.destroyed) return;
  res.writeHead(status, {
    "content-type": "text/xml;charset=UTF-8",
    "x-amzn-requestid": requestId,
    "content-length": Buffer.byteLength(xml),
  });
  res.end(xml);
}

function dispatch(
  record: RecordedRequest,
  body: string | undefined,
  signed: boolean,
  ctx: ActionContext,
): string {
  if (body === undefined)
    throw new Ec2SimError("InvalidParameterValue", "Request body too large", 413);
  const policy = ctx.iam?.[record.accessKeyId ?? ""];
  if (!signed || (ctx.iam && !policy)) throw catalogueError("AuthFailure");
  const handler = ACTIONS[record.action];
  if (!handler) {
    throw new Ec2SimError(
      "InvalidAction",
      `The action ${record.action || "(none)"} is not valid for this web service.`,
    );
  }
  if (record.params.Version !== "2016-11-15") {
    throw new Ec2SimError(
      "InvalidParameterValue",
      "Unsupported API version; this fake speaks 2016-11-15",
    );
  }
  const fault = ctx.faults.takeApiFault(record.action);
  if (fault) throw fault;
  if (policy) {
    authorize({ accessKeyId: record.accessKeyId ?? "", policy }, record.action, record.params, ctx);
  }
  return handler(record.params, ctx);
}

function header(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value[0] : value;
}
