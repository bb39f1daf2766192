import {
  DescribeImagesCommand,
  DescribeInstanceTypesCommand,
  DescribeSubnetsCommand,
  RunInstancesCommand,
} from "@aws-sdk/client-ec2";
import { afterEach, describe, expect, it } from "vitest";
import { DEFAULT_VPC, type Ec2Sim, startEc2Sim } from "../../src/sim/ec2/index.js";
import { type GceSim, startGceSim } from "../../src/sim/gce/index.js";
import { rawEc2, useAwsTestEnv } from "../ec2/helpers.js";
import { accessToken, callApi, idleRunner } from "../gcp/helpers.js";
import { daysAgo } from "./fixture.js";

/**
 * The endpoints validate calls, on the wire: exact shapes and the fakes' strictness (what a
 * client relying on leniency would trip over), without validate's own code.
 */

let gce: GceSim | undefined;
let ec2: Ec2Sim | undefined;
afterEach(async () => {
  await gce?.stop();
  await ec2?.stop();
  gce = undefined;
  ec2 = undefined;
});

const P = "p-wire";

describe("GCE fake: testIamPermissions (Resource Manager and IAM on the fake's origin)", () => {
  it("lists the held permissions, omits the field when none is held, refuses bad names", async () => {
    gce = await startGceSim({ zones: ["us-central1-a"], launchRunner: idleRunner });
    const token = await accessToken(gce);
    const test = (permissions: unknown) =>
      callApi(gce as GceSim, token, "POST", `/v1/projects/${P}:testIamPermissions`, {
        permissions,
      });
    expect(await test(["compute.instances.create", "compute.disks.create"])).toEqual({
      status: 200,
      json: { permissions: ["compute.instances.create", "compute.disks.create"] },
    });
    gce.faults.deniedPermissions.add("compute.disks.create");
    expect((await test(["compute.disks.create"])).json).toEqual({}); // proto3 JSON: no empty list
    const bad = await test(["compute.instances.frobnicate"]);
    expect(bad.status).toBe(400);
    expect(bad.json.error).toEqual({
      code: 400,
      message: "Permission compute.instances.frobnicate is not valid for this resource.",
      status: "INVALID_ARGUMENT",
    });
    expect((await test(["compute.*"])).json.error.message).toBe(
      "Permission compute.* is not valid.",
    );
    const anonymous = await callApi(gce, null, "POST", `/v1/projects/${P}:testIamPermissions`, {
      permissions: ["compute.instances.create"],
    });
    expect(anonymous.status).toBe(401);
  });

  it("a service account: 404 when it does not exist, 400 for a project permission, 403 API disabled", async () => {
    gce = await startGceSim({ zones: ["us-central1-a"], launchRunner: idleRunner });
    const token = await accessToken(gce);
    const sa = "runner@p-wire.iam.gserviceaccount.com";
    const path = `/v1/projects/-/serviceAccounts/${encodeURIComponent(sa)}:testIamPermissions`;
    const test = (permissions: string[]) =>
      callApi(gce as GceSim, token, "POST", path, { permissions });
    expect((await test(["iam.serviceAccounts.actAs"])).json.error).toMatchObject({
      code: 404,
      status: "NOT_FOUND",
    });
    gce.catalog.serviceAccounts.add(sa);
    expect((await test(["iam.serviceAccounts.actAs"])).json).toEqual({
      permissions: ["iam.serviceAccounts.actAs"],
    });
    expect((await test(["compute.instances.create"])).status).toBe(400);
    gce.faults.disabledServices.add("iam.googleapis.com");
    const disabled = await test(["iam.serviceAccounts.actAs"]);
    expect(disabled.status).toBe(403);
    expect(disabled.json.error.details[0]).toMatchObject({
      reason: "SERVICE_DISABLED",
      metadata: { service: "iam.googleapis.com" },
    });
    expect(disabled.json.error.errors).toBeUndefined();
  });
});

