import { el, itemSet, node } from "./xml.js";

export type InstanceStateName =
  | "pending"
  | "running"
  | "shutting-down"
  | "terminated"
  | "stopping"
  | "stopped";

const STATE_CODES: Record<InstanceStateName, number> = {
  pending: 0,
  running: 16,
  "shutting-down": 32,
  terminated: 48,
  stopping: 64,
  stopped: 80,
};

/** What the simulated VM did with its user data (the runner AMI's boot service, simulated). */
export type VmActivity = "booting" | "runner" | "idle" | "exited" | "expired" | "hung" | "off";

/** One simulated instance: what RunInstances asked for, and where it is in its life. */
export interface SimInstance {
  id: string;
  reservationId: string;
  imageId?: string;
  launchTemplate?: Readonly<Record<string, string>>;
  instanceType: string;
  subnetId?: string;
  availabilityZone: string;
  privateIp: string;
  market: "spot" | "on-demand";
  spotOptions?: Readonly<Record<string, string>>;
  securityGroupIds: string[];
  iamInstanceProfile?: Readonly<Record<string, string>>;
  blockDevices: Array<Readonly<Record<string, string>>>;
  metadataOptions: Readonly<Record<string, string>>;
  shutdownBehavior: "stop" | "terminate";
  clientToken?: string;
  /** Decoded user data text. */
  userData?: string;
  tags: Record<string, string>;
  volumeTags: Record<string, string>;
  state: InstanceStateName;
  stateReason?: string;
  /** EC2's text for the state reason; the code itself when unset. */
  stateMessage?: string;
  launchTime: Date;
  /** When it reached `terminated` (it stays visible in Describe for a while, like on EC2). */
  terminatedAt?: Date;
  vm: VmActivity;
}

export function stateXml(name: string, state: InstanceStateName): string {
  return node(name, el("code", STATE_CODES[state]) + el("name", state));
}

export function tagSetXml(tags: Record<string, string>): string {
  return itemSet(
    "tagSet",
    Object.entries(tags).map(([key, value]) => el("key", key) + el("value", value)),
  );
}

export function instanceXml(i: SimInstance, ownerId: string): string {
  const meta = i.metadataOptions;
  return [
    el("instanceId", i.id),
    el("imageId", i.imageId ?? "ami-fromtemplate0000"),
    stateXml("instanceState", i.state),
    el("privateDnsName", `ip-${i.privateIp.replace(/\./g, "-")}.ec2.internal`),
    el("reason", i.stateReason),
    el("amiLaunchIndex", 0),
    el("instanceType", i.instanceType),
    el("launchTime", i.launchTime.toISOString()),
    node("placement", el("availabilityZone", i.availabilityZone) + el("tenancy", "default")),
    node("monitoring", el("state", "disabled")),
    el("subnetId", i.subnetId),
    el("vpcId", i.subnetId ? "vpc-0sim0000000000001" : undefined),
    el("privateIpAddress", i.privateIp),
    itemSet(
      "groupSet",
      i.securityGroupIds.map((g) => el("groupId", g)),
    ),
    el("instanceLifecycle", i.market === "spot" ? "spot" : undefined),
    i.stateReason
      ? node(
          "stateReason",
          el("code", i.stateReason) + el("message", i.stateMessage ?? i.stateReason),
        )
      : "",
    el("architecture", "x86_64"),
    el("rootDeviceType", "ebs"),
    el("clientToken", i.clientToken),
    i.iamInstanceProfile
      ? node(
          "iamInstanceProfile",
          el(
            "arn",
            i.iamInstanceProfile.Arn ??
              `arn:aws:iam::${ownerId}:instance-profile/${i.iamInstanceProfile.Name}`,
          ),
        )
      : "",
    tagSetXml(i.tags),
    node(
      "metadataOptions",
      el("state", "applied") +
        el("httpTokens", meta.HttpTokens ?? "optional") +
        el("httpPutResponseHopLimit", meta.HttpPutResponseHopLimit ?? "1") +
        el("httpEndpoint", meta.HttpEndpoint ?? "enabled") +
        el("instanceMetadataTags", meta.InstanceMetadataTags ?? "disabled"),
    ),
  ].join("");
}
