import { metrics } from "@opentelemetry/api";
import { MeterProvider, MetricReader } from "@opentelemetry/sdk-metrics";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import type { Engine } from "../../src/engines/engine.js";
import {
  eventually,
  type FakeCloud,
  fakeJit,
  idleRunner,
  inserts,
  LogSink,
  machineRequest,
  makeEngine,
  rejection,
  resetFaults,
  runnerName,
  SCALE_SET,
  startFakeCloud,
  ZONES,
} from "./helpers.js";

/** The gcp engine on the real @google-cloud/compute client against the GCE fake over HTTP. */

let cloud: FakeCloud;
let engine: Engine;
const logs = new LogSink();
const jits: string[] = [];

beforeAll(async () => {
  cloud = await startFakeCloud({ launchRunner: idleRunner, waitTimeoutMs: 150 });
  engine = await makeEngine(cloud.sim, {}, { logs });
});
afterAll(async () => {
  await engine?.close();
  await cloud?.stop();
});
afterEach(() => {
  resetFaults(cloud.sim);
  // Removes every VM, also those of other scale sets and deployments a test made.
  cloud.sim.clearInstances();
  // The JIT config never reaches a log line.
  for (const jit of jits) expect(logs.text()).not.toContain(jit);
});

const request = (name?: string, scaleSetName?: string) => machineRequest(jits, name, scaleSetName);

