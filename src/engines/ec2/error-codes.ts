import type { Ec2ErrorKind, ErrorSite } from "./errors.js";

/**
 * The EC2 error codes the engine knows, with how it reacts and what the operator can do. Codes
 * and their meaning: EC2 API reference, "Error codes for the Amazon EC2 API"; the HTTP status
 * each arrives with is in the EC2 fake (src/sim/ec2/errors.ts).
 */
export interface Ec2ErrorRule {
  kind: Ec2ErrorKind;
  retryable: boolean;
  fix?: (site: ErrorSite) => string;
}

const DECODE =
  "The encoded message in the error names the failing statement: decode it with `aws sts decode-authorization-message --encoded-message <message>` (needs sts:DecodeAuthorizationMessage).";

const POLICY = "see docs/aws/scaler-policy.json";

const PERMISSION: Record<string, string> = {
  RunInstances: `scaleset's AWS identity may not launch this instance. It needs ec2:RunInstances on the instance, volume, image, snapshot, subnet, security groups and network interface; ec2:CreateTags with ec2:CreateAction=RunInstances for the launch tags (every tag key, your own tags: too, listed in aws:TagKeys, and scaleset-deployment equal to this scale set's deployment); iam:PassRole for an instance profile — ${POLICY}.`,
  TerminateInstances: `scaleset's AWS identity may not terminate this instance: ec2:TerminateInstances is allowed only on instances tagged scaleset-deployment=<this scale set's deployment> (and, for instances from before deployment scopes, this scale set's instances without that tag) — ${POLICY}.`,
  DescribeInstances: `scaleset's AWS identity needs ec2:DescribeInstances on resource "*" (Describe actions have no resource-level permissions) — ${POLICY}.`,
};

const capacityFix = () =>
  "EC2 has no capacity for this type in that zone right now: list more instance_types and subnet_ids in other availability zones (and spot_fallback: true for spot); scaleset retries.";

