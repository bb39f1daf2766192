import { SpanKind, SpanStatusCode, trace } from "@opentelemetry/api";
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

/** Spans around Compute Engine API calls carry ids and zones, never the JIT config. */

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
  it("API call spans name the zone and machine; no span holds the JIT config", async () => {
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
    // One CLIENT span per API call: the stocked-out zone's insert, then the one that worked.
    const inserts = spans.filter((s) => s.name === "compute.instances.insert");
    expect(inserts.map((s) => s.attributes["cloud.availability_zone"])).toEqual([
      ZONES[0],
      ZONES[1],
    ]);
    expect(inserts.every((s) => s.kind === SpanKind.CLIENT)).toBe(true);
    expect(inserts[1]?.attributes).toMatchObject({
      "cloud.provider": "gcp",
      "scaleset.machine.id": name,
      "scaleset.machine.spot": false,
    });
    expect(inserts[1]?.status.code).not.toBe(SpanStatusCode.ERROR);
    // The stockout surfaces where GCE reports it (the insert or its operation), as an error.
    const failed = spans.filter((s) => s.status.code === SpanStatusCode.ERROR);
    expect(failed.map((s) => s.attributes["error.type"])).toContain("ZONE_RESOURCE_POOL_EXHAUSTED");
    expect(failed.every((s) => s.attributes["cloud.availability_zone"] === ZONES[0])).toBe(true);
    const del = spans.find((s) => s.name === "compute.instances.delete");
    expect(del?.attributes).toMatchObject({
      "cloud.availability_zone": ZONES[1],
      "scaleset.machine.id": name,
    });
    expect(
      spans.filter((s) => s.name === "compute.zoneOperations.wait").length,
    ).toBeGreaterThanOrEqual(2);
    // The engine operation itself is the telemetry decorator's span, not the engine's.
    expect(spans.some((s) => s.name.startsWith("scaleset.engine."))).toBe(false);
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
