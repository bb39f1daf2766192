/**
 * `engine: { type: ec2, ec2: {...} }` — AWS EC2: one instance per runner, launched from a prebuilt
 * AMI (or a launch template) and terminated when its job completes. Credentials come from the
 * standard AWS provider chain (env, shared config/SSO, web identity, ECS, IMDS), never from here.
 */
import * as z from "zod";
import { duration, flag, section, text, wholeNumber } from "../fields.js";

export interface Ec2LaunchTemplate {
  /** `lt-…` id or the template's name (exactly one). */
  id?: string;
  name?: string;
  /** `$Default`, `$Latest` or a version number. */
  version: string;
}

export interface Ec2EngineConfig {
  type: "ec2";
  ec2: {
    region: string;
    imageId?: string;
    launchTemplate?: Ec2LaunchTemplate;
    /** Tried in order; empty only when the launch template sets the type. */
    instanceTypes: string[];
    /** Tried in order (spread them across AZs); empty = the template's or the default VPC's. */
    subnetIds: string[];
    securityGroupIds: string[];
    /** Instance profile name or ARN. */
    instanceProfile?: string;
    /** Root volume size; needs `rootDeviceName` to match the AMI. */
    diskSizeGb?: number;
    rootDeviceName: string;
    spot: boolean;
    /** After every spot attempt failed, try the same types and subnets on demand. */
    spotFallback: boolean;
    tags: Record<string, string>;
    /** Ms after launch at which the instance shuts itself down (and so terminates). */
    maxRunDuration: number;
    /** e.g. a VPC interface endpoint `https://vpce-….ec2.us-east-1.vpce.amazonaws.com`. */
    endpoint?: string;
    /** Ms one API call may take, SDK retries included; the request is really aborted. */
    callTimeout: number;
    /** IMDSv2 PUT hop limit: 2 lets containers on the instance reach IMDS, 1 forbids it. */
    imdsHopLimit: number;
  };
}

/** Tag keys scaleset writes itself; a user tag may not override them. */
const RESERVED_TAG = /^(scaleset-|aws:)|^Name$/;
const IMDS_TAG_KEY = /^[A-Za-z0-9+\-=.,_:@]+$/;

const stringList = (what: string) =>
  z.array(text(what), { error: `must be a list — write e.g. [${what.split(" ").at(-1)}]` });

const launchTemplateSchema = section({
  id: text("a launch template id such as lt-0abc")
    .optional()
    .describe("Launch template id (lt-…); set id or name."),
  name: text("a launch template name").optional().describe("Launch template name; set id or name."),
  version: text("a version: $Default, $Latest or a number")
    .prefault("$Default")
    .describe("$Default, $Latest or a version number."),
}).refine((t) => (t.id === undefined) !== (t.name === undefined), {
  error: "needs exactly one of id or name — set one and remove the other",
});

type Ec2Input = { image_id?: unknown; launch_template?: unknown; instance_types?: unknown };

const isMapping = (payload: { value: unknown }) =>
  typeof payload.value === "object" && payload.value !== null;

