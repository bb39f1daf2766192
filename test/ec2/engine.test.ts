import { afterEach, beforeAll, describe, expect, it } from "vitest";
import type { Ec2Engine } from "../../src/engines/ec2/index.js";
import { EngineError } from "../../src/engines/engine.js";
import { type Ec2Sim, type Ec2SimOptions, startEc2Sim } from "../../src/sim/ec2/index.js";
import {
  ec2Engine,
  JIT_SECRET,
  LogCapture,
  machineRequest,
  SCALE_SET,
  useAwsTestEnv,
} from "./helpers.js";

const SUBNETS = { "subnet-a": "us-east-1a", "subnet-b": "us-east-1b" };
/** A VM that runs until it is powered off, so tests control its life. */
const idleVm = (_jit: string, signal: AbortSignal) =>
  new Promise<void>((resolve) => signal.addEventListener("abort", () => resolve()));

let sim: Ec2Sim | null = null;
const engines: Ec2Engine[] = [];
beforeAll(useAwsTestEnv);
afterEach(async () => {
  for (const engine of engines.splice(0)) await engine.close();
  await sim?.stop();
  sim = null;
});

async function setup(
  fields: Record<string, unknown> = {},
  options: Ec2SimOptions = {},
  logs?: LogCapture,
): Promise<{ sim: Ec2Sim; engine: Ec2Engine }> {
  sim = await startEc2Sim({
    subnets: SUBNETS,
    bootDelayMs: 30,
    shutdownDelayMs: 30,
    runVm: idleVm,
    ...options,
  });
  const engine = await ec2Engine(sim, fields, { logs });
  engines.push(engine);
  return { sim, engine };
}

async function rejection(promise: Promise<unknown>): Promise<EngineError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(EngineError);
  return error as EngineError;
}

const launches = (s: Ec2Sim) =>
  s
    .requests("RunInstances")
    .map(
      (r) =>
        `${r.params.InstanceType}@${r.params.SubnetId}:${r.params["InstanceMarketOptions.MarketType"] ?? "on-demand"}=${r.errorCode ?? "ok"}`,
    );

