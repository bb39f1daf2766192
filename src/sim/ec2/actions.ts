import type { Ec2Catalog } from "./catalog.js";
import { catalogueError, Ec2SimError } from "./errors.js";
import type { Ec2SimFaults } from "./faults.js";
import { matchesFilters, validateFilters } from "./filters.js";
import { Fleet } from "./fleet.js";
import type { PolicyDocument } from "./iam-policy.js";
import { instanceXml, type SimInstance, stateXml } from "./instance.js";
import { checkLaunch, PREFLIGHT_ACTIONS } from "./preflight-actions.js";
import { indexedStructs, indexedValues, type QueryParams, struct } from "./query.js";
import { describeSpotPriceHistory, type SpotPriceBook } from "./spot-prices.js";
import { el, itemSet, node } from "./xml.js";

export interface ActionContext {
  fleet: Fleet;
  faults: Ec2SimFaults;
  region: string;
  ownerId: string;
  /** subnet id → availability zone; when set, other subnets do not exist. */
  subnets?: Readonly<Record<string, string>>;
  pageLimit: number;
  /** ClientToken → instance id, for idempotent RunInstances. */
  clientTokens: Map<string, string>;
  /** Access key id → IAM policy; unset: no authorization beyond a signature. */
  iam?: Record<string, PolicyDocument>;
  /** AMIs, security groups, profiles, subnet addresses, type offerings (catalog.ts). */
  catalog: Ec2Catalog;
  /** `TYPE/ZONE` → spot price, for DescribeSpotPriceHistory. */
  spotPrices: SpotPriceBook;
}

/** Body of the `<ActionResponse>` element, or a thrown Ec2SimError. */
export type ActionHandler = (params: QueryParams, ctx: ActionContext) => string;

const INSTANCE_ID = /^i-[0-9a-f]{8,17}$/;
const MAX_USER_DATA = 16_384;
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
const TAGGABLE = new Set(["instance", "volume", "network-interface", "spot-instances-request"]);

function required(params: QueryParams, name: string): string {
  const value = params[name];
  if (value === undefined || value === "") {
    throw new Ec2SimError("MissingParameter", `The request must contain the parameter ${name}`);
  }
  return value;
}

function invalid(message: string): Ec2SimError {
  return new Ec2SimError("InvalidParameterValue", message);
}

function reservationXml(instances: SimInstance[], ctx: ActionContext): string {
  const first = instances[0];
  return (
    el("reservationId", first?.reservationId) +
    el("ownerId", ctx.ownerId) +
    node("groupSet", "") +
    itemSet(
      "instancesSet",
      instances.map((i) => instanceXml(i, ctx.ownerId)),
    )
  );
}

function decodeUserData(encoded: string | undefined): string | undefined {
  if (encoded === undefined) return undefined;
  if (!BASE64.test(encoded)) throw invalid("Invalid BASE64 encoding of user data.");
  const bytes = Buffer.from(encoded, "base64");
  if (bytes.length > MAX_USER_DATA) throw invalid(`User data is limited to ${MAX_USER_DATA} bytes`);
  return bytes.toString("utf8");
}

function tagSpecifications(params: QueryParams): Map<string, Record<string, string>> {
  const byType = new Map<string, Record<string, string>>();
  for (const spec of indexedStructs(params, "TagSpecification")) {
    const type = spec.ResourceType ?? "";
    if (!TAGGABLE.has(type)) throw invalid(`'${type}' is not a valid taggable resource type.`);
    const tags = byType.get(type) ?? {};
    for (const tag of indexedStructs(spec, "Tag")) {
      const key = tag.Key ?? "";
      if (key === "" || key.toLowerCase().startsWith("aws:")) {
        throw invalid(`Tag key '${key}' is not valid: empty or reserved (aws:)`);
      }
      tags[key] = tag.Value ?? "";
    }
    byType.set(type, tags);
  }
  return byType;
}

const runInstances: ActionHandler = (params, ctx) => {
  const template = struct(params, "LaunchTemplate");
  if (!template) required(params, "ImageId");
  if (required(params, "MinCount") !== "1" || required(params, "MaxCount") !== "1") {
    throw invalid("This fake launches exactly one instance per request (MinCount=MaxCount=1).");
  }
  const token = params.ClientToken;
  const earlier = token ? ctx.fleet.byId.get(ctx.clientTokens.get(token) ?? "") : undefined;
  if (earlier) return reservationXml([earlier], ctx); // idempotent replay

  const subnetId = params.SubnetId;
  const zone = subnetId ? ctx.subnets?.[subnetId] : `${ctx.region}a`;
  if (subnetId && ctx.subnets && zone === undefined) {
    throw catalogueError("InvalidSubnetID.NotFound", { subnetId });
  }
  const availabilityZone = zone ?? `${ctx.region}a`;
  const marketOptions = struct(params, "InstanceMarketOptions");
  const market = marketOptions?.MarketType === "spot" ? "spot" : "on-demand";
  const instanceType = params.InstanceType ?? "m5.large";
  const behaviour = params.InstanceInitiatedShutdownBehavior ?? "stop";
  if (behaviour !== "stop" && behaviour !== "terminate") {
    throw invalid(
      `Value (${behaviour}) for parameter instanceInitiatedShutdownBehavior is invalid.`,
    );
  }
  if (
    market === "spot" &&
    behaviour === "stop" &&
    marketOptions?.["SpotOptions.SpotInstanceType"] !== "persistent"
  ) {
    throw new Ec2SimError(
      "InvalidParameterCombination",
      "A one-time Spot Instance cannot be stopped: use InstanceInitiatedShutdownBehavior=terminate.",
    );
  }
  const userData = decodeUserData(params.UserData);
  const tags = tagSpecifications(params);

  checkLaunch(params, ctx, availabilityZone); // references, offering, DryRun
  const otherZones = regionZones(ctx).filter((z) => z !== availabilityZone);
  const fault = ctx.faults.takeLaunchFault({
    instanceType,
    subnetId,
    availabilityZone,
    market,
    otherZones,
  });
  if (fault) throw fault;

  const instance: SimInstance = {
    id: Fleet.newId("i"),
    reservationId: Fleet.newId("r"),
    imageId: params.ImageId,
    launchTemplate: template,
    instanceType,
    subnetId,
    availabilityZone,
    privateIp: `10.0.${Math.floor(Math.random() * 250)}.${Math.floor(Math.random() * 250) + 2}`,
    market,
    spotOptions: marketOptions,
    securityGroupIds: indexedValues(params, "SecurityGroupId"),
    iamInstanceProfile: struct(params, "IamInstanceProfile"),
    blockDevices: indexedStructs(params, "BlockDeviceMapping"),
    metadataOptions: struct(params, "MetadataOptions") ?? {},
    shutdownBehavior: behaviour,
    clientToken: token,
    userData,
    tags: tags.get("instance") ?? {},
    volumeTags: tags.get("volume") ?? {},
    state: "pending",
    launchTime: new Date(),
    vm: "booting",
  };
  ctx.fleet.add(instance);
  if (token) ctx.clientTokens.set(token, instance.id);
  return reservationXml([instance], ctx);
};

