/**
 * EC2's error classes through the real SDK against the EC2 fake: which errors move on to the next
 * subnet or type (and in what order), which are retried, which stop, and what the operator is told.
 */
import { describe, expect, it } from "vitest";
import type { Ec2Sim } from "../../src/sim/ec2/index.js";
import { useEc2Fake } from "./fixture.js";
import { LogCapture, launches, machineRequest, rejection } from "./helpers.js";

const SUBNETS = { "subnet-a": "us-east-1a", "subnet-b": "us-east-1b", "subnet-c": "us-east-1c" };

const fake = useEc2Fake({ subnets: SUBNETS });
const setup = (fields: Record<string, unknown>, logs?: LogCapture) => fake.setup(fields, {}, logs);

const statuses = (s: Ec2Sim, action: string) => s.requests(action).map((r) => r.status);

describe("EC2 errors that another launch option may not have", () => {
  it("falls through subnet-full, unsupported and capacity in type → subnet order, skipping a full subnet for every type", async () => {
    const { sim, engine } = await setup({
      instance_types: ["m7i.large", "m6i.large"],
      subnet_ids: ["subnet-a", "subnet-b", "subnet-c"],
    });
    sim.faults.failLaunches({ subnetId: "subnet-a", code: "InsufficientFreeAddressesInSubnet" });
    sim.faults.failLaunches({
      instanceType: "m7i.large",
      subnetId: "subnet-b",
      code: "Unsupported",
    });
    sim.faults.failLaunches({ instanceType: "m7i.large", subnetId: "subnet-c" });
    const machine = await engine.create(machineRequest("ec2-linux-e1"));
    expect(launches(sim)).toEqual([
      "m7i.large@subnet-a:on-demand=InsufficientFreeAddressesInSubnet",
      "m7i.large@subnet-b:on-demand=Unsupported",
      "m7i.large@subnet-c:on-demand=InsufficientInstanceCapacity",
      "m6i.large@subnet-b:on-demand=ok", // subnet-a is full for m6i too: not asked again
    ]);
    expect(statuses(sim, "RunInstances")).toEqual([400, 400, 500, 200]);
    // The 500 stockout was not resent by the SDK: the engine moved on instead.
    expect(sim.requests("RunInstances").every((r) => r.sdkAttempt === "attempt=1; max=2")).toBe(
      true,
    );
    expect(machine.location).toBe("us-east-1b");
    expect(sim.liveInstances()).toHaveLength(1);
  });

  it("when every option fails on capacity-type errors, fails retryably with every fix once", async () => {
    const { sim, engine } = await setup({
      instance_types: ["m7i.large"],
      subnet_ids: ["subnet-a", "subnet-b"],
    });
    sim.faults.failLaunches({ subnetId: "subnet-a", code: "InsufficientFreeAddressesInSubnet" });
    sim.faults.failLaunches({ subnetId: "subnet-b", code: "InsufficientCapacity" });
    const error = await rejection(engine.create(machineRequest("ec2-linux-e2")));
    expect(error).toMatchObject({ code: "InsufficientCapacity", retryable: true });
    expect(error.message).toContain(
      "m7i.large in subnet-a (on-demand): InsufficientFreeAddressesInSubnet",
    );
    expect(error.fix).toContain("add subnets to subnet_ids");
    expect(error.fix).toContain("other availability zones");
    expect(sim.liveInstances()).toHaveLength(0);
  });

  it("skips a subnet that does not exist, warns with the fix, and fails without retry when none is left", async () => {
    const logs = new LogCapture();
    const { sim, engine } = await setup(
      { instance_types: ["m7i.large", "m6i.large"], subnet_ids: ["subnet-gone", "subnet-b"] },
      logs,
    );
    // Not injected: the fake knows subnet-a, b and c only, as EC2 knows the account's subnets.
    await engine.create(machineRequest("ec2-linux-e3"));
    expect(launches(sim)).toEqual([
      "m7i.large@subnet-gone:on-demand=InvalidSubnetID.NotFound",
      "m7i.large@subnet-b:on-demand=ok",
    ]);
    expect(logs.text()).toContain("subnet unusable; skipping it");
    expect(logs.text()).toContain("fix subnet_ids");

    const broken = await fake.engine({ subnet_ids: ["subnet-gone"] });
    const error = await rejection(broken.create(machineRequest("ec2-linux-e4")));
    expect(error).toMatchObject({ code: "InvalidSubnetID.NotFound", retryable: false });
    expect(error.fix).toContain("does not exist in us-east-1");
  });

  it("skips the other subnets of a type over its vCPU quota, with the quota to raise", async () => {
    const { sim, engine } = await setup({
      instance_types: ["p5.48xlarge", "g6.xlarge"],
      subnet_ids: ["subnet-a", "subnet-b"],
    });
    sim.faults.failLaunches({ instanceType: "p5.48xlarge", code: "VcpuLimitExceeded" });
    await engine.create(machineRequest("ec2-linux-e5"));
    expect(launches(sim)).toEqual([
      "p5.48xlarge@subnet-a:on-demand=VcpuLimitExceeded",
      "g6.xlarge@subnet-a:on-demand=ok",
    ]);
    sim.faults.failLaunches({ code: "InstanceLimitExceeded" });
    const error = await rejection(engine.create(machineRequest("ec2-linux-e6")));
    // A quota frees up as runners finish: retryable, and the scaler's backoff does the waiting.
    expect(error).toMatchObject({ code: "InstanceLimitExceeded", retryable: true });
    expect(error.fix).toContain("L-1216C47A");
    expect(error.fix).toContain("Service Quotas");
  });

  it("falls back from spot to on demand past the account's spot limit and a spot price too low", async () => {
    const { sim, engine } = await setup({
      instance_types: ["m7i.large", "m6i.large"],
      subnet_ids: ["subnet-a", "subnet-b"],
      spot: true,
    });
    sim.faults.failLaunches({
      market: "spot",
      instanceType: "m7i.large",
      subnetId: "subnet-a",
      code: "SpotMaxPriceTooLow",
      times: 1,
    });
    sim.faults.failLaunches({ market: "spot", code: "MaxSpotInstanceCountExceeded" });
    const machine = await engine.create(machineRequest("ec2-linux-e7"));
    expect(launches(sim)).toEqual([
      "m7i.large@subnet-a:spot=SpotMaxPriceTooLow",
      "m7i.large@subnet-b:spot=MaxSpotInstanceCountExceeded",
      "m7i.large@subnet-a:on-demand=ok", // no further spot option is tried
    ]);
    expect(sim.instances().find((i) => i.id === machine.id)?.market).toBe("on-demand");

    const spotOnly = await fake.engine({
      subnet_ids: ["subnet-a"],
      spot: true,
      spot_fallback: false,
    });
    const error = await rejection(spotOnly.create(machineRequest("ec2-linux-e8")));
    expect(error).toMatchObject({ code: "MaxSpotInstanceCountExceeded", retryable: true });
    expect(error.fix).toContain("spot_fallback: true");
  });
});