const ec2Section = section({
  region: text("an AWS region such as us-east-1").describe("AWS region, e.g. us-east-1."),
  image_id: text("an AMI id such as ami-0abc")
    .optional()
    .describe("The runner AMI (see packer/). Required unless launch_template sets it."),
  launch_template: launchTemplateSchema
    .optional()
    .describe("Launch template to start from; the fields here override it."),
  instance_types: stringList("an instance type such as m7i.large")
    // An explicit empty list is a mistake, reported with the other fields' problems.
    .min(1, {
      error:
        "must not be empty — list at least one instance type, e.g. [m7i.large], or remove it to use the launch template's",
    })
    .optional()
    .describe("Tried in order when one has no capacity. Required unless launch_template sets it."),
  subnet_ids: stringList("a subnet id such as subnet-0abc")
    .optional()
    .describe("Tried in order for each instance type; spread them across availability zones."),
  security_group_ids: stringList("a security group id such as sg-0abc")
    .optional()
    .describe("Security groups of the instances (egress to GitHub is all a runner needs)."),
  instance_profile: text("an instance profile name or ARN")
    .optional()
    .describe("IAM instance profile (name or ARN) the jobs run with."),
  disk_size_gb: wholeNumber({ min: 8, max: 65_536, what: "a size in GiB" })
    .optional()
    .describe("Root volume size (gp3, deleted with the instance); the AMI's size when unset."),
  root_device_name: text("the AMI's root device name such as /dev/sda1")
    .prefault("/dev/sda1")
    .describe("The AMI's root device, for disk_size_gb (/dev/xvda on Amazon Linux)."),
  spot: flag().prefault(false).describe("Launch one-time spot instances."),
  spot_fallback: flag()
    .prefault(true)
    .describe("When no spot option launches, try the same types and subnets on demand."),
  tags: z
    .record(z.string().min(1).max(128), z.string().max(256), {
      error: "must be a mapping of tag keys to text values",
    })
    .refine((tags) => Object.keys(tags).every((k) => !RESERVED_TAG.test(k)), {
      error: "must not set Name, aws:* or scaleset-* keys — scaleset writes those itself",
    })
    .refine((tags) => Object.keys(tags).every((k) => IMDS_TAG_KEY.test(k)), {
      // Instances launch with tags in instance metadata, which restricts the key characters.
      error:
        "has a key EC2 cannot expose in instance metadata — use letters, digits and + - = . , _ : @",
    })
    .optional()
    .describe("Extra tags on every instance and volume (Name and scaleset-* are set by scaleset)."),
  // A backstop after max_runner_lifetime (6h by default), like the gcp engine's default.
  max_run_duration: duration({ positive: true })
    .prefault("7h")
    .describe(
      "The instance powers itself off (and so terminates) this long after launch, via the scaleset-expires-at tag the AMI reads.",
    ),
  endpoint: z
    .url({ error: "must be a URL such as https://ec2.us-east-1.amazonaws.com" })
    .optional()
    .describe("EC2 API endpoint, e.g. a VPC interface endpoint; the regional one when unset."),
  call_timeout: duration({ positive: true })
    .prefault("30s")
    .describe("Time limit of one EC2 API call; the request is aborted when it passes."),
  imds_hop_limit: wholeNumber({ min: 1, max: 64 })
    .prefault(2)
    .describe("IMDSv2 hop limit: 2 lets containers on the instance reach IMDS, 1 does not."),
})
  // These run even when another field failed, so every problem is reported in one pass.
  .refine((s: Ec2Input) => s.image_id !== undefined || s.launch_template !== undefined, {
    path: ["image_id"],
    error: "is required — set image_id (the runner AMI) or launch_template",
    when: isMapping,
  })
  .refine((s: Ec2Input) => s.instance_types !== undefined || s.launch_template !== undefined, {
    path: ["instance_types"],
    error: "is required — list at least one instance type, e.g. [m7i.large]",
    when: isMapping,
  });

export const ec2EngineSchema = section({
  type: z.literal("ec2"),
  ec2: ec2Section,
}).transform(({ ec2: raw }): Ec2EngineConfig => {
  const template = raw.launch_template;
  return {
    type: "ec2",
    ec2: {
      region: raw.region,
      imageId: raw.image_id,
      launchTemplate: template && {
        ...(template.id !== undefined ? { id: template.id } : { name: template.name }),
        version: template.version,
      },
      instanceTypes: raw.instance_types ?? [],
      subnetIds: raw.subnet_ids ?? [],
      securityGroupIds: raw.security_group_ids ?? [],
      instanceProfile: raw.instance_profile,
      diskSizeGb: raw.disk_size_gb,
      rootDeviceName: raw.root_device_name,
      spot: raw.spot,
      spotFallback: raw.spot_fallback,
      tags: raw.tags ?? {},
      maxRunDuration: raw.max_run_duration,
      endpoint: raw.endpoint,
      callTimeout: raw.call_timeout,
      imdsHopLimit: raw.imds_hop_limit,
    },
  };
});