const RULES: Record<string, Ec2ErrorRule> = {
  InsufficientInstanceCapacity: { kind: "capacity", retryable: true, fix: capacityFix },
  InsufficientCapacity: { kind: "capacity", retryable: true, fix: capacityFix },
  InsufficientHostCapacity: { kind: "capacity", retryable: true, fix: capacityFix },
  InsufficientVolumeCapacity: {
    kind: "capacity",
    retryable: true,
    fix: () =>
      "EBS has no capacity for the root volume type in that zone: list subnets in other availability zones; scaleset retries.",
  },
  SpotMaxPriceTooLow: {
    kind: "capacity",
    retryable: true,
    fix: () =>
      "The spot price for this type in that zone is above the maximum (the on-demand price): list more instance_types or set spot_fallback: true.",
  },
  InsufficientFreeAddressesInSubnet: {
    kind: "subnet-full",
    retryable: true,
    fix: () =>
      "The subnet has no free IPv4 address (stopped instances keep theirs): add subnets to subnet_ids, use larger subnets, or delete what holds the addresses; scaleset tries the other subnets and retries.",
  },
  "InvalidSubnetID.NotFound": {
    kind: "subnet-invalid",
    retryable: false,
    fix: (s) =>
      `A subnet in engine.ec2.subnet_ids does not exist in ${s.region} (EC2's message names it): fix subnet_ids; scaleset skips it meanwhile.`,
  },
  "InvalidSubnetID.Malformed": {
    kind: "subnet-invalid",
    retryable: false,
    fix: () =>
      "A subnet id in engine.ec2.subnet_ids is malformed (subnet-… expected): fix subnet_ids.",
  },
  InstanceLimitExceeded: {
    kind: "quota",
    retryable: true,
    fix: (s) =>
      `The account's On-Demand instance limit for this type in ${s.region} is reached: lower max_runners, or request an increase in Service Quotas (Amazon EC2). scaleset retries as runners finish.`,
  },
  VcpuLimitExceeded: {
    kind: "quota",
    retryable: true,
    fix: (s) =>
      `The account's vCPU quota for this instance family in ${s.region} is reached: lower max_runners or request an increase in Service Quotas (Amazon EC2 → "Running On-Demand Standard (A, C, D, H, I, M, R, T, Z) instances", L-1216C47A, for standard types; spot has its own, "All Standard Spot Instance Requests", L-34B43A08). scaleset retries as runners finish.`,
  },
  MaxSpotInstanceCountExceeded: {
    kind: "spot-exhausted",
    retryable: true,
    fix: () =>
      "The account's spot limit is reached: set spot_fallback: true to fall back to on demand, or request a higher spot quota in Service Quotas.",
  },
  Unsupported: {
    kind: "unsupported",
    retryable: true,
    fix: (s) =>
      `This instance type is not offered in that subnet's zone: \`aws ec2 describe-instance-type-offerings --region ${s.region} --location-type availability-zone --filters Name=instance-type,Values=<type>\` lists where it is; match subnet_ids to those zones.`,
  },
  RequestLimitExceeded: {
    kind: "throttled",
    retryable: true,
    fix: () =>
      "EC2's API rate limit is per account and region, shared with every other tool: scaleset backs off. If it persists, find the heavy callers in CloudTrail or ask AWS for a higher limit.",
  },
  Throttling: { kind: "throttled", retryable: true },
  ThrottlingException: { kind: "throttled", retryable: true },
  "InvalidInstanceID.NotFound": { kind: "not-found", retryable: true },
  InternalError: { kind: "transient", retryable: true },
  InternalFailure: { kind: "transient", retryable: true },
  ServiceUnavailable: { kind: "transient", retryable: true },
  Unavailable: { kind: "transient", retryable: true },
  RequestTimeout: { kind: "transient", retryable: true },
  RequestTimeoutException: { kind: "transient", retryable: true },
  RequestExpired: {
    kind: "transient",
    retryable: true,
    fix: () =>
      "EC2 saw a request signed more than 5 minutes off its clock: sync this host's clock (NTP).",
  },
  PendingVerification: {
    kind: "transient",
    retryable: true,
    fix: () =>
      "The AWS account is still being verified (this can take hours after sign-up or a new region): wait, or ask AWS Support.",
  },
  UnauthorizedOperation: {
    kind: "fatal",
    retryable: false,
    fix: (s) =>
      `${PERMISSION[s.operation] ?? `scaleset's AWS identity lacks ec2:${s.operation} — ${POLICY}.`} ${DECODE}`,
  },
  AuthFailure: {
    kind: "fatal",
    retryable: false,
    fix: (s) =>
      `AWS rejected the credentials: check which identity scaleset runs as (\`aws sts get-caller-identity\` with the same AWS_* environment, web identity, ECS task role or instance profile) and that the account may use EC2 in ${s.region}.`,
  },
  OptInRequired: {
    kind: "fatal",
    retryable: false,
    fix: (s) =>
      `The account is not subscribed to EC2 in ${s.region}, or the region is not enabled: enable it in the account settings.`,
  },
  Blocked: {
    kind: "fatal",
    retryable: false,
    fix: () => "The AWS account is blocked: contact AWS Support.",
  },
  "InvalidGroup.NotFound": {
    kind: "fatal",
    retryable: false,
    fix: () =>
      "A security group in engine.ec2.security_group_ids does not exist in the subnet's VPC: fix security_group_ids or subnet_ids.",
  },
  "InvalidGroupId.Malformed": {
    kind: "fatal",
    retryable: false,
    fix: () => "A security group id in engine.ec2.security_group_ids is malformed (sg-… expected).",
  },
  InvalidParameterValue: {
    kind: "fatal",
    retryable: false,
    fix: () =>
      "EC2 rejected a launch parameter (its message names it): check engine.ec2 — instance_types, disk_size_gb with root_device_name, imds_hop_limit, instance_profile (a new instance profile takes a few seconds to become usable), tags.",
  },
  InvalidParameterCombination: {
    kind: "fatal",
    retryable: false,
    fix: () =>
      "EC2 rejected a combination of launch parameters (its message names them): check engine.ec2 against the AMI or launch template (e.g. instance type architecture vs. the AMI's).",
  },
  InvalidParameter: { kind: "fatal", retryable: false },
  MissingParameter: { kind: "fatal", retryable: false },
  IdempotentParameterMismatch: { kind: "fatal", retryable: false },
  OperationNotPermitted: {
    kind: "fatal",
    retryable: false,
    fix: () =>
      "Termination protection is on for this instance (scaleset never sets it; check the launch template): `aws ec2 modify-instance-attribute --instance-id <id> --no-disable-api-termination`, then scaleset deletes it.",
  },
};

/** Families of codes with one rule each (EC2 appends .NotFound, .Malformed, .Unavailable…). */
const PREFIXES: Array<[string, Ec2ErrorRule]> = [
  [
    "InvalidAMIID.",
    {
      kind: "fatal",
      retryable: false,
      fix: (s) =>
        `The AMI in engine.ec2.image_id (or the launch template) does not exist in ${s.region}, is not shared with this account, is deregistered or still pending: rebuild it (packer/aws) or update image_id.`,
    },
  ],
  [
    "InvalidLaunchTemplateName.",
    {
      kind: "fatal",
      retryable: false,
      fix: (s) =>
        `The launch template in engine.ec2.launch_template (or its version) does not exist in ${s.region}: fix launch_template.`,
    },
  ],
  [
    "InvalidLaunchTemplateId.",
    {
      kind: "fatal",
      retryable: false,
      fix: (s) =>
        `The launch template in engine.ec2.launch_template (or its version) does not exist in ${s.region}: fix launch_template.`,
    },
  ],
  ["InvalidInstanceID.", { kind: "fatal", retryable: false }],
];

export function ec2ErrorRule(code: string): Ec2ErrorRule | undefined {
  return RULES[code] ?? PREFIXES.find(([prefix]) => code.startsWith(prefix))?.[1];
}

/**
 * Whether the engine itself handles this code (falls through, backs off, skips or reports it):
 * the SDK must not resend such a request behind the engine's back. Only plain server trouble is
 * left to the SDK's single transport-level resend.
 */
export function isEngineHandled(code: string): boolean {
  const rule = ec2ErrorRule(code);
  return rule !== undefined && rule.kind !== "transient";
}
