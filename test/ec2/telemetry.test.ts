import { trace } from "@opentelemetry/api";
import {
  InMemorySpanExporter,
  SimpleSpanProcessor,
  TracerProvider,
} from "@opentelemetry/sdk-trace";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startEc2Sim } from "../../src/sim/ec2/index.js";
import { ec2Engine, JIT_SECRET, machineRequest, useAwsTestEnv } from "./helpers.js";

describe("EC2 client spans", () => {
  const exporter = new InMemorySpanExporter();
  let provider: TracerProvider;
  beforeAll(() => {
    useAwsTestEnv();
    provider = new TracerProvider({ spanProcessors: [new SimpleSpanProcessor({ exporter })] });
    trace.setGlobalTracerProvider(provider);
  });
  afterAll(() => trace.disable());

  it("records one span per call with cloud attributes and never the user data", async () => {
    const sim = await startEc2Sim({ bootDelayMs: 60_000 });
    try {
      const engine = await ec2Engine(sim, { instance_types: ["m7i.large", "m6i.large"] });
      sim.faults.failLaunches({ instanceType: "m7i.large", times: 1 });
      const machine = await engine.create(machineRequest("ec2-linux-span"));
      await engine.delete(machine.id);
      await engine.close();
      await provider.forceFlush();
      const spans = exporter.getFinishedSpans();
      expect(spans.map((s) => s.name)).toEqual([
        "EC2.RunInstances",
        "EC2.RunInstances",
        "EC2.DescribeInstances", // delete reads the instance's scope tags first
        "EC2.TerminateInstances",
      ]);
      const [failed, launched, described, terminated] = spans;
      expect(failed?.attributes).toMatchObject({
        "cloud.provider": "aws",
        "cloud.region": "us-east-1",
        "error.type": "InsufficientInstanceCapacity",
      });
      expect(failed?.status.code).toBe(2); // ERROR
      expect(launched?.attributes).toMatchObject({
        "rpc.method": "RunInstances",
        "aws.ec2.instance_type": "m6i.large",
        "scaleset.machine.id": machine.id,
        "cloud.availability_zone": "us-east-1a",
      });
      expect(described?.attributes["scaleset.machine.id"]).toBe(machine.id);
      expect(terminated?.attributes["scaleset.machine.id"]).toBe(machine.id);
      const everything = JSON.stringify(spans.map((s) => [s.attributes, s.events, s.status]));
      expect(everything).not.toContain(JIT_SECRET);
      expect(everything).not.toContain(
        sim.requests("RunInstances")[1]?.params.UserData ?? "missing",
      );
    } finally {
      await sim.stop();
    }
  });
});