describe("throttling", () => {
  it("retries the same option after a growing backoff, then hands the wait to the scaler", async () => {
    const { sim, engine } = await setup({
      instance_types: ["m7i.large", "m6i.large"],
      subnet_ids: ["subnet-a"],
    });
    sim.faults.throttle(2, "RunInstances");
    await engine.create(machineRequest("ec2-linux-t1"));
    expect(launches(sim)).toEqual([
      "m7i.large@subnet-a:on-demand=RequestLimitExceeded",
      "m7i.large@subnet-a:on-demand=RequestLimitExceeded",
      "m7i.large@subnet-a:on-demand=ok", // the preferred type, not the next one
    ]);
    const [a, b, c] = sim.requests("RunInstances");
    expect(statuses(sim, "RunInstances")).toEqual([503, 503, 200]);
    expect(a?.params.ClientToken).toBe(c?.params.ClientToken); // still one launch at most
    expect((b?.at.getTime() ?? 0) - (a?.at.getTime() ?? 0)).toBeGreaterThanOrEqual(9); // ≥ ½·20 ms
    expect((c?.at.getTime() ?? 0) - (b?.at.getTime() ?? 0)).toBeGreaterThanOrEqual(19); // ≥ ½·40 ms
    expect(sim.requests("RunInstances").every((r) => r.sdkAttempt === "attempt=1; max=2")).toBe(
      true,
    );

    sim.faults.throttle(10, "RunInstances");
    const error = await rejection(engine.create(machineRequest("ec2-linux-t2")));
    expect(error).toMatchObject({ code: "RequestLimitExceeded", retryable: true });
    expect(error.fix).toContain("CloudTrail");
    expect(sim.requests("RunInstances")).toHaveLength(3 + 4);
    expect(sim.liveInstances()).toHaveLength(1);
  });

  it("a throttled list or delete fails retryably, without an SDK resend behind the engine's back", async () => {
    const { sim, engine } = await setup({ subnet_ids: ["subnet-a"] });
    const machine = await engine.create(machineRequest("ec2-linux-t3"));
    sim.faults.throttle(1, "TerminateInstances");
    expect(await rejection(engine.delete(machine.id))).toMatchObject({
      code: "RequestLimitExceeded",
      retryable: true,
    });
    expect(sim.requests("TerminateInstances")).toHaveLength(1);
    sim.faults.throttle(1, "DescribeInstances");
    expect(await rejection(engine.list())).toMatchObject({
      code: "RequestLimitExceeded",
      retryable: true,
    });
    await engine.delete(machine.id);
    expect(sim.liveInstances().every((i) => i.state === "shutting-down")).toBe(true);
  });
});

