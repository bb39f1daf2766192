import { RunInstancesCommand } from "@aws-sdk/client-ec2";
import { describe, expect, it } from "vitest";
import { useEc2Fake } from "./fixture.js";
import { JIT_SECRET, LogCapture, machineRequest, rawEc2, rejection, SCALE_SET } from "./helpers.js";

const SUBNETS = { "subnet-a": "us-east-1a", "subnet-b": "us-east-1b" };

const fake = useEc2Fake({ subnets: SUBNETS });
const setup = fake.setup;

describe("ec2 engine against the EC2 fake", () => {
  it("launches, lists by tag, terminates, and terminates idempotently", async () => {
    const { sim, engine } = await setup({ subnet_ids: ["subnet-b"] });
    const machine = await engine.create(machineRequest("ec2-linux-1"));
    expect(machine).toMatchObject({
      runnerName: "ec2-linux-1",
      scaleSetName: SCALE_SET,
      owner: "test-owner",
      deployment: "test-deployment",
      location: "us-east-1b",
    });
    await sim.waitFor((s) => s.instances()[0]?.state === "running");
    // Another scale set's instance is not ours.
    const other = await fake.engine({}, { scaleSetName: "other-set" });
    await other.create(machineRequest("other-set-1", { scaleSetName: "other-set" }));
    const listed = await engine.list();
    expect(listed.map((m) => [m.id, m.state, m.runnerName, m.deployment])).toEqual([
      [machine.id, "running", "ec2-linux-1", "test-deployment"],
    ]);
    // The scoped query: scaleset's, this scale set's, this deployment's, still existing.
    const scoped = sim
      .requests("DescribeInstances")
      .find((r) => r.params["Filter.4.Name"] === "tag:scaleset-deployment");
    expect(scoped?.params).toMatchObject({
      "Filter.1.Name": "tag:scaleset-managed-by",
      "Filter.1.Value.1": "scaleset",
      "Filter.2.Name": "tag:scaleset-scale-set",
      "Filter.2.Value.1": SCALE_SET,
      "Filter.3.Name": "instance-state-name",
      "Filter.4.Value.1": "test-deployment",
    });
    expect(scoped?.params["Filter.3.Value.6"]).toBeUndefined(); // "terminated" is not asked for

    await engine.delete(machine.id);
    await engine.delete(machine.id); // shutting-down already: success, and no second terminate
    expect(sim.requests("TerminateInstances")).toHaveLength(1);
    await sim.waitFor(
      (s) => s.instances().find((i) => i.id === machine.id)?.state === "terminated",
    );
    expect(await engine.list()).toEqual([]); // terminated but still visible in EC2: not listed
    await engine.delete(machine.id);
    await engine.delete("i-0123456789abcdef0"); // never existed (or long purged): NotFound = success
    expect(sim.requests("DescribeInstances").at(-1)?.errorCode).toBe("InvalidInstanceID.NotFound");
    expect(sim.requests("TerminateInstances")).toHaveLength(1);
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

  it("EC2 terminates a VM that powers itself off only because the launch says so", async () => {
    const { sim, engine } = await setup();
    const machine = await engine.create(machineRequest("ec2-linux-off"));
    const client = rawEc2(sim);
    const out = await client.send(
      new RunInstancesCommand({ ImageId: "ami-0123456789abcdef0", MinCount: 1, MaxCount: 1 }),
    );
    const plain = out.Instances?.[0]?.InstanceId ?? "";
    client.destroy();
    await sim.waitFor((s) => s.instances().every((i) => i.state === "running"));
    sim.shutdownFromInside(machine.id);
    sim.shutdownFromInside(plain);
    const byId = (id: string) => sim.instances().find((i) => i.id === id);
    await sim.waitFor(
      () => byId(machine.id)?.state === "terminated" && byId(plain)?.state === "stopped",
    );
    expect(byId(machine.id)?.shutdownBehavior).toBe("terminate");
    // RunInstances' default is "stop": a stopped instance keeps its EBS volume (billed) and IP.
    expect(
      sim.requests("RunInstances")[1]?.params.InstanceInitiatedShutdownBehavior,
    ).toBeUndefined();
    expect(byId(plain)?.shutdownBehavior).toBe("stop");
  });

  it("a stopped instance or a hung guest is left by EC2: only the scaler's delete removes it", async () => {
    const { sim, engine } = await setup({ max_run_duration: "300ms" });
    const stopped = await engine.create(machineRequest("ec2-linux-stopped"));
    const hung = await engine.create(machineRequest("ec2-linux-hung"));
    await sim.waitFor((s) => s.instances().every((i) => i.state === "running"));
    sim.stopFromOutside(stopped.id); // an operator's StopInstances, a scheduled retirement
    sim.hangGuest(hung.id); // its scheduled power-off will never run
    const expiresAt = Date.parse(sim.instances()[0]?.tags["scaleset-expires-at"] ?? "");
    await sim.waitFor(
      (s) => Date.now() > expiresAt + 300 && s.instances().some((i) => i.state === "stopped"),
      3000,
    );
    const states = Object.fromEntries((await engine.list()).map((m) => [m.id, m.state]));
    expect(states).toEqual({ [stopped.id]: "stopped", [hung.id]: "running" });
    expect(sim.requests("TerminateInstances")).toHaveLength(0);
    await engine.delete(stopped.id);
    await engine.delete(hung.id);
    expect(sim.liveInstances().every((i) => i.state === "shutting-down")).toBe(true);
  });

  it("lists across pages with the SDK paginator", async () => {
    // EC2 may return fewer items than MaxResults, with a NextToken: the fake does the same.
    const { sim, engine } = await setup({}, { pageLimit: 3 });
    for (let i = 0; i < 7; i++) await engine.create(machineRequest(`ec2-linux-p${i}`));
    const listed = await engine.list();
    expect(listed.map((m) => m.runnerName).sort()).toEqual(
      [0, 1, 2, 3, 4, 5, 6].map((i) => `ec2-linux-p${i}`),
    );
    // The scoped query's pages (the first list also looks once for unscoped instances).
    const pages = sim
      .requests("DescribeInstances")
      .filter((r) => r.params["Filter.4.Name"] === "tag:scaleset-deployment");
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
