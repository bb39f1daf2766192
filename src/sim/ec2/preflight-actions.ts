import type { ActionContext, ActionHandler } from "./actions.js";
import { DEFAULT_VPC, instanceTypeCpus, SUBNET_ADDRESSES } from "./catalog.js";
import { catalogueError, Ec2SimError } from "./errors.js";
import { indexedStructs, indexedValues, type QueryParams, struct } from "./query.js";
import { el, itemSet, node } from "./xml.js";

/**
 * The read-only actions `scaleset validate` calls (DescribeImages, DescribeSubnets,
 * DescribeSecurityGroups, DescribeInstanceTypeOfferings, DescribeInstanceTypes), and what a
 * RunInstances checks before it launches — references that must exist, the type offered in the
 * zone, and `DryRun=true`, answered 412 DryRunOperation once everything (authorization
 * included, see authorize.ts) would have let the launch through. Unknown ids are refused with
 * EC2's NotFound codes, one id per message as EC2 names them.
 */

const DRY_RUN_OK = "Request would have succeeded, but DryRun flag is set.";

/** Throws DryRunOperation for a request that asked only whether it would succeed. */
export function dryRun(params: QueryParams): void {
  if (params.DryRun === "true") throw new Ec2SimError("DryRunOperation", DRY_RUN_OK, 412);
}

/** Zones of the fake's region: those of its subnets, or a, b and c. */
function zones(ctx: ActionContext): string[] {
  const own = ctx.subnets ? Object.values(ctx.subnets) : ["a", "b", "c"].map((z) => ctx.region + z);
  return [...new Set(own)].sort();
}

function subnetZone(ctx: ActionContext, id: string): string | undefined {
  if (!/^subnet-[0-9a-z]+$/.test(id)) {
    throw new Ec2SimError(
      "InvalidSubnetID.Malformed",
      `Invalid id: "${id}" (expecting "subnet-...")`,
    );
  }
  return ctx.subnets ? ctx.subnets[id] : `${ctx.region}a`;
}

function groupVpc(ctx: ActionContext, id: string): string {
  if (!/^sg-[0-9a-z]+$/.test(id)) {
    throw new Ec2SimError("InvalidGroupId.Malformed", `Invalid id: "${id}" (expecting "sg-...")`);
  }
  const groups = ctx.catalog.securityGroups;
  const vpc = groups ? groups.get(id) : DEFAULT_VPC;
  if (vpc === undefined) {
    throw new Ec2SimError("InvalidGroup.NotFound", `The security group '${id}' does not exist`);
  }
  return vpc;
}

function image(ctx: ActionContext, id: string) {
  if (!/^ami-[0-9a-z]+$/.test(id)) {
    throw new Ec2SimError("InvalidAMIID.Malformed", `Invalid id: "${id}" (expecting "ami-...")`);
  }
  const found = ctx.catalog.images?.get(id);
  if (!found || found.state === "deregistered") {
    throw new Ec2SimError("InvalidAMIID.NotFound", `The image id '[${id}]' does not exist`);
  }
  return found;
}

/** RunInstances' checks of what it references; then DryRun stops it. */
export function checkLaunch(params: QueryParams, ctx: ActionContext, zone: string): void {
  const { catalog } = ctx;
  if (params.ImageId && catalog.images) {
    const found = image(ctx, params.ImageId);
    if (found.state !== "available") {
      throw new Ec2SimError(
        "InvalidAMIID.Unavailable",
        `AMI '${params.ImageId}' is ${found.state}, and cannot be run`,
      );
    }
  }
  const subnetVpc = params.SubnetId
    ? (catalog.subnetVpcs.get(params.SubnetId) ?? DEFAULT_VPC)
    : DEFAULT_VPC;
  for (const group of indexedValues(params, "SecurityGroupId")) {
    if (groupVpc(ctx, group) !== subnetVpc) {
      throw new Ec2SimError(
        "InvalidParameter",
        `Security group ${group} and subnet ${params.SubnetId ?? "(default)"} belong to different networks.`,
      );
    }
  }
  const profile = struct(params, "IamInstanceProfile");
  const profileName = profile?.Name ?? profile?.Arn?.split("/").at(-1);
  if (profileName && catalog.instanceProfiles && !catalog.instanceProfiles.has(profileName)) {
    throw new Ec2SimError(
      "InvalidParameterValue",
      `Value (${profileName}) for parameter iamInstanceProfile.name is invalid. Invalid IAM Instance Profile name`,
    );
  }
  const type = params.InstanceType;
  if (type && !catalog.offered(type, zone)) {
    throw catalogueError("Unsupported", { instanceType: type, availabilityZone: zone });
  }
  dryRun(params);
}