describe("GCE fake: the Compute reads", () => {
  it("getFromFamily answers the newest READY, non-deprecated image, with Compute's timestamp", async () => {
    gce = await startGceSim({ zones: ["us-central1-a"], launchRunner: idleRunner });
    const token = await accessToken(gce);
    const add = (name: string, days: number, extra = {}) =>
      gce?.catalog.addImage({ project: P, name, family: "r", createdAt: daysAgo(days), ...extra });
    add("r-old", 20);
    add("r-new", 2);
    add("r-newest-deprecated", 1, { deprecated: "DEPRECATED" });
    add("r-building", 0, { status: "PENDING" });
    const family = await callApi(
      gce,
      token,
      "GET",
      `/compute/v1/projects/${P}/global/images/family/r`,
    );
    expect(family.json).toMatchObject({
      kind: "compute#image",
      name: "r-new",
      family: "r",
      status: "READY",
    });
    expect(family.json.creationTimestamp).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}-08:00$/);
    const missing = await callApi(
      gce,
      token,
      "GET",
      `/compute/v1/projects/${P}/global/images/family/x`,
    );
    expect(missing.json.error.errors[0].reason).toBe("notFound");
    gce.faults.deniedPermissions.add("compute.images.getFromFamily");
    const denied = await callApi(
      gce,
      token,
      "GET",
      `/compute/v1/projects/${P}/global/images/family/r`,
    );
    expect(denied.status).toBe(403);
  });

  it("regions.get counts the fake's live VMs against the quotas; unknown machine types are 404", async () => {
    gce = await startGceSim({
      zones: ["us-central1-a"],
      operationDelayMs: 5,
      launchRunner: idleRunner,
    });
    const token = await accessToken(gce);
    const zone = `/compute/v1/projects/${P}/zones/us-central1-a`;
    const insert = await callApi(gce, token, "POST", `${zone}/instances`, {
      name: "vm-1",
      machineType: "zones/us-central1-a/machineTypes/n2-standard-8",
      disks: [
        {
          boot: true,
          autoDelete: true,
          initializeParams: { sourceImage: `projects/${P}/global/images/family/r` },
        },
      ],
      networkInterfaces: [
        { network: "global/networks/default", accessConfigs: [{ type: "ONE_TO_ONE_NAT" }] },
      ],
    });
    expect(insert.status).toBe(200);
    const region = async () =>
      (await callApi(gce as GceSim, token, "GET", `/compute/v1/projects/${P}/regions/us-central1`))
        .json;
    for (let i = 0; i < 100 && gce.instances().length === 0; i++)
      await new Promise((r) => setTimeout(r, 10));
    const quotas = (await region()).quotas as Array<{
      metric: string;
      limit: number;
      usage: number;
    }>;
    expect(quotas.find((q) => q.metric === "N2_CPUS")).toEqual({
      metric: "N2_CPUS",
      limit: 24,
      usage: 8,
    });
    expect(quotas.find((q) => q.metric === "CPUS")?.usage).toBe(0);
    expect(quotas.find((q) => q.metric === "IN_USE_ADDRESSES")?.usage).toBe(1);
    expect(
      (await callApi(gce, token, "GET", `/compute/v1/projects/${P}/regions/europe-west9`)).status,
    ).toBe(404);
    expect((await callApi(gce, token, "GET", `${zone}/machineTypes/n2-standard-7`)).status).toBe(
      404,
    );
    expect(
      (await callApi(gce, token, "GET", `${zone}/machineTypes/n2-standard-8`)).json,
    ).toMatchObject({
      guestCpus: 8,
    });
  });
});

describe("EC2 fake: DryRun and the Describe actions", () => {
  it("a dry run answers 412 DryRunOperation and launches nothing; refused references first", async () => {
    useAwsTestEnv();
    ec2 = await startEc2Sim({ subnets: { "subnet-a": "us-east-1a" } });
    ec2.catalog.securityGroups = new Map([["sg-1", "vpc-other"]]);
    const client = rawEc2(ec2);
    const run = (extra: object) =>
      client
        .send(
          new RunInstancesCommand({
            ImageId: "ami-0123456789abcdef0",
            InstanceType: "m7i.large",
            MinCount: 1,
            MaxCount: 1,
            SubnetId: "subnet-a",
            DryRun: true,
            ...extra,
          }),
        )
        .then(
          () => "launched",
          (e: { name: string; $metadata: { httpStatusCode?: number } }) =>
            `${e.name} ${e.$metadata.httpStatusCode}`,
        );
    expect(await run({})).toBe("DryRunOperation 412");
    expect(await run({ SecurityGroupIds: ["sg-1"] })).toBe("InvalidParameter 400");
    expect(await run({ InstanceType: "m7i.huge" })).toBe("Unsupported 400");
    ec2.catalog.addImage("ami-0other", { creationDate: daysAgo(1) });
    expect(await run({})).toBe("InvalidAMIID.NotFound 400");
    expect(ec2.instances()).toHaveLength(0);
    client.destroy();
  });

  it("Describe actions: EC2's NotFound and Malformed codes, free addresses shrink as VMs launch", async () => {
    useAwsTestEnv();
    ec2 = await startEc2Sim({
      subnets: { "subnet-a": "us-east-1a" },
      bootDelayMs: 5,
      runVm: idleRunner,
    });
    ec2.catalog.addImage("ami-0aaa", {
      name: "runner",
      creationDate: new Date("2026-11-01T00:00:00Z"),
    });
    const client = rawEc2(ec2);
    const code = (p: Promise<unknown>) =>
      p.then(
        () => "ok",
        (e: { name: string }) => e.name,
      );
    const images = await client.send(new DescribeImagesCommand({ ImageIds: ["ami-0aaa"] }));
    expect(images.Images?.[0]).toMatchObject({
      ImageId: "ami-0aaa",
      State: "available",
      CreationDate: "2026-11-01T00:00:00.000Z",
    });
    expect(await code(client.send(new DescribeImagesCommand({ ImageIds: ["ami-0bbb"] })))).toBe(
      "InvalidAMIID.NotFound",
    );
    expect(await code(client.send(new DescribeImagesCommand({ ImageIds: ["nope"] })))).toBe(
      "InvalidAMIID.Malformed",
    );
    expect(
      await code(
        client.send(
          new DescribeInstanceTypesCommand({
            InstanceTypes: ["m7i.large", "x9.tiny" as "m7i.large"],
          }),
        ),
      ),
    ).toBe("InvalidInstanceType");
    const free = async () =>
      (await client.send(new DescribeSubnetsCommand({ SubnetIds: ["subnet-a"] }))).Subnets?.[0];
    expect(await free()).toMatchObject({
      AvailableIpAddressCount: 251,
      VpcId: DEFAULT_VPC,
      AvailabilityZone: "us-east-1a",
    });
    await client.send(
      new RunInstancesCommand({
        ImageId: "ami-0aaa",
        InstanceType: "m7i.large",
        MinCount: 1,
        MaxCount: 1,
        SubnetId: "subnet-a",
      }),
    );
    expect((await free())?.AvailableIpAddressCount).toBe(250);
    expect(await code(client.send(new DescribeSubnetsCommand({ SubnetIds: ["subnet-b"] })))).toBe(
      "InvalidSubnetID.NotFound",
    );
    client.destroy();
  });
});
