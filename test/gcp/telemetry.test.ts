import { trace } from "@opentelemetry/api";
import {
  InMemorySpanExporter,
  SimpleSpanProcessor,
  TracerProvider,
} from "@opentelemetry/sdk-trace";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Engine } from "../../src/engines/engine.js";
import {
  type FakeCloud,
  fakeJit,
  idleRunner,
  makeEngine,
  runnerName,
  SCALE_SET,
  startFakeCloud,
  ZONES,
} from "./helpers.js";

/** Spans around engine calls carry ids and zones, never the JIT config. */

const exporter = new InMemorySpanExporter();
const provider = new TracerProvider({ spanProcessors: [new SimpleSpanProcessor({ exporter })] });
let cloud: FakeCloud;
let engine: Engine;

beforeAll(async () => {
  trace.setGlobalTracerProvider(provider);
  // Also turn on the SDK's own tracing, to check that its spans do not carry the request body.
  process.env.GOOGLE_SDK_NODE_ENABLE_TRACING = "true";
  cloud = await startFakeCloud({ launchRunner: idleRunner });
  engine = await makeEngine(cloud.sim);
});
afterAll(async () => {
  await engine?.close();
  await cloud?.stop();
  await provider.shutdown();
  trace.disable();
});

describe("gcp engine spans", () => {
  it("create/delete spans name the zone and machine; no span holds the JIT config", async () => {
    cloud.sim.faults.stockoutZones.add(ZONES[0] as string);
    const jitConfig = fakeJit();
    const name = runnerName();
    const machine = await engine.create({
      runnerName: name,
      jitConfig,
      scaleSetId: 1,
      scaleSetName: SCALE_SET,
      labels: [],
    });
    await engine.delete(machine.id);
    const spans = exporter.getFinishedSpans();
    const create = spans.find((s) => s.name === "scaleset.engine.create");
    expect(create?.attributes).toMatchObject({
      "cloud.provider": "gcp",
      "cloud.availability_zone": ZONES[1],
      "scaleset.machine.id": name,
      "scaleset.machine.attempts": 2,
    });
    const del = spans.find((s) => s.name === "scaleset.engine.delete");
    expect(del?.attributes).toMatchObject({
      "cloud.availability_zone": ZONES[1],
      "scaleset.machine.id": machine.id,
    });
    expect(
      spans.filter((s) => s.name === "scaleset.gcp.operation.wait").length,
    ).toBeGreaterThanOrEqual(2);
    const everything = JSON.stringify(
      spans.map((s) => ({
        name: s.name,
        attributes: s.attributes,
        events: s.events,
        status: s.status,
      })),
    );
    expect(everything).not.toContain(jitConfig);
  });
});
