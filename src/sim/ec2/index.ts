/** The EC2 fake: the Query API over loopback HTTP, with simulated instances and fault injection. */
export { DEFAULT_VPC, Ec2Catalog, type Ec2ImageSpec, instanceTypeCpus } from "./catalog.js";
export { EC2_ERRORS, Ec2SimError } from "./errors.js";
export { Ec2SimFaults, type LaunchFaultRule } from "./faults.js";
export type { VmRunner } from "./fleet.js";
export type { PolicyDocument, PolicyStatement } from "./iam-policy.js";
export type { InstanceStateName, SimInstance, VmActivity } from "./instance.js";
export { type Ec2Sim, type Ec2SimOptions, type RecordedRequest, startEc2Sim } from "./server.js";
