import { trace } from "@opentelemetry/api";
import {
  InMemorySpanExporter,
  SimpleSpanProcessor,
  TracerProvider,
} from "@opentelemetry/sdk-trace";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { classifyEc2Error } from "../../src/engines/ec2/errors.js";
import { startEc2Sim } from "../../src/sim/ec2/index.js";
import { ec2Engine, JIT_SECRET, machineRequest, useAwsTestEnv } from "./helpers.js";

const sdkError = (name: string, status: number, fault: "client" | "server") =>
  Object.assign(new Error(`${name} happened`), {
    name,
    $fault: fault,
    $metadata: { httpStatusCode: status, requestId: "req-1" },
  });

describe("EC2 error classification", () => {
  it("sorts errors into fall-through kinds, retryable and fatal", () => {
    const kinds = (e: unknown) => {
      const c = classifyEc2Error(e);
      return [c.code, c.kind, c.retryable];
    };
    expect(kinds(sdkError("InsufficientInstanceCapacity", 500, "server"))).toEqual([
      "InsufficientInstanceCapacity",
      "capacity",
      true,
    ]);
    expect(kinds(sdkError("InstanceLimitExceeded", 400, "client"))).toEqual([
      "InstanceLimitExceeded",
      "quota",
      true,
    ]);
    expect(kinds(sdkError("MaxSpotInstanceCountExceeded", 400, "client"))).toEqual([
      "MaxSpotInstanceCountExceeded",
      "spot-exhausted",
      true,
    ]);
    expect(kinds(sdkError("SpotMaxPriceTooLow", 400, "client"))).toEqual([
      "SpotMaxPriceTooLow",
      "capacity",
      true,
    ]);
    expect(kinds(sdkError("Unsupported", 400, "client"))).toEqual([
      "Unsupported",
      "unsupported",
      true,
    ]);
    expect(kinds(sdkError("RequestLimitExceeded", 503, "server"))).toEqual([
      "RequestLimitExceeded",
      "throttled",
      true,
    ]);
    expect(kinds(sdkError("InvalidInstanceID.NotFound", 400, "client"))).toEqual([
      "InvalidInstanceID.NotFound",
      "not-found",
      true,
    ]);
    expect(kinds(sdkError("InvalidAMIID.Malformed", 400, "client"))).toEqual([
      "InvalidAMIID.Malformed",
      "fatal",
      false,
    ]);
    expect(kinds(sdkError("SomethingNew", 502, "server"))).toEqual([
      "SomethingNew",
      "transient",
      true,
    ]);
    expect(kinds(sdkError("Unknown", 500, "server"))).toEqual(["HTTP_500", "transient", true]);
    expect(kinds(Object.assign(new Error("socket hang up"), { code: "ECONNRESET" }))).toEqual([
      "ECONNRESET",
      "transient",
      true,
    ]);
    expect(kinds(Object.assign(new Error("aborted"), { name: "AbortError" }))).toEqual([
      "TIMEOUT",
      "transient",
      true,
    ]);
    expect(classifyEc2Error(new Error("x"), true).code).toBe("ABORTED");
  });
});

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
        "EC2.TerminateInstances",
      ]);
      const [failed, launched, terminated] = spans;
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
