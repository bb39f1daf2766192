import { randomUUID } from "node:crypto";
import type { RunInstancesCommandInput, Tag } from "@aws-sdk/client-ec2";
import type { Ec2EngineConfig } from "../../config/types.js";
import { MACHINE_LABELS, type MachineRequest } from "../engine.js";
import { jitUserData } from "./user-data.js";

export const MANAGED_BY = "scaleset";
/** ISO time at which the AMI's boot service shuts the instance down (EC2 has no native TTL). */
export const EXPIRES_AT_TAG = "scaleset-expires-at";

export type Market = "spot" | "on-demand";

/** One way to launch the runner's instance; `create` tries them in order. */
export interface LaunchOption {
  market: Market;
  instanceType?: string;
  subnetId?: string;
  input: RunInstancesCommandInput;
}

/** Who launches: the process (`owner`) and the deployment scope its instances belong to. */
export interface LaunchIdentity {
  owner: string;
  deployment: string;
}

/** Tags written at create on the instance and its volumes, so IAM policies can require them. */
export function machineTags(
  config: Ec2EngineConfig["ec2"],
  request: MachineRequest,
  identity: LaunchIdentity,
  now: Date,
): Tag[] {
  const tags: Record<string, string> = {
    ...config.tags,
    Name: request.runnerName,
    [MACHINE_LABELS.managedBy]: MANAGED_BY,
    [MACHINE_LABELS.scaleSet]: request.scaleSetName,
    [MACHINE_LABELS.runner]: request.runnerName,
    [MACHINE_LABELS.owner]: identity.owner,
    [MACHINE_LABELS.deployment]: identity.deployment,
  };
  tags[EXPIRES_AT_TAG] = new Date(now.getTime() + config.maxRunDuration).toISOString();
  return Object.entries(tags).map(([Key, Value]) => ({ Key, Value }));
}

/**
 * Every launch option in the order to try: the configured markets (spot first, then on demand
 * when `spot_fallback`), within each the instance types in order, within each type the subnets.
 */
export function launchOptions(
  config: Ec2EngineConfig["ec2"],
  request: MachineRequest,
  identity: LaunchIdentity,
  now = new Date(),
): LaunchOption[] {
  const markets: Market[] = config.spot
    ? config.spotFallback
      ? ["spot", "on-demand"]
      : ["spot"]
    : ["on-demand"];
  const types = config.instanceTypes.length > 0 ? config.instanceTypes : [undefined];
  const subnets = config.subnetIds.length > 0 ? config.subnetIds : [undefined];
  const shared = sharedInput(config, request, identity, now);
  const options: LaunchOption[] = [];
  for (const market of markets) {
    for (const instanceType of types) {
      for (const subnetId of subnets) {
        const input: RunInstancesCommandInput = {
          ...shared,
          // The SDK's enum lags new instance types; EC2 itself validates the name.
          InstanceType: instanceType as RunInstancesCommandInput["InstanceType"],
          SubnetId: subnetId,
          // One token per option: the SDK's transport retries resend it, so EC2 launches at
          // most one instance per option even when a response is lost.
          ClientToken: randomUUID(),
        };
        if (market === "spot") {
          input.InstanceMarketOptions = {
            MarketType: "spot",
            SpotOptions: {
              SpotInstanceType: "one-time",
              InstanceInterruptionBehavior: "terminate",
            },
          };
        }
        options.push({ market, instanceType, subnetId, input });
      }
    }
  }
  return options;
}

function sharedInput(
  config: Ec2EngineConfig["ec2"],
  request: MachineRequest,
  identity: LaunchIdentity,
  now: Date,
): RunInstancesCommandInput {
  const tags = machineTags(config, request, identity, now);
  const template = config.launchTemplate;
  return {
    MinCount: 1,
    MaxCount: 1,
    ImageId: config.imageId,
    LaunchTemplate: template && {
      LaunchTemplateId: template.id,
      LaunchTemplateName: template.name,
      Version: template.version,
    },
    SecurityGroupIds: config.securityGroupIds.length > 0 ? config.securityGroupIds : undefined,
    IamInstanceProfile: config.instanceProfile
      ? config.instanceProfile.startsWith("arn:")
        ? { Arn: config.instanceProfile }
        : { Name: config.instanceProfile }
      : undefined,
    BlockDeviceMappings:
      config.diskSizeGb === undefined
        ? undefined
        : [
            {
              DeviceName: config.rootDeviceName,
              Ebs: { VolumeSize: config.diskSizeGb, VolumeType: "gp3", DeleteOnTermination: true },
            },
          ],
    UserData: jitUserData(request.jitConfig),
    MetadataOptions: {
      HttpEndpoint: "enabled",
      HttpTokens: "required",
      HttpPutResponseHopLimit: config.imdsHopLimit,
      // Lets the boot service read scaleset-expires-at without ec2:DescribeTags.
      InstanceMetadataTags: "enabled",
    },
    // A runner that powers off (job done, max run duration reached) deletes its instance.
    InstanceInitiatedShutdownBehavior: "terminate",
    TagSpecifications: [
      { ResourceType: "instance", Tags: tags },
      { ResourceType: "volume", Tags: tags },
    ],
  };
}