const describeImages: ActionHandler = (params, ctx) => {
  dryRun(params);
  const ids = indexedValues(params, "ImageId");
  const items = ids.map((id) => {
    const found = image(ctx, id);
    return (
      el("imageId", id) +
      el("imageLocation", `${ctx.ownerId}/${found.name}`) +
      el("imageState", found.state) +
      el("imageOwnerId", ctx.ownerId) +
      el("creationDate", found.creationDate.toISOString()) +
      el("isPublic", false) +
      el("architecture", "x86_64") +
      el("imageType", "machine") +
      el("name", found.name) +
      el("rootDeviceType", "ebs") +
      el("rootDeviceName", "/dev/sda1") +
      el("virtualizationType", "hvm")
    );
  });
  return itemSet("imagesSet", items);
};

const describeSubnets: ActionHandler = (params, ctx) => {
  dryRun(params);
  const items = indexedValues(params, "SubnetId").map((id, i) => {
    const zone = subnetZone(ctx, id);
    if (zone === undefined) throw catalogueError("InvalidSubnetID.NotFound", { subnetId: id });
    const live = ctx.fleet
      .all()
      .filter((x) => x.subnetId === id && x.state !== "terminated").length;
    const used = live + (ctx.catalog.subnetAddressesInUse.get(id) ?? 0);
    return (
      el("subnetId", id) +
      el("subnetArn", `arn:aws:ec2:${ctx.region}:${ctx.ownerId}:subnet/${id}`) +
      el("state", "available") +
      el("vpcId", ctx.catalog.subnetVpcs.get(id) ?? DEFAULT_VPC) +
      el("cidrBlock", `10.0.${i + 1}.0/24`) +
      el("availableIpAddressCount", Math.max(0, SUBNET_ADDRESSES - used)) +
      el("availabilityZone", zone) +
      el("defaultForAz", false) +
      el("mapPublicIpOnLaunch", false) +
      el("ownerId", ctx.ownerId)
    );
  });
  return itemSet("subnetSet", items);
};

const describeSecurityGroups: ActionHandler = (params, ctx) => {
  dryRun(params);
  const items = indexedValues(params, "GroupId").map(
    (id) =>
      el("ownerId", ctx.ownerId) +
      el("groupId", id) +
      el("groupName", id) +
      el("groupDescription", "simulated") +
      el("vpcId", groupVpc(ctx, id)) +
      node("ipPermissions", "") +
      node("ipPermissionsEgress", ""),
  );
  return itemSet("securityGroupInfo", items);
};

function filterValues(params: QueryParams, name: string): string[] | undefined {
  const filter = indexedStructs(params, "Filter").find((f) => f.Name === name);
  return filter ? indexedValues(filter, "Value") : undefined;
}

const describeInstanceTypeOfferings: ActionHandler = (params, ctx) => {
  dryRun(params);
  const locationType = params.LocationType ?? "region";
  if (locationType !== "region" && locationType !== "availability-zone") {
    throw new Ec2SimError(
      "InvalidParameterValue",
      `The fake answers LocationType region and availability-zone, not ${locationType}.`,
    );
  }
  for (const f of indexedStructs(params, "Filter")) {
    if (f.Name !== "location" && f.Name !== "instance-type") {
      throw new Ec2SimError("InvalidParameterValue", `The filter '${f.Name}' is invalid`);
    }
  }
  const types = filterValues(params, "instance-type") ?? [];
  const locations = filterValues(params, "location");
  const places = locationType === "region" ? [ctx.region] : zones(ctx);
  const items: string[] = [];
  for (const place of places.filter((p) => !locations || locations.includes(p))) {
    for (const type of types) {
      const offered =
        locationType === "region"
          ? zones(ctx).some((z) => ctx.catalog.offered(type, z))
          : ctx.catalog.offered(type, place);
      if (offered) {
        items.push(
          el("instanceType", type) + el("locationType", locationType) + el("location", place),
        );
      }
    }
  }
  return itemSet("instanceTypeOfferingSet", items);
};

const describeInstanceTypes: ActionHandler = (params) => {
  dryRun(params);
  const types = indexedValues(params, "InstanceType");
  const unknown = types.filter((t) => instanceTypeCpus(t) === undefined);
  if (unknown.length > 0) {
    throw new Ec2SimError(
      "InvalidInstanceType",
      `The following supplied instance types do not exist: [${unknown.join(", ")}]`,
    );
  }
  const items = types.map((type) => {
    const cpus = instanceTypeCpus(type) ?? 0;
    return (
      el("instanceType", type) +
      node("vCpuInfo", el("defaultVCpus", cpus)) +
      node("memoryInfo", el("sizeInMiB", cpus * 4096))
    );
  });
  return itemSet("instanceTypeSet", items);
};

export const PREFLIGHT_ACTIONS: Readonly<Record<string, ActionHandler>> = {
  DescribeImages: describeImages,
  DescribeSubnets: describeSubnets,
  DescribeSecurityGroups: describeSecurityGroups,
  DescribeInstanceTypeOfferings: describeInstanceTypeOfferings,
  DescribeInstanceTypes: describeInstanceTypes,
};