describe("gcp engine against the Compute Engine fake", () => {
  it("authenticates through ADC with an external_account credential (STS token exchange)", async () => {
    await engine.list();
    expect(cloud.sim.tokenGrants()).toContain("urn:ietf:params:oauth:grant-type:token-exchange");
  });

  it("creates, lists, deletes, and deletes again without error", async () => {
    const req = request();
    const machine = await engine.create(req);
    expect(machine).toMatchObject({
      id: `${ZONES[0]}/${req.runnerName}`,
      runnerName: req.runnerName,
      scaleSetName: SCALE_SET,
      state: "provisioning",
      location: ZONES[0],
    });
    const vm = cloud.sim.instances().find((i) => i.name === req.runnerName);
    expect(vm?.metadata.ACTIONS_RUNNER_INPUT_JITCONFIG).toBe(req.jitConfig);
    await eventually("VM running", () => cloud.sim.instances()[0]?.status === "RUNNING");
    const listed = await engine.list();
    expect(listed).toEqual([
      expect.objectContaining({
        id: machine.id,
        runnerName: req.runnerName,
        state: "running",
        owner: "test-host-abc123",
      }),
    ]);
    await engine.delete(machine.id);
    expect(cloud.sim.instances()).toHaveLength(0); // delete waited for its operation
    await engine.delete(machine.id); // 404 → success
    await engine.delete(`${ZONES[1]}/never-existed`);
    expect(await engine.list()).toEqual([]);
  });

  it("lists exactly this scale set's VMs, with a server-side label filter", async () => {
    const other = await makeEngine(cloud.sim, {}, { scaleSetName: "Other.Set" });
    try {
      const mine = await engine.create(request());
      const theirs = await other.create(request(runnerName("other-set"), "Other.Set"));
      const listed = await engine.list();
      const listCall = cloud.sim.requests
        .filter((r) => r.path.endsWith("/aggregated/instances"))
        .at(-1);
      expect(listCall?.query.filter).toBe(
        `(labels.scaleset-managed-by = "scaleset") AND (labels.scaleset-scale-set = "${SCALE_SET}")`,
      );
      expect(listed.map((m) => m.id)).toEqual([mine.id]);
      // "Other.Set" is not a valid label value: it is sanitised, with a hash kept unique.
      expect((await other.list()).map((m) => m.id)).toEqual([theirs.id]);
      expect(
        cloud.sim.instances().find((i) => i.name === theirs.runnerName)?.labels[
          "scaleset-scale-set"
        ],
      ).toMatch(/^other-set-[0-9a-f]{6}$/);
    } finally {
      await other.close();
    }
  });

  it("falls through to the next zone on a stockout, counting the fallback", async () => {
    const reader = new TestMetricReader();
    metrics.setGlobalMeterProvider(new MeterProvider({ readers: [reader] }));
    cloud.sim.faults.stockoutZones.add(ZONES[0] as string);
    const before = inserts(cloud.sim).length;
    const machine = await engine.create(request());
    expect(machine.location).toBe(ZONES[1]);
    const tried = inserts(cloud.sim)
      .slice(before)
      .map((r) => r.path.split("/")[6]);
    expect(tried).toEqual([ZONES[0], ZONES[1]]);
    expect(cloud.sim.counters.insertFailures).toBeGreaterThan(0);
    const { resourceMetrics } = await reader.collect();
    const fallbacks = resourceMetrics.scopeMetrics
      .flatMap((s) => s.metrics)
      .find((m) => m.descriptor.name === "scaleset.cloud.capacity_fallbacks");
    expect(fallbacks?.dataPoints).toEqual([
      expect.objectContaining({
        value: 1,
        attributes: { "scaleset.engine.type": "gcp", "error.type": "ZONE_RESOURCE_POOL_EXHAUSTED" },
      }),
    ]);
    metrics.disable();
  });

  it("falls back from spot to standard VMs when every zone is out of spot capacity", async () => {
    const spot = await makeEngine(cloud.sim, { spot: true, zones: ZONES.slice(0, 2) });
    try {
      for (const z of ZONES) cloud.sim.faults.spotStockoutZones.add(z);
      const before = inserts(cloud.sim).length;
      const machine = await spot.create(request());
      const bodies = inserts(cloud.sim).slice(before);
      const models = bodies.map(
        (r) =>
          (r.body as { scheduling: { provisioningModel: string } }).scheduling.provisioningModel,
      );
      expect(models).toEqual(["SPOT", "SPOT", "STANDARD"]);
      expect(machine.location).toBe(ZONES[0]);
      expect(cloud.sim.instances()[0]?.spot).toBe(false);
    } finally {
      await spot.close();
    }
  });

  it("without spot_fallback, a spot stockout everywhere is a retryable capacity error", async () => {
    const spot = await makeEngine(cloud.sim, {
      spot: true,
      spot_fallback: false,
      zones: ZONES.slice(0, 2),
    });
    try {
      for (const z of ZONES) cloud.sim.faults.spotStockoutZones.add(z);
      const error = await rejection(spot.create(request()));
      expect(error.code).toBe("ZONE_RESOURCE_POOL_EXHAUSTED");
      expect(error.retryable).toBe(true);
      expect(error.message).toContain(`${ZONES[0]} (spot)`);
      expect(cloud.sim.instances()).toHaveLength(0);
    } finally {
      await spot.close();
    }
  });

  it("an operation that ends with another error fails the create at once, not retried elsewhere", async () => {
    cloud.sim.faults.operationErrors.push({
      code: "RESOURCE_NOT_FOUND",
      message:
        "The resource 'projects/scaleset-test/global/images/family/scaleset-runner' was not found",
    });
    const before = inserts(cloud.sim).length;
    const error = await rejection(engine.create(request()));
    expect(error).toMatchObject({
      code: "RESOURCE_NOT_FOUND",
      retryable: false,
      fix: "projects/scaleset-test/global/images/family/scaleset-runner does not exist (or is not visible to scaleset): check engine.gcp.image",
    });
    expect(inserts(cloud.sim).length - before).toBe(1);
    cloud.sim.faults.operationErrors.push({ code: "INTERNAL_ERROR", message: "Internal error." });
    expect(await rejection(engine.create(request()))).toMatchObject({
      code: "INTERNAL_ERROR",
      retryable: true,
    });
  });

  it("classifies HTTP errors: 503 on insert is retryable (not re-sent), a 503 on list is retried by the SDK", async () => {
    cloud.sim.faults.serverErrors = 1;
    cloud.sim.faults.serverErrorsOn = /^POST .*\/instances$/;
    const before = inserts(cloud.sim).length;
    expect(await rejection(engine.create(request()))).toMatchObject({
      code: "SERVER_ERROR",
      retryable: true,
    });
    expect(inserts(cloud.sim).length - before).toBe(1);
    cloud.sim.faults.serverErrors = 1;
    cloud.sim.faults.serverErrorsOn = /\/aggregated\/instances$/;
    expect(await engine.list()).toEqual([]);
    expect(cloud.sim.faults.serverErrors).toBe(0);
    // A duplicate name is a 409: not retryable.
    const req = request();
    await engine.create(req);
    expect(await rejection(engine.create({ ...req, jitConfig: fakeJit() }))).toMatchObject({
      code: "ALREADY_EXISTS",
      retryable: false,
    });
  });

  it("awaits slow operations with repeated waits, many creates at once", async () => {
    cloud.sim.faults.operationDelayMs = 600;
    const waitsBefore = cloud.sim.requests.filter((r) => r.path.endsWith("/wait")).length;
    const started = Date.now();
    const machines = await Promise.all(Array.from({ length: 6 }, () => engine.create(request())));
    const elapsed = Date.now() - started;
    expect(machines).toHaveLength(6);
    // Six 600 ms operations awaited concurrently, not one after another.
    expect(elapsed).toBeLessThan(6 * 600);
    expect(cloud.sim.instances()).toHaveLength(6);
    // The fake's wait returns RUNNING after 150 ms: each operation took several wait calls.
    const waits = cloud.sim.requests.filter((r) => r.path.endsWith("/wait")).length - waitsBefore;
    expect(waits).toBeGreaterThanOrEqual(6 * 2);
  });

  it("a call that hangs is aborted at api_timeout (the connection is really closed)", async () => {
    const quick = await makeEngine(cloud.sim, { api_timeout: "400ms" });
    try {
      cloud.sim.faults.hangRequests = 1;
      const started = Date.now();
      expect(await rejection(quick.list())).toMatchObject({ code: "TIMEOUT", retryable: true });
      expect(Date.now() - started).toBeLessThan(3000);
      await eventually(
        "hung connection closed by the client",
        () => cloud.sim.openHungRequests() === 0,
      );
    } finally {
      await quick.close();
    }
  });

  it("an operation that outlives operation_timeout fails retryably, and its VM is removed", async () => {
    const impatient = await makeEngine(cloud.sim, {
      operation_timeout: "300ms",
      api_timeout: "200ms",
    });
    try {
      cloud.sim.faults.operationDelayMs = 1200;
      expect(await rejection(impatient.create(request()))).toMatchObject({
        code: "OPERATION_TIMEOUT",
        retryable: true,
      });
      cloud.sim.faults.operationDelayMs = null;
      await eventually("late VM deleted", () => cloud.sim.instances().length === 0, 5000);
    } finally {
      await impatient.close();
    }
  });

  it("a cancelled create rejects promptly", async () => {
    cloud.sim.faults.operationDelayMs = 2000;
    const controller = new AbortController();
    const pending = engine.create(request(), controller.signal);
    setTimeout(() => controller.abort(new Error("shutdown")), 100);
    expect((await rejection(pending)).code).toBe("CANCELLED");
    cloud.sim.faults.operationDelayMs = null;
    await eventually("cancelled VM removed", () => cloud.sim.instances().length === 0, 5000);
  });
});

/** Collects on demand, for asserting on metrics without an exporter. */
class TestMetricReader extends MetricReader {
  protected override async onForceFlush(): Promise<void> {}
  protected override async onShutdown(): Promise<void> {}
}
