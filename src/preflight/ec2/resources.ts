import type {
  DescribeImagesCommandOutput,
  DescribeInstanceTypeOfferingsCommandOutput,
  DescribeInstanceTypesCommandInput,
  DescribeInstanceTypesCommandOutput,
} from "@aws-sdk/client-ec2";
import type { Ec2EngineConfig, ScaleSetConfig } from "../../config/types.js";
import { classifyEc2Error } from "../../engines/ec2/errors.js";
import { imageAge } from "../deadline.js";
import { type CheckResult, fail, ok, type PreflightContext, skip, warn } from "../types.js";
import { type Ec2PreflightApi, ec2Failure } from "./api.js";

/**
 * The AMI (exists, available, its age), the subnets (exist, their zones and free addresses),
 * the instance types offered in those zones, the security groups (exist, in the subnets' VPC),
 * and the vCPUs `max_runners` would take, which EC2's API cannot compare with the quota.
 */

type Settings = Ec2EngineConfig["ec2"];

const REBUILD_FIX =
  "rebuild the runner AMI (packer build packer/aws, see packer/README.md) and update engine.ec2.image_id: GitHub stops assigning jobs to runner versions about 30 days old";

/** The Describe actions validate calls: the scaler itself needs none of them. */
const VALIDATE_READS =
  "ec2:DescribeImages, ec2:DescribeSubnets, ec2:DescribeSecurityGroups, ec2:DescribeInstanceTypeOfferings, ec2:DescribeInstanceTypes";

function failed(name: string, error: unknown, region: string, operation: string): CheckResult {
  const f = ec2Failure(error);
  if (f.code === "UnauthorizedOperation") {
    return warn(
      name,
      `not checked: this identity may not call ec2:${operation}`,
      `allow ${VALIDATE_READS} on resource "*" (read-only, used by validate only), or run validate as an identity that may`,
    );
  }
  const fix = classifyEc2Error({ name: f.code, $fault: "client" }, { operation, region }).fix;
  return fail(name, `${f.code}: ${f.message}`, fix);
}

export async function imageCheck(
  api: Ec2PreflightApi,
  s: Settings,
  ctx: PreflightContext,
): Promise<CheckResult> {
  if (!s.imageId) return skip("image", "set by the launch template: not checked");
  let out: DescribeImagesCommandOutput;
  try {
    out = await api.describeImages({ ImageIds: [s.imageId] }, ctx);
  } catch (error) {
    const f = ec2Failure(error);
    if (f.code.startsWith("InvalidAMIID")) {
      return fail(
        "image",
        `${f.code}: ${f.message}`,
        `build the AMI (packer build packer/aws) or fix engine.ec2.image_id (aws ec2 describe-images --owners self --region ${s.region})`,
      );
    }
    return failed("image", error, s.region, "DescribeImages");
  }
  const image = out.Images?.[0];
  if (!image) return fail("image", `${s.imageId} was not found`, "fix engine.ec2.image_id");
  const label = `${s.imageId}${image.Name ? ` (${image.Name})` : ""}`;
  if (image.State !== "available") {
    return fail(
      "image",
      `${label} is ${image.State ?? "in an unknown state"}, not available`,
      REBUILD_FIX,
    );
  }
  const created = image.CreationDate ? new Date(image.CreationDate) : undefined;
  if (!created || Number.isNaN(created.getTime())) return ok("image", `${label} (age unknown)`);
  const age = imageAge(created, ctx.now());
  return age.stale
    ? warn("image", `${label}: ${age.text}`, REBUILD_FIX)
    : ok("image", `${label}: ${age.text}`);
}

interface SubnetFacts {
  id: string;
  zone?: string;
  vpc?: string;
  free?: number;
}

/** Subnets one by one, so each missing one is named; then their free addresses together. */
export async function subnetChecks(
  api: Ec2PreflightApi,
  s: Settings,
  scaleSet: ScaleSetConfig,
  ctx: PreflightContext,
): Promise<{ results: CheckResult[]; subnets: SubnetFacts[] }> {
  if (s.subnetIds.length === 0) {
    return {
      results: [skip("subnets", "none listed: the default VPC's or the launch template's")],
      subnets: [],
    };
  }
  const results: CheckResult[] = [];
  const subnets = await Promise.all(
    s.subnetIds.map(async (id): Promise<SubnetFacts> => {
      try {
        const out = await api.describeSubnets({ SubnetIds: [id] }, ctx);
        const subnet = out.Subnets?.[0];
        return {
          id,
          zone: subnet?.AvailabilityZone,
          vpc: subnet?.VpcId,
          free: subnet?.AvailableIpAddressCount,
        };
      } catch (error) {
        results.push(failed(`subnet ${id}`, error, s.region, "DescribeSubnets"));
        return { id };
      }
    }),
  );
  const found = subnets.filter((x) => x.zone !== undefined);
  if (found.length > 0) {
    const free = found.reduce((n, x) => n + (x.free ?? 0), 0);
    const detail = `${found.map((x) => `${x.id} (${x.zone}, ${x.free ?? "?"} free)`).join(", ")}: ${free} free address${free === 1 ? "" : "es"} for max_runners ${scaleSet.maxRunners}`;
    const full = found.filter((x) => x.free === 0).map((x) => x.id);
    if (free < scaleSet.maxRunners) {
      results.push(
        fail(
          "subnets",
          detail,
          "add subnets to engine.ec2.subnet_ids, use larger subnets, or lower max_runners; stopped instances keep their addresses",
        ),
      );
    } else if (full.length > 0) {
      results.push(
        warn(
          "subnets",
          `${detail}; ${full.join(", ")} full`,
          "scaleset skips full subnets; free addresses there or remove them from subnet_ids",
        ),
      );
    } else {
      results.push(ok("subnets", detail));
    }
  }
  return { results, subnets };
}

