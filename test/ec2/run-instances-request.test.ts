import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { type Ec2Sim, startEc2Sim } from "../../src/sim/ec2/index.js";
import { ec2Engine, JIT_SECRET, machineRequest, SCALE_SET, useAwsTestEnv } from "./helpers.js";

let sim: Ec2Sim | null = null;
beforeAll(useAwsTestEnv);
afterEach(async () => {
  await sim?.stop();
  sim = null;
});

/** Tags of one `TagSpecification.N` in the wire request. */
function wireTags(params: Readonly<Record<string, string>>, spec: number): Record<string, string> {
  const tags: Record<string, string> = {};
  for (let n = 1; params[`TagSpecification.${spec}.Tag.${n}.Key`] !== undefined; n++) {
    tags[params[`TagSpecification.${spec}.Tag.${n}.Key`] as string] =
      params[`TagSpecification.${spec}.Tag.${n}.Value`] ?? "";
  }
  return tags;
}

describe("the RunInstances request on the wire", () => {
  it("carries the AMI, type, subnet, user data, IMDSv2, shutdown behaviour, tags and market options", async () => {
    sim = await startEc2Sim({ region: "eu-west-1", bootDelayMs: 60_000 });
    const engine = await ec2Engine(sim, {
      region: "eu-west-1",
      instance_types: ["c7i.xlarge"],
      subnet_ids: ["subnet-0aaa"],
      security_group_ids: ["sg-1", "sg-2"],
      instance_profile: "scaleset-runner",
      disk_size_gb: 120,
      spot: true,
      tags: { team: "ci" },
      max_run_duration: "90m",
    });
    const before = Date.now();
    const machine = await engine.create(machineRequest("ec2-linux-abc123"));
    const [request] = sim.requests("RunInstances");
    const p = request?.params ?? {};

    expect(p).toMatchObject({
      Version: "2016-11-15",
      MinCount: "1",
      MaxCount: "1",
      ImageId: "ami-0123456789abcdef0",
      InstanceType: "c7i.xlarge",
      SubnetId: "subnet-0aaa",
      "SecurityGroupId.1": "sg-1",
      "SecurityGroupId.2": "sg-2",
      "IamInstanceProfile.Name": "scaleset-runner",
      "BlockDeviceMapping.1.DeviceName": "/dev/sda1",
      "BlockDeviceMapping.1.Ebs.VolumeSize": "120",
      "BlockDeviceMapping.1.Ebs.VolumeType": "gp3",
      "BlockDeviceMapping.1.Ebs.DeleteOnTermination": "true",
      "MetadataOptions.HttpTokens": "required",
      "MetadataOptions.HttpEndpoint": "enabled",
      "MetadataOptions.HttpPutResponseHopLimit": "2",
      "MetadataOptions.InstanceMetadataTags": "enabled",
      InstanceInitiatedShutdownBehavior: "terminate",
      "InstanceMarketOptions.MarketType": "spot",
      "InstanceMarketOptions.SpotOptions.SpotInstanceType": "one-time",
      "InstanceMarketOptions.SpotOptions.InstanceInterruptionBehavior": "terminate",
    });
    expect(p.ClientToken).toMatch(/^[0-9a-f-]{36}$/);
    // User data: the marker line, the JIT config, a newline — base64 as EC2 requires.
    expect(Buffer.from(p.UserData ?? "", "base64").toString("utf8")).toBe(
      `#scaleset-jit-config\n${JIT_SECRET}\n`,
    );
    // The same tags on the instance and its volumes, at create.
    expect(p["TagSpecification.1.ResourceType"]).toBe("instance");
    expect(p["TagSpecification.2.ResourceType"]).toBe("volume");
    const tags = wireTags(p, 1);
    expect(wireTags(p, 2)).toEqual(tags);
    expect(tags).toMatchObject({
      Name: "ec2-linux-abc123",
      "scaleset-managed-by": "scaleset",
      "scaleset-scale-set": SCALE_SET,
      "scaleset-runner": "ec2-linux-abc123",
      "scaleset-owner": "test-owner",
      "scaleset-deployment": "test-deployment",
      team: "ci",
    });
    const expiresAt = Date.parse(tags["scaleset-expires-at"] ?? "");
    expect(expiresAt - before).toBeGreaterThanOrEqual(90 * 60_000);
    expect(expiresAt - Date.now()).toBeLessThanOrEqual(90 * 60_000);
    // Never in a tag: the JIT config travels only in user data.
    expect(JSON.stringify(tags)).not.toContain(JIT_SECRET);
    // Signed for the configured region; the fake saw what EC2 would have launched.
    expect(request?.signedRegion).toBe("eu-west-1");
    const [instance] = sim.instances();
    expect(instance).toMatchObject({
      id: machine.id,
      market: "spot",
      shutdownBehavior: "terminate",
      instanceType: "c7i.xlarge",
      subnetId: "subnet-0aaa",
    });
    expect(machine).toMatchObject({ runnerName: "ec2-linux-abc123", state: "provisioning" });
    await engine.close();
  });

  it("uses a launch template (by name and version) and an instance profile ARN", async () => {
    sim = await startEc2Sim({ bootDelayMs: 60_000 });
    const engine = await ec2Engine(sim, {
      image_id: undefined,
      instance_types: undefined,
      launch_template: { name: "scaleset-runner", version: "7" },
      instance_profile: "arn:aws:iam::123456789012:instance-profile/runner",
    });
    await engine.create(machineRequest("ec2-linux-lt"));
    const p = sim.requests("RunInstances")[0]?.params ?? {};
    expect(p["LaunchTemplate.LaunchTemplateName"]).toBe("scaleset-runner");
    expect(p["LaunchTemplate.Version"]).toBe("7");
    expect(p["IamInstanceProfile.Arn"]).toBe("arn:aws:iam::123456789012:instance-profile/runner");
    expect(p.ImageId).toBeUndefined();
    expect(p.InstanceType).toBeUndefined();
    expect(p["InstanceMarketOptions.MarketType"]).toBeUndefined(); // on demand
    expect(p["MetadataOptions.HttpTokens"]).toBe("required");
    await engine.close();
  });
});