describe("ec2 engine against the EC2 fake", () => {
  it("launches, lists by tag, terminates, and terminates idempotently", async () => {
    const { sim, engine } = await setup({ subnet_ids: ["subnet-b"] });
    const machine = await engine.create(machineRequest("ec2-linux-1"));
    expect(machine).toMatchObject({
      runnerName: "ec2-linux-1",
      scaleSetName: SCALE_SET,
      owner: "test-owner",
      location: "us-east-1b",
    });
    await sim.waitFor((s) => s.instances()[0]?.state === "running");
    // Another scale set's instance and an untagged one are not ours.
    const other = await ec2Engine(sim, {}, { scaleSetName: "other-set" });
    engines.push(other);
    await other.create(machineRequest("other-set-1", { scaleSetName: "other-set" }));
    const listed = await engine.list();
    expect(listed.map((m) => [m.id, m.state, m.runnerName])).toEqual([
      [machine.id, "running", "ec2-linux-1"],
    ]);
    const filters = sim.requests("DescribeInstances").at(-1)?.params ?? {};
    expect(filters).toMatchObject({
      "Filter.1.Name": "tag:scaleset-managed-by",
      "Filter.1.Value.1": "scaleset",
      "Filter.2.Name": "tag:scaleset-scale-set",
      "Filter.2.Value.1": SCALE_SET,
      "Filter.3.Name": "instance-state-name",
    });
    expect(filters["Filter.3.Value.6"]).toBeUndefined(); // "terminated" is not asked for

    await engine.delete(machine.id);
    await engine.delete(machine.id); // shutting-down already: still success
    await sim.waitFor(
      (s) => s.instances().find((i) => i.id === machine.id)?.state === "terminated",
    );
    expect(await engine.list()).toEqual([]); // terminated but still visible in EC2: not listed
    await engine.delete(machine.id);
    await engine.delete("i-0123456789abcdef0"); // never existed (or long purged): NotFound = success
    expect(sim.requests("TerminateInstances").at(-1)?.errorCode).toBe("InvalidInstanceID.NotFound");
  });

  it("falls through capacity errors across instance types and subnets, one request each", async () => {
    const { sim, engine } = await setup({
      instance_types: ["m7i.large", "m6i.large"],
      subnet_ids: ["subnet-a", "subnet-b"],
    });
    sim.faults.failLaunches({ instanceType: "m7i.large" }); // no m7i anywhere
    sim.faults.failLaunches({
      instanceType: "m6i.large",
      availabilityZone: "us-east-1a",
      code: "Unsupported",
    });
    const machine = await engine.create(machineRequest("ec2-linux-2"));
    expect(launches(sim)).toEqual([
      "m7i.large@subnet-a:on-demand=InsufficientInstanceCapacity",
      "m7i.large@subnet-b:on-demand=InsufficientInstanceCapacity",
      "m6i.large@subnet-a:on-demand=Unsupported",
      "m6i.large@subnet-b:on-demand=ok",
    ]);
    // A 500 InsufficientInstanceCapacity is not resent by the SDK: the engine moves on instead.
    expect(sim.requests("RunInstances").every((r) => r.sdkAttempt === "attempt=1; max=2")).toBe(
      true,
    );
    expect(machine.location).toBe("us-east-1b");
    expect(sim.liveInstances()).toHaveLength(1);
  });

  it("skips the other subnets of a type that hit an account limit", async () => {
    const { sim, engine } = await setup({
      instance_types: ["p5.48xlarge", "g6.xlarge"],
      subnet_ids: ["subnet-a", "subnet-b"],
    });
    sim.faults.failLaunches({ instanceType: "p5.48xlarge", code: "VcpuLimitExceeded" });
    await engine.create(machineRequest("ec2-linux-3"));
    expect(launches(sim)).toEqual([
      "p5.48xlarge@subnet-a:on-demand=VcpuLimitExceeded",
      "g6.xlarge@subnet-a:on-demand=ok",
    ]);
  });

  it("falls back from spot to on demand, and fails retryably when fallback is off", async () => {
    const { sim, engine } = await setup({
      instance_types: ["m7i.large", "m6i.large"],
      subnet_ids: ["subnet-a", "subnet-b"],
      spot: true,
    });
    sim.faults.failLaunches({ market: "spot", code: "MaxSpotInstanceCountExceeded" });
    const machine = await engine.create(machineRequest("ec2-linux-4"));
    // An account-wide spot limit skips the remaining spot options at once.
    expect(launches(sim)).toEqual([
      "m7i.large@subnet-a:spot=MaxSpotInstanceCountExceeded",
      "m7i.large@subnet-a:on-demand=ok",
    ]);
    expect(sim.instances().find((i) => i.id === machine.id)?.market).toBe("on-demand");

    const spotOnly = await ec2Engine(sim, {
      instance_types: ["m7i.large"],
      subnet_ids: ["subnet-a", "subnet-b"],
      spot: true,
      spot_fallback: false,
    });
    engines.push(spotOnly);
    sim.faults.clear();
    sim.faults.failLaunches({ market: "spot" }); // InsufficientInstanceCapacity for spot
    const error = await rejection(spotOnly.create(machineRequest("ec2-linux-5")));
    expect(error).toMatchObject({ code: "InsufficientInstanceCapacity", retryable: true });
    expect(error.message).toContain("m7i.large in subnet-b (spot)");
    expect(sim.liveInstances()).toHaveLength(1);
  });

  it("backs off on throttling and carries on; a throttled delete fails retryably", async () => {
    const { sim, engine } = await setup({
      instance_types: ["m7i.large", "m6i.large"],
      subnet_ids: ["subnet-a"],
    });
    sim.faults.throttle(1, "RunInstances");
    const machine = await engine.create(machineRequest("ec2-linux-6"));
    const [first, second] = sim.requests("RunInstances");
    expect(first).toMatchObject({ status: 503, errorCode: "RequestLimitExceeded" });
    expect(second?.params.InstanceType).toBe("m6i.large");
    expect(second?.status).toBe(200);
    expect((second?.at.getTime() ?? 0) - (first?.at.getTime() ?? 0)).toBeGreaterThanOrEqual(9); // ≥ half of 20 ms
    sim.faults.throttle(1, "TerminateInstances");
    const error = await rejection(engine.delete(machine.id));
    expect(error).toMatchObject({ code: "RequestLimitExceeded", retryable: true });
    expect(sim.requests("TerminateInstances")).toHaveLength(1); // the SDK did not retry it behind our back
    await engine.delete(machine.id);
    expect(sim.liveInstances().every((i) => i.state === "shutting-down")).toBe(true);
  });

  it("does not fall through errors no other option can fix, and classifies them", async () => {
    const { sim, engine } = await setup({ instance_types: ["m7i.large", "m6i.large"] });
    sim.faults.failNext("InvalidAMIID.NotFound", 1, { action: "RunInstances" });
    const fatal = await rejection(engine.create(machineRequest("ec2-linux-7")));
    expect(fatal).toMatchObject({ code: "InvalidAMIID.NotFound", retryable: false });
    expect(sim.requests("RunInstances")).toHaveLength(1);
    sim.faults.failNext("UnauthorizedOperation", 1, { status: 403 });
    expect(await rejection(engine.list())).toMatchObject({
      code: "UnauthorizedOperation",
      retryable: false,
    });
    // A server error is resent once by the SDK (same ClientToken), then reported as retryable.
    sim.faults.failNext("InternalError", 2, { action: "RunInstances" });
    const transient = await rejection(engine.create(machineRequest("ec2-linux-8")));
    expect(transient).toMatchObject({ code: "InternalError", retryable: true });
    const [a, b] = sim.requests("RunInstances").slice(-2);
    expect([a?.sdkAttempt, b?.sdkAttempt]).toEqual(["attempt=1; max=2", "attempt=2; max=2"]);
    expect(a?.params.ClientToken).toBe(b?.params.ClientToken);
    expect(sim.liveInstances()).toHaveLength(0);
  });

  it("times out a hung call by really aborting it, and honours the caller's abort", async () => {
    const { sim, engine } = await setup({ call_timeout: "300ms" });
    sim.faults.hangRequests = 5;
    const started = Date.now();
    const error = await rejection(engine.list());
    expect(error).toMatchObject({ code: "TIMEOUT", retryable: true });
    expect(Date.now() - started).toBeLessThan(1500);
    await sim.waitFor(
      (s) => s.requests().length > 0 && s.requests().every((r) => r.abandoned),
      2000,
    );
    sim.faults.hangRequests = 5;
    const controller = new AbortController();
    const pending = engine.delete("i-0123456789abcdef0", controller.signal);
    setTimeout(() => controller.abort(new Error("shutdown")), 50);
    expect(await rejection(pending)).toMatchObject({ code: "ABORTED" });
    sim.faults.hangRequests = 0;
    expect(await engine.list()).toEqual([]);
  });

  it("the instance shuts itself down (and so terminates) at max_run_duration", async () => {
    const { sim, engine } = await setup({ max_run_duration: "400ms" });
    const machine = await engine.create(machineRequest("ec2-linux-9"));
    await sim.waitFor((s) => s.instances()[0]?.state === "running");
    await sim.waitFor((s) => s.instances()[0]?.state === "terminated", 3000);
    expect(sim.instances()[0]).toMatchObject({
      id: machine.id,
      vm: "expired",
      stateReason: "Client.InstanceInitiatedShutdown",
    });
    expect(sim.requests("TerminateInstances")).toHaveLength(0);
  });

  it("lists across pages with the SDK paginator", async () => {
    // EC2 may return fewer items than MaxResults, with a NextToken: the fake does the same.
    const { sim, engine } = await setup({}, { pageLimit: 3 });
    for (let i = 0; i < 7; i++) await engine.create(machineRequest(`ec2-linux-p${i}`));
    const listed = await engine.list();
    expect(listed.map((m) => m.runnerName).sort()).toEqual(
      [0, 1, 2, 3, 4, 5, 6].map((i) => `ec2-linux-p${i}`),
    );
    const pages = sim.requests("DescribeInstances");
    expect(pages).toHaveLength(3);
    expect(pages[0]?.params.MaxResults).toBe("500");
    expect(pages[0]?.params.NextToken).toBeUndefined();
    expect(pages[2]?.params.NextToken).toBeTruthy();
  });

  it("never puts the JIT config in logs or errors", async () => {
    const logs = new LogCapture();
    const { sim, engine } = await setup({ instance_types: ["m7i.large", "m6i.large"] }, {}, logs);
    sim.faults.failLaunches({ instanceType: "m7i.large" });
    sim.faults.failNext("InvalidParameterValue", 1, { action: "RunInstances" });
    const error = await rejection(engine.create(machineRequest("ec2-linux-10")));
    await engine.create(machineRequest("ec2-linux-11"));
    const encoded = sim.requests("RunInstances").at(-1)?.params.UserData ?? "";
    expect(encoded.length).toBeGreaterThan(20);
    for (const text of [logs.text(), error.message, JSON.stringify(error)]) {
      expect(text).not.toContain(JIT_SECRET);
      expect(text).not.toContain(encoded);
    }
    expect(logs.text()).toContain("instance launched");
  });
});
