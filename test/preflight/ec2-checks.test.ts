import { afterEach, describe, expect, it } from "vitest";
import { AWS_TEST_ENV } from "../ec2/helpers.js";
import {
  AMI,
  check,
  daysAgo,
  ec2Policy,
  type Fakes,
  preflight,
  printed,
  startFakes,
  statements,
} from "./fixture.js";

/**
 * validate's EC2 checks: the real @aws-sdk/client-ec2 against the EC2 fake, which enforces
 * docs/aws/scaler-policy.json (plus validate's read-only statement) per access key, answers
 * DryRun=true with 412 DryRunOperation and serves the Describe actions. One fault per test.
 */

let f: Fakes | undefined;
afterEach(async () => {
  await f?.stop();
  f = undefined;
});

const EC2 = { only: ["ec2" as const] };
const S = "ec2-linux";
const KEY = AWS_TEST_ENV.AWS_ACCESS_KEY_ID as string;

/** The fake's policy for the test key, with statements dropped by Sid. */
function policyWithout(...sids: string[]) {
  const policy = ec2Policy();
  return { ...policy, Statement: statements(policy).filter((s) => !sids.includes(s.Sid ?? "")) };
}

async function withPolicy(fakes: Fakes, policy: ReturnType<typeof ec2Policy>) {
  await fakes.ec2.stop();
  const { startEc2Sim, DEFAULT_VPC } = await import("../../src/sim/ec2/index.js");
  const ec2 = await startEc2Sim({
    subnets: { "subnet-a": "us-east-1a", "subnet-b": "us-east-1b" },
    iam: { [KEY]: policy },
  });
  ec2.catalog.addImage(AMI, { name: "scaleset-runner-20261129", creationDate: daysAgo(5) });
  ec2.catalog.securityGroups = new Map([["sg-0abc", DEFAULT_VPC]]);
  ec2.catalog.instanceProfiles = new Set(["scaleset-runner"]);
  fakes.ec2 = ec2;
}