describe("errors no other option can fix", () => {
  it("stop at once, are not retryable, and say what to change", async () => {
    const { sim, engine } = await setup({
      instance_types: ["m7i.large", "m6i.large"],
      subnet_ids: ["subnet-a", "subnet-b"],
    });
    const cases: Array<[string, string]> = [
      ["InvalidAMIID.NotFound", "image_id"],
      ["InvalidParameterValue", "engine.ec2"],
      ["InvalidGroup.NotFound", "security_group_ids"],
      ["InvalidLaunchTemplateName.NotFoundException", "launch_template"],
      ["AuthFailure", "aws sts get-caller-identity"],
      ["UnauthorizedOperation", "aws sts decode-authorization-message"],
    ];
    for (const [code, hint] of cases) {
      const before = sim.requests("RunInstances").length;
      sim.faults.failNext(code, 1, { action: "RunInstances" });
      const error = await rejection(engine.create(machineRequest(`ec2-linux-f-${before}`)));
      expect(error, code).toMatchObject({ code, retryable: false });
      expect(error.fix, code).toContain(hint);
      expect(sim.requests("RunInstances").length - before, code).toBe(1); // no fall-through
    }
    expect(statuses(sim, "RunInstances")).toEqual([400, 400, 400, 400, 401, 403]);
    expect(sim.liveInstances()).toHaveLength(0);
  });

  it("UnauthorizedOperation names the permission for each call and keeps the encoded message whole", async () => {
    const { sim, engine } = await setup({});
    sim.faults.failNext("UnauthorizedOperation", 1, { action: "DescribeInstances" });
    const list = await rejection(engine.list());
    expect(list).toMatchObject({ code: "UnauthorizedOperation", retryable: false });
    expect(list.fix).toContain('ec2:DescribeInstances on resource "*"');
    expect(list.fix).toContain("sts:DecodeAuthorizationMessage");
    const machine = await engine.create(machineRequest("ec2-linux-u1"));
    sim.faults.failNext("UnauthorizedOperation", 1, { action: "TerminateInstances" });
    const del = await rejection(engine.delete(machine.id));
    expect(del.fix).toContain(
      "ec2:TerminateInstances is allowed only on instances tagged scaleset-deployment",
    );
  });

  it("server errors are resent once by the SDK with the same ClientToken, then reported as retryable", async () => {
    const { sim, engine } = await setup({ instance_types: ["m7i.large", "m6i.large"] });
    sim.faults.failNext("InternalError", 2, { action: "RunInstances" });
    const transient = await rejection(engine.create(machineRequest("ec2-linux-s1")));
    expect(transient).toMatchObject({ code: "InternalError", retryable: true });
    const [a, b] = sim.requests("RunInstances");
    expect([a?.sdkAttempt, b?.sdkAttempt]).toEqual(["attempt=1; max=2", "attempt=2; max=2"]);
    expect(a?.params.ClientToken).toBe(b?.params.ClientToken);
    expect([a?.status, b?.status]).toEqual([500, 500]);
    sim.faults.failNext("Unavailable", 1, { action: "RunInstances" });
    await engine.create(machineRequest("ec2-linux-s2")); // the SDK's one resend succeeded
    expect(sim.liveInstances()).toHaveLength(1);
  });

  it("termination protection: delete fails without retry and says how to lift it", async () => {
    const { sim, engine } = await setup({});
    const machine = await engine.create(machineRequest("ec2-linux-p1"));
    sim.faults.failNext("OperationNotPermitted", 1, { action: "TerminateInstances" });
    const error = await rejection(engine.delete(machine.id));
    expect(error).toMatchObject({ code: "OperationNotPermitted", retryable: false });
    expect(error.fix).toContain("--no-disable-api-termination");
  });
});