/** The AZs the fake's subnets are in (EC2 names the others in capacity messages). */
function regionZones(ctx: ActionContext): string[] {
  const zones = ctx.subnets
    ? Object.values(ctx.subnets)
    : ["a", "b", "c"].map((z) => ctx.region + z);
  return [...new Set(zones)].sort();
}

function knownInstances(ids: string[], ctx: ActionContext): SimInstance[] {
  const malformed = ids.find((id) => !INSTANCE_ID.test(id));
  if (malformed !== undefined) {
    throw new Ec2SimError("InvalidInstanceID.Malformed", `Invalid id: "${malformed}"`);
  }
  const missing = ids.filter((id) => !ctx.fleet.byId.has(id));
  if (missing.length > 0) {
    const what = missing.length === 1 ? "ID" : "IDs";
    throw new Ec2SimError(
      "InvalidInstanceID.NotFound",
      `The instance ${what} '${missing.join(", ")}' ${missing.length === 1 ? "does" : "do"} not exist`,
    );
  }
  return ids.map((id) => ctx.fleet.byId.get(id) as SimInstance);
}

const terminateInstances: ActionHandler = (params, ctx) => {
  const ids = indexedValues(params, "InstanceId");
  if (ids.length === 0) required(params, "InstanceId");
  const items = knownInstances(ids, ctx).map((instance) => {
    const previous = ctx.fleet.terminate(instance, "Client.UserInitiatedShutdown");
    return (
      el("instanceId", instance.id) +
      stateXml("currentState", instance.state) +
      stateXml("previousState", previous)
    );
  });
  return itemSet("instancesSet", items);
};

const describeInstances: ActionHandler = (params, ctx) => {
  const ids = indexedValues(params, "InstanceId");
  const filters = indexedStructs(params, "Filter").map((f) => ({
    name: f.Name ?? "",
    values: indexedValues(f, "Value"),
  }));
  validateFilters(filters);
  const maxResults = params.MaxResults === undefined ? undefined : Number(params.MaxResults);
  if (maxResults !== undefined) {
    if (ids.length > 0) {
      throw new Ec2SimError(
        "InvalidParameterCombination",
        "The parameter instancesSet cannot be used with the parameter maxResults",
      );
    }
    if (!Number.isInteger(maxResults) || maxResults < 5 || maxResults > 1000) {
      throw invalid(
        `Value ( ${params.MaxResults} ) for parameter maxResults is invalid. Expecting a value between 5 and 1000.`,
      );
    }
  }
  const candidates = ids.length > 0 ? knownInstances(ids, ctx) : ctx.fleet.all();
  const matching = candidates.filter((i) => matchesFilters(i, filters));
  const offset = readNextToken(params.NextToken);
  const size = Math.min(maxResults ?? Number.POSITIVE_INFINITY, ctx.pageLimit);
  const page = matching.slice(offset, offset + size);
  const nextOffset = offset + page.length;
  const more = nextOffset < matching.length;
  return (
    itemSet(
      "reservationSet",
      page.map((i) => reservationXml([i], ctx)),
    ) + (more ? el("nextToken", Buffer.from(`sim:${nextOffset}`).toString("base64url")) : "")
  );
};

function readNextToken(token: string | undefined): number {
  if (token === undefined || token === "") return 0;
  const match = /^sim:(\d+)$/.exec(Buffer.from(token, "base64url").toString("utf8"));
  if (!match) {
    throw new Ec2SimError(
      "InvalidPaginationToken",
      "The specified pagination token is not valid or is expired.",
    );
  }
  return Number(match[1]);
}

export const ACTIONS: Readonly<Record<string, ActionHandler>> = {
  RunInstances: runInstances,
  TerminateInstances: terminateInstances,
  DescribeInstances: describeInstances,
  ...PREFLIGHT_ACTIONS,
  DescribeSpotPriceHistory: (params, ctx) => describeSpotPriceHistory(params, ctx.spotPrices),
};
