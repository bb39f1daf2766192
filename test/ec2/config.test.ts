import { describe, expect, it } from "vitest";
import type { Ec2EngineConfig } from "../../src/config/types.js";
import { load, loadError } from "../config/helpers.js";

const yaml = (ec2: string) => `
github: { url: https://github.com/my-org, token: env:GITHUB_TOKEN }
scalesets:
  - name: linux-x64
    engine:
      type: ec2
      ec2:
${ec2
  .trim()
  .split("\n")
  .map((line) => `        ${line}`)
  .join("\n")}
`;

async function ec2Of(text: string): Promise<Ec2EngineConfig["ec2"]> {
  const config = await load(yaml(text));
  const engine = config.scalesets[0]?.engine;
  if (engine?.type !== "ec2") throw new Error("not an ec2 engine");
  return engine.ec2;
}

describe("engine.ec2 config", () => {
  it("applies defaults to a minimal config", async () => {
    const ec2 = await ec2Of("region: us-east-1\nimage_id: ami-0abc\ninstance_types: [m7i.large]");
    expect(ec2).toEqual({
      region: "us-east-1",
      imageId: "ami-0abc",
      launchTemplate: undefined,
      instanceTypes: ["m7i.large"],
      subnetIds: [],
      securityGroupIds: [],
      instanceProfile: undefined,
      diskSizeGb: undefined,
      rootDeviceName: "/dev/sda1",
      spot: false,
      spotFallback: true,
      tags: {},
      maxRunDuration: 25_200_000,
      endpoint: undefined,
      callTimeout: 30_000,
      imdsHopLimit: 2,
    });
  });

  it("reads every field", async () => {
    const ec2 = await ec2Of(`
region: eu-west-1
launch_template: { name: runners, version: "$Latest" }
instance_types: [c7i.xlarge, c6i.xlarge]
subnet_ids: [subnet-a, subnet-b]
security_group_ids: [sg-1]
instance_profile: scaleset-runner
disk_size_gb: "100"
spot: "true"
spot_fallback: false
tags: { team: ci, cost-center: "42" }
max_run_duration: 2h
endpoint: https://vpce-1.ec2.eu-west-1.vpce.amazonaws.com
call_timeout: 10s
imds_hop_limit: 1`);
    expect(ec2).toMatchObject({
      launchTemplate: { name: "runners", version: "$Latest" },
      instanceTypes: ["c7i.xlarge", "c6i.xlarge"],
      subnetIds: ["subnet-a", "subnet-b"],
      diskSizeGb: 100,
      spot: true,
      spotFallback: false,
      tags: { team: "ci", "cost-center": "42" },
      maxRunDuration: 7_200_000,
      endpoint: "https://vpce-1.ec2.eu-west-1.vpce.amazonaws.com",
      callTimeout: 10_000,
      imdsHopLimit: 1,
    });
  });

  it("requires an AMI or a launch template, and instance types without a template", async () => {
    const error = await loadError(yaml("region: us-east-1"));
    expect(error.message).toContain("scalesets[0].engine.ec2.image_id");
    expect(error.message).toContain("launch_template");
    expect(error.message).toContain("scalesets[0].engine.ec2.instance_types");
    const templated = await ec2Of("region: us-east-1\nlaunch_template: { id: lt-0abc }");
    expect(templated.launchTemplate).toEqual({ id: "lt-0abc", version: "$Default" });
    expect(templated.instanceTypes).toEqual([]);
  });

  it("rejects tags scaleset owns and a template with both id and name", async () => {
    const tags = await loadError(
      yaml(
        "region: us-east-1\nimage_id: ami-1\ninstance_types: [m7i.large]\ntags: { scaleset-runner: x }",
      ),
    );
    expect(tags.message).toContain("engine.ec2.tags");
    expect(tags.message).toContain("scaleset-*");
    const spaces = await loadError(
      yaml(
        'region: us-east-1\nimage_id: ami-1\ninstance_types: [m7i.large]\ntags: { "cost center": x }',
      ),
    );
    expect(spaces.message).toContain("instance metadata");
    const both = await loadError(
      yaml(
        "region: us-east-1\nlaunch_template: { id: lt-1, name: n }\ninstance_types: [m7i.large]",
      ),
    );
    expect(both.message).toContain("exactly one of id or name");
  });
});
