/** An error the fake answers with: EC2 code, message and the HTTP status EC2 uses for it. */
export class Ec2SimError extends Error {
  readonly code: string;
  readonly status: number;
  constructor(code: string, message: string, status = statusFor(code)) {
    super(message);
    this.name = "Ec2SimError";
    this.code = code;
    this.status = status;
  }
}

/** What a templated message may mention: the launch that failed. */
export interface ErrorDetail {
  action?: string;
  instanceType?: string;
  availabilityZone?: string;
  subnetId?: string;
  /** Other AZs of the region, as EC2 suggests them in capacity messages. */
  otherZones?: string[];
}

interface CatalogueEntry {
  status: number;
  message: (d: ErrorDetail) => string;
}

const fixed = (text: string) => () => text;
const zonesHint = (d: ErrorDetail) =>
  d.otherZones && d.otherZones.length > 0 ? ` or choosing ${d.otherZones.join(", ")}` : "";

/**
 * The EC2 error codes the fake can answer with, each with the HTTP status EC2 sends it with and
 * its message as EC2 words it. Client errors are 400 (401 AuthFailure, 403 UnauthorizedOperation),
 * server errors 500, throttling and overload 503 (EC2 API reference, "Error codes for the Amazon
 * EC2 API"; statuses as observed in SDK error reports). A code that is not here is refused at
 * fault-injection time, so no test can script a status EC2 would not send.
 */