describe("validate: EC2", () => {
  it("passes with the documented policy; every RunInstances was a dry run and nothing launched", async () => {
    f = await startFakes();
    const report = await preflight(f, EC2);
    expect(report.counts.fail).toBe(0);
    expect(check(report, S, "launch (dry run)").detail).toBe(
      "RunInstances allowed for m7i.large in subnet-a (on-demand), m7i.large in subnet-b (on-demand)",
    );
    expect(check(report, S, "subnets").detail).toContain("502 free addresses for max_runners 4");
    const runs = f.ec2.requests("RunInstances");
    expect(runs.length).toBeGreaterThan(0);
    expect(runs.every((r) => r.params.DryRun === "true" && r.errorCode === "DryRunOperation")).toBe(
      true,
    );
    expect(runs.every((r) => r.status === 412)).toBe(true);
    expect(f.ec2.instances()).toHaveLength(0);
  });

  it("no iam:PassRole for the runner role: ✗ launch naming it, ✗ instance profile", async () => {
    f = await startFakes();
    await withPolicy(f, policyWithout("PassOnlyTheRunnerRole"));
    const report = await preflight(f, EC2);
    expect(printed(report, "launch (dry run)", "UnauthorizedOperation")).toMatch(
      /✗ launch \(dry run\) .*m7i.large in subnet-a \(on-demand\) \(and 1 more option\): UnauthorizedOperation: missing iam:PassRole for the role of instance profile scaleset-runner\n.*→ fix: allow iam:PassRole on that role with iam:PassedToService=ec2.amazonaws.com/,
    );
    expect(printed(report, "instance profile", "PassRole")).toMatch(
      /✗ instance profile .*scaleset may not pass scaleset-runner's role \(iam:PassRole\)\n.*→ fix: allow iam:PassRole/,
    );
    // EC2's encoded message, for `aws sts decode-authorization-message`, is kept for --json.
    expect(check(report, S, "launch (dry run)").evidence).toMatch(
      /Encoded authorization failure message: \S+/,
    );
  });

  it("no tagging while launching: ✗ launch with what it needs and how to decode EC2's refusal", async () => {
    f = await startFakes();
    await withPolicy(f, policyWithout("TagOnlyWhileLaunchingThisDeployment"));
    const report = await preflight(f, EC2);
    // The policy requires the tags on the launch itself, so no dry run without them can pass:
    // the missing statement cannot be narrowed down, and the fix says how to read EC2's answer.
    expect(printed(report, "launch (dry run)", "UnauthorizedOperation")).toMatch(
      /✗ launch \(dry run\) .*UnauthorizedOperation: ec2:RunInstances, ec2:CreateTags or iam:PassRole is not allowed for this request .*\n.*→ fix: .*ec2:CreateTags with ec2:CreateAction=RunInstances.*aws sts decode-authorization-message --encoded-message/,
    );
  });

  it("no spot request permission: ✗ launch naming spot-instances-request", async () => {
    f = await startFakes();
    const policy = ec2Policy();
    const narrowed = statements(policy).map((s) =>
      s.Sid === "LaunchWithExistingResources" && Array.isArray(s.Resource)
        ? { ...s, Resource: s.Resource.filter((r) => !r.includes("spot-instances-request")) }
        : s,
    );
    await withPolicy(f, { ...policy, Statement: narrowed });
    const report = await preflight(f, { ...EC2, ec2: { spot: "true", spot_fallback: "false" } });
    expect(printed(report, "launch (dry run)", "spot")).toMatch(
      /✗ launch \(dry run\) .*m7i.large in subnet-a \(spot\) \(and 1 more option\): UnauthorizedOperation: missing ec2:RunInstances on spot-instances-request\/\*\n.*→ fix: allow ec2:RunInstances on arn:aws:ec2:REGION:ACCOUNT:spot-instances-request\/\*/,
    );
  });

  it("an instance profile that does not exist: ✗ instance profile", async () => {
    f = await startFakes();
    f.ec2.catalog.instanceProfiles = new Set();
    const report = await preflight(f, EC2);
    expect(printed(report, "instance profile", "does not exist")).toMatch(
      /✗ instance profile .*scaleset-runner does not exist \(EC2 refused it in the dry run\)\n.*→ fix: create it \(aws iam create-instance-profile --instance-profile-name scaleset-runner/,
    );
  });

  it("an AMI that does not exist: ✗ image (and the dry run says so too)", async () => {
    f = await startFakes();
    f.ec2.catalog.images?.clear();
    f.ec2.catalog.addImage("ami-0other", { creationDate: daysAgo(1) });
    const report = await preflight(f, EC2);
    expect(printed(report, "image", "InvalidAMIID.NotFound")).toMatch(
      new RegExp(
        `✗ image .*InvalidAMIID.NotFound: The image id '\\[${AMI}\\]' does not exist\\n.*→ fix: build the AMI \\(packer build packer/aws\\) or fix engine.ec2.image_id`,
      ),
    );
    expect(check(report, S, "launch (dry run)").detail).toContain("InvalidAMIID.NotFound");
  });

  it("an AMI 40 days old: ! image; a pending one: ✗ image", async () => {
    f = await startFakes();
    f.ec2.catalog.addImage(AMI, { name: "old-runner", creationDate: daysAgo(40) });
    const old = await preflight(f, EC2);
    expect(printed(old, "image", "40 days old")).toMatch(
      /! image .*ami-0123456789abcdef0 \(old-runner\): built .*, 40 days old\n.*→ fix: rebuild the runner AMI/,
    );
    f.ec2.catalog.addImage(AMI, { name: "building", creationDate: daysAgo(0), state: "pending" });
    const pending = await preflight(f, EC2);
    expect(printed(pending, "image", "pending")).toMatch(
      /✗ image .*\(building\) is pending, not available/,
    );
  });

  it("a type one subnet's zone does not offer: ✗ instance types naming type and zone", async () => {
    f = await startFakes();
    f.ec2.catalog.unofferedTypes.add("m7i.large/us-east-1b");
    const report = await preflight(f, EC2);
    expect(printed(report, "instance types", "not offered")).toMatch(
      /✗ instance types .*not offered: m7i.large in us-east-1b\n.*→ fix: aws ec2 describe-instance-type-offerings --region us-east-1 --location-type availability-zone --filters Name=instance-type,Values=m7i.large/,
    );
  });

  it("subnets nearly out of addresses: ✗ subnets; a subnet that does not exist: ✗ subnet", async () => {
    f = await startFakes();
    f.ec2.catalog.subnetAddressesInUse.set("subnet-a", 251);
    f.ec2.catalog.subnetAddressesInUse.set("subnet-b", 249);
    const full = await preflight(f, EC2);
    expect(printed(full, "subnets", "free addresses")).toMatch(
      /✗ subnets .*subnet-a \(us-east-1a, 0 free\), subnet-b \(us-east-1b, 2 free\): 2 free addresses for max_runners 4\n.*→ fix: add subnets to engine.ec2.subnet_ids, use larger subnets, or lower max_runners/,
    );
    f.ec2.catalog.subnetAddressesInUse.clear();
    const gone = await preflight(f, { ...EC2, ec2: { subnet_ids: "[subnet-a, subnet-gone]" } });
    expect(printed(gone, "subnet subnet-gone", "NotFound")).toMatch(
      /✗ subnet subnet-gone .*InvalidSubnetID.NotFound: The subnet ID 'subnet-gone' does not exist\n.*→ fix: A subnet in engine.ec2.subnet_ids does not exist in us-east-1/,
    );
  });

  it("a security group that does not exist, or sits in another VPC: ✗ security groups", async () => {
    f = await startFakes();
    f.ec2.catalog.securityGroups = new Map();
    const missing = await preflight(f, EC2);
    expect(printed(missing, "security groups", "InvalidGroup.NotFound")).toMatch(
      /✗ security groups .*InvalidGroup.NotFound: The security group 'sg-0abc' does not exist\n.*→ fix: A security group in engine.ec2.security_group_ids does not exist/,
    );
    f.ec2.catalog.securityGroups = new Map([["sg-0abc", "vpc-0other"]]);
    const elsewhere = await preflight(f, EC2);
    expect(printed(elsewhere, "security groups", "vpc-0other")).toMatch(
      /✗ security groups .*sg-0abc is in vpc-0other, the subnets in vpc-0sim0000000000001\n.*→ fix: security groups must be in the subnets' VPC/,
    );
  });

  it("an identity without validate's Describe reads: ! not checked, naming the statement to add", async () => {
    f = await startFakes();
    await withPolicy(f, policyWithout("ValidateReads"));
    const report = await preflight(f, EC2);
    expect(check(report, S, "launch (dry run)").status).toBe("ok");
    expect(printed(report, "image", "not checked")).toMatch(
      /! image .*not checked: this identity may not call ec2:DescribeImages\n.*→ fix: allow ec2:DescribeImages, ec2:DescribeSubnets, .* on resource "\*"/,
    );
    expect(report.counts.fail).toBe(0);
  });

  it("the vCPU quota: – not checked, with the need and the Service Quotas command", async () => {
    f = await startFakes();
    const report = await preflight(f, {
      ...EC2,
      maxRunners: 10,
      ec2: { instance_types: "[m7i.large, c7i.xlarge]", spot: "true" },
    });
    expect(printed(report, "vCPU quota", "not checked")).toMatch(
      /– vCPU quota .*not checked: EC2's API does not show it; max_runners 10 × up to 4 vCPUs = 40 needed\n.*→ check: aws service-quotas get-service-quota --service-code ec2 --quota-code L-34B43A08 --region us-east-1/,
    );
  });
});