/** Each type in each subnet's zone (or in the region without subnets). */
export async function offeringCheck(
  api: Ec2PreflightApi,
  s: Settings,
  subnets: SubnetFacts[],
  ctx: PreflightContext,
): Promise<CheckResult> {
  if (s.instanceTypes.length === 0)
    return skip("instance types", "set by the launch template: not checked");
  const zones = [...new Set(subnets.map((x) => x.zone).filter((z): z is string => !!z))];
  const byZone = zones.length > 0;
  const input = {
    LocationType: byZone ? ("availability-zone" as const) : ("region" as const),
    Filters: [
      { Name: "instance-type", Values: s.instanceTypes },
      { Name: "location", Values: byZone ? zones : [s.region] },
    ],
  };
  let out: DescribeInstanceTypeOfferingsCommandOutput;
  try {
    out = await api.describeInstanceTypeOfferings(input, ctx);
  } catch (error) {
    return failed("instance types", error, s.region, "DescribeInstanceTypeOfferings");
  }
  const have = new Set(
    (out.InstanceTypeOfferings ?? []).map((o) => `${o.InstanceType}/${o.Location}`),
  );
  const places = byZone ? zones : [s.region];
  const missing = s.instanceTypes.flatMap((t) =>
    places.filter((p) => !have.has(`${t}/${p}`)).map((p) => `${t} in ${p}`),
  );
  if (missing.length === 0)
    return ok("instance types", `${s.instanceTypes.join(", ")} offered in ${places.join(", ")}`);
  return fail(
    "instance types",
    `not offered: ${missing.join(", ")}`,
    `aws ec2 describe-instance-type-offerings --region ${s.region} --location-type availability-zone --filters Name=instance-type,Values=${s.instanceTypes.join(",")} lists where they are: match subnet_ids to those zones or change instance_types`,
  );
}

export async function securityGroupCheck(
  api: Ec2PreflightApi,
  s: Settings,
  subnets: SubnetFacts[],
  ctx: PreflightContext,
): Promise<CheckResult | undefined> {
  if (s.securityGroupIds.length === 0) return undefined;
  const answers = await Promise.all(
    s.securityGroupIds.map(async (id): Promise<[string, string | CheckResult]> => {
      try {
        const out = await api.describeSecurityGroups({ GroupIds: [id] }, ctx);
        return [id, out.SecurityGroups?.[0]?.VpcId ?? ""];
      } catch (error) {
        return [id, failed("security groups", error, s.region, "DescribeSecurityGroups")];
      }
    }),
  );
  const broken = answers.find(([, a]) => typeof a !== "string");
  if (broken && typeof broken[1] !== "string") return broken[1];
  const vpcs = new Set(subnets.map((x) => x.vpc).filter((v): v is string => !!v));
  const strangers = answers.filter(([, vpc]) => vpcs.size > 0 && !vpcs.has(vpc as string));
  if (strangers.length > 0) {
    return fail(
      "security groups",
      `${strangers.map(([id, vpc]) => `${id} is in ${vpc}`).join(", ")}, the subnets in ${[...vpcs].join(", ")}`,
      "security groups must be in the subnets' VPC: fix engine.ec2.security_group_ids or subnet_ids",
    );
  }
  const exist = answers.length === 1 ? "exists" : "exist";
  const where = vpcs.size > 0 ? ` in ${[...vpcs].join(", ")}` : "";
  return ok("security groups", `${answers.map(([id]) => id).join(", ")} ${exist}${where}`);
}

/** Service Quotas codes of the running On-Demand / Spot vCPU quotas, by instance family letter. */
function quotaCode(type: string, spot: boolean): string {
  const family = type[0] ?? "";
  if (family === "g") return spot ? "L-3819A6DF" : "L-DB2E81BA";
  if (family === "p") return spot ? "L-7212CCBC" : "L-417A185B";
  return spot ? "L-34B43A08" : "L-1216C47A";
}

export async function vcpuCheck(
  api: Ec2PreflightApi,
  s: Settings,
  scaleSet: ScaleSetConfig,
  ctx: PreflightContext,
): Promise<CheckResult> {
  if (s.instanceTypes.length === 0)
    return skip("vCPU quota", "not checked: the type comes from the launch template");
  let out: DescribeInstanceTypesCommandOutput;
  try {
    // The SDK's enum lags new instance types; EC2 itself validates the names.
    const types = s.instanceTypes as NonNullable<
      DescribeInstanceTypesCommandInput["InstanceTypes"]
    >;
    out = await api.describeInstanceTypes({ InstanceTypes: types }, ctx);
  } catch (error) {
    return failed("vCPU quota", error, s.region, "DescribeInstanceTypes");
  }
  const cpus = Math.max(0, ...(out.InstanceTypes ?? []).map((t) => t.VCpuInfo?.DefaultVCpus ?? 0));
  const need = scaleSet.maxRunners * cpus;
  const codes = [...new Set(s.instanceTypes.map((t) => quotaCode(t, s.spot)))];
  return skip(
    "vCPU quota",
    `not checked: EC2's API does not show it; max_runners ${scaleSet.maxRunners} × up to ${cpus} vCPUs = ${need} needed`,
    codes
      .map(
        (code) =>
          `aws service-quotas get-service-quota --service-code ec2 --quota-code ${code} --region ${s.region}`,
      )
      .join("; "),
  );
}