export const EC2_ERRORS: Readonly<Record<string, CatalogueEntry>> = {
  AuthFailure: {
    status: 401,
    message: fixed("AWS was not able to validate the provided access credentials"),
  },
  UnauthorizedOperation: {
    status: 403,
    message: fixed("You are not authorized to perform this operation."),
  },
  Blocked: {
    status: 400,
    message: fixed("The user ID or account is blocked from using this service."),
  },
  InsufficientInstanceCapacity: {
    status: 500,
    message: (d) =>
      `We currently do not have sufficient ${d.instanceType ?? "instance"} capacity in the Availability Zone you requested (${d.availabilityZone ?? "unknown"}). Our system will be working on provisioning additional capacity. You can currently get ${d.instanceType ?? "instance"} capacity by not specifying an Availability Zone in your request${zonesHint(d)}.`,
  },
  InsufficientCapacity: {
    status: 500,
    message: fixed("There is not enough capacity to fulfill your request."),
  },
  InsufficientHostCapacity: {
    status: 500,
    message: fixed("There is not enough capacity to fulfill your Dedicated Host request."),
  },
  InsufficientVolumeCapacity: {
    status: 500,
    message: fixed("There is not enough capacity to fulfill your EBS volume provision request."),
  },
  InsufficientFreeAddressesInSubnet: {
    status: 400,
    message: (d) =>
      `There are not enough free addresses in subnet '${d.subnetId ?? "subnet-default"}' to satisfy the requested number of instances.`,
  },
  Unsupported: {
    status: 400,
    message: (d) =>
      `Your requested instance type (${d.instanceType ?? "unknown"}) is not supported in your requested Availability Zone (${d.availabilityZone ?? "unknown"}). Please retry your request by not specifying an Availability Zone${zonesHint(d)}.`,
  },
  InstanceLimitExceeded: {
    status: 400,
    message: fixed(
      "You have requested more instances (1) than your current instance limit of 0 allows for the specified instance type. Please visit http://aws.amazon.com/contact-us/ec2-request to request an adjustment to this limit.",
    ),
  },
  VcpuLimitExceeded: {
    status: 400,
    message: fixed(
      "You have requested more vCPU capacity than your current vCPU limit of 32 allows for the instance bucket that the specified instance type belongs to. Please visit http://aws.amazon.com/contact-us/ec2-request to request an adjustment to this limit.",
    ),
  },
  MaxSpotInstanceCountExceeded: { status: 400, message: fixed("Max spot instance count exceeded") },
  SpotMaxPriceTooLow: {
    status: 400,
    message: fixed(
      "Your Spot request price of 0.096 is lower than the minimum required Spot request fulfillment price of 0.1032.",
    ),
  },
  RequestLimitExceeded: {
    status: 503,
    message: (d) =>
      `Request limit exceeded. Account 123456789012 has been throttled on ec2:${d.action ?? "DescribeInstances"} because it exceeded its request rate limit.`,
  },
  RequestExpired: { status: 400, message: fixed("Request has expired.") },
  InternalError: { status: 500, message: fixed("An internal error has occurred") },
  Unavailable: {
    status: 503,
    message: fixed("The server is overloaded and can't handle the request."),
  },
  "InvalidAMIID.NotFound": {
    status: 400,
    message: fixed("The image id '[ami-0123456789abcdef0]' does not exist"),
  },
  "InvalidAMIID.Malformed": {
    status: 400,
    message: fixed('Invalid id: "ami-x" (expecting "ami-...")'),
  },
  "InvalidAMIID.Unavailable": {
    status: 400,
    message: fixed("AMI 'ami-0123456789abcdef0' is pending, and cannot be run"),
  },
  "InvalidSubnetID.NotFound": {
    status: 400,
    message: (d) => `The subnet ID '${d.subnetId ?? "subnet-default"}' does not exist`,
  },
  "InvalidGroup.NotFound": {
    status: 400,
    message: fixed("The security group 'sg-0' does not exist in VPC 'vpc-0sim0000000000001'"),
  },
  "InvalidLaunchTemplateName.NotFoundException": {
    status: 400,
    message: fixed(
      "The specified launch template, with template name scaleset-runner, does not exist.",
    ),
  },
  InvalidParameterValue: { status: 400, message: fixed("Invalid value 'x' for InstanceType.") },
  InvalidParameter: {
    status: 400,
    message: fixed("Security group sg-0 and subnet subnet-a belong to different networks."),
  },
  InvalidParameterCombination: {
    status: 400,
    message: fixed("The parameter combination is not supported."),
  },
  MissingParameter: {
    status: 400,
    message: fixed("The request must contain the parameter ImageId"),
  },
  "InvalidInstanceID.NotFound": {
    status: 400,
    message: fixed("The instance ID 'i-0123456789abcdef0' does not exist"),
  },
  "InvalidInstanceID.Malformed": { status: 400, message: fixed('Invalid id: "i-x"') },
  OperationNotPermitted: {
    status: 400,
    message: fixed(
      "The instance 'i-0123456789abcdef0' may not be terminated. Modify its 'disableApiTermination' instance attribute and try again.",
    ),
  },
  InvalidAction: { status: 400, message: fixed("The action is not valid for this web service.") },
  DryRunOperation: {
    status: 412,
    message: fixed("Request would have succeeded, but DryRun flag is set."),
  },
  InvalidInstanceType: {
    status: 400,
    message: (d) =>
      `The following supplied instance types do not exist: [${d.instanceType ?? "unknown"}]`,
  },
  "InvalidSubnetID.Malformed": {
    status: 400,
    message: (d) => `Invalid id: "${d.subnetId ?? "x"}" (expecting "subnet-...")`,
  },
  "InvalidGroupId.Malformed": {
    status: 400,
    message: fixed('Invalid id: "x" (expecting "sg-...")'),
  },
  InvalidPaginationToken: {
    status: 400,
    message: fixed("The specified pagination token is not valid or is expired."),
  },
};

export function statusFor(code: string): number {
  return EC2_ERRORS[code]?.status ?? 400;
}

/** Throws (at test setup) for a code the fake does not know EC2's status and wording of. */
export function knownCode(code: string): string {
  if (!(code in EC2_ERRORS)) {
    throw new Error(`EC2 fake: unknown error code ${code}; add it to EC2_ERRORS with EC2's status`);
  }
  return code;
}

export function catalogueError(code: string, detail: ErrorDetail = {}): Ec2SimError {
  const entry = EC2_ERRORS[code];
  return new Ec2SimError(code, entry ? entry.message(detail) : code);
}
