import { InstancesClient } from "@google-cloud/compute/build/src/v1/instances_client.js";
import { GoogleAuth } from "google-auth-library";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import type { Engine } from "../../src/engines/engine.js";
import { endpointOptions } from "../../src/engines/gcp/compute-api.js";
import {
  type FakeCloud,
  idleRunner,
  inserts,
  LogSink,
  machineRequest,
  makeEngine,
  PROJECT,
  rejection,
  resetFaults,
  startFakeCloud,
  TWO_REGIONS,
} from "./helpers.js";

/**
 * Compute Engine's real error answers, sent by the fake in Compute's wire shape and read by the
 * real SDK: how each one is classified, what the create does next, what the operator is told.
 */

const [CENTRAL_A, CENTRAL_B, EAST_B] = TWO_REGIONS as [string, string, string];
let cloud: FakeCloud;
let engine: Engine;
const logs = new LogSink();
const jits: string[] = [];

beforeAll(async () => {
  cloud = await startFakeCloud({ zones: TWO_REGIONS, launchRunner: idleRunner });
  engine = await makeEngine(cloud.sim, { zones: TWO_REGIONS }, { logs });
});
afterAll(async () => {
  await engine?.close();
  await cloud?.stop();
});
afterEach(() => {
  resetFaults(cloud.sim);
  cloud.sim.clearInstances();
  for (const jit of jits) expect(logs.text()).not.toContain(jit);
});

const request = () => machineRequest(jits);

/** Zones the inserts since `before` went to, in order. */
const zonesTried = (before: number) =>
  inserts(cloud.sim)
    .slice(before)
    .map((r) => r.path.split("/")[6]);

/** A create that fails; returns the error and the zones it tried. */
async function failedCreate() {
  const before = inserts(cloud.sim).length;
  const req = request();
  const error = await rejection(engine.create(req));
  expect(`${error.message} ${error.fix ?? ""}`).not.toContain(req.jitConfig);
  expect(cloud.sim.instances()).toHaveLength(0);
  return { error, tried: zonesTried(before) };
}

describe("what the SDK keeps of Compute's error body", () => {
  it("the raw body rides on the GoogleError; `reason` is filled only from an ErrorInfo", async () => {
    // The facts error-facts.ts relies on, checked on the installed SDK: if an upgrade moves the
    // body, this fails before the classification silently degrades.
    const client = new InstancesClient({
      ...endpointOptions(cloud.sim.url),
      auth: new GoogleAuth({
        projectId: PROJECT,
        scopes: ["https://www.googleapis.com/auth/compute"],
      }),
      fallback: true,
    });
    const insertError = () =>
      client
        .insert({ project: PROJECT, zone: CENTRAL_A, instanceResource: { name: "probe" } })
        .then(
          () => ({}) as Record<PropertyKey, unknown>,
          (e: unknown) => e as Record<PropertyKey, unknown>,
        );
    try {
      cloud.sim.faults.rateLimits = 1;
      const limited = await insertError();
      expect(limited.constructor?.name).toBe("GoogleError");
      expect(limited).toMatchObject({ code: 7, httpStatusCode: 403, reason: undefined });
      const raw = limited[Symbol.for("google-gax.rawHttpResponsePayload")];
      expect(JSON.parse(String(raw))).toEqual({
        error: {
          code: 403,
          message: "Rate Limit Exceeded",
          errors: [
            { message: "Rate Limit Exceeded", domain: "usageLimits", reason: "rateLimitExceeded" },
          ],
        },
      });
      cloud.sim.faults.apiDisabled = true;
      expect(await insertError()).toMatchObject({ code: 7, reason: "SERVICE_DISABLED" });
    } finally {
      await client.close();
    }
  });
});

describe("synchronous Compute errors on insert", () => {
  it("403 rateLimitExceeded is RATE_LIMITED, retryable, not tried in other zones", async () => {
    cloud.sim.faults.rateLimits = 1;
    cloud.sim.faults.rateLimitsOn = /^POST .*\/instances$/;
    const { error, tried } = await failedCreate();
    expect(error).toMatchObject({ code: "RATE_LIMITED", retryable: true });
    expect(error.message).toContain("Rate Limit Exceeded");
    expect(error.fix).toMatch(/rate quota/);
    expect(tried).toEqual([CENTRAL_A]);
    expect((await engine.create(request())).location).toBe(CENTRAL_A); // the quota refilled
  });

  it("a rate-limited list is RATE_LIMITED too (the SDK does not retry a 403)", async () => {
    cloud.sim.faults.rateLimits = 1;
    cloud.sim.faults.rateLimitsOn = /aggregated\/instances$/;
    expect(await rejection(engine.list())).toMatchObject({ code: "RATE_LIMITED", retryable: true });
    expect(cloud.sim.faults.rateLimits).toBe(0);
  });

  it("a regional quota (403 quotaExceeded) skips the region's other zones for another region", async () => {
    cloud.sim.faults.quotaSynchronous = true;
    cloud.sim.faults.quotaRegions.add("us-central1");
    const before = inserts(cloud.sim).length;
    const machine = await engine.create(request());
    expect(machine.location).toBe(EAST_B);
    expect(zonesTried(before)).toEqual([CENTRAL_A, EAST_B]);
  });

  it("a regional quota in every region fails retryably, one insert per region, with a fix", async () => {
    cloud.sim.faults.quotaSynchronous = true;
    cloud.sim.faults.quotaRegions.add("us-central1").add("us-east1");
    const { error, tried } = await failedCreate();
    expect(error).toMatchObject({ code: "QUOTA_EXCEEDED", retryable: true });
    expect(tried).toEqual([CENTRAL_A, EAST_B]);
    expect(error.message).toContain("Quota 'CPUS' exceeded.  Limit: 24.0 in region us-east1");
    expect(error.fix).toContain("raise quota CPUS in us-east1");
  });

  it("a project-wide quota stops at the first insert: no region can help", async () => {
    cloud.sim.faults.quotaSynchronous = true;
    cloud.sim.faults.globalQuota = true;
    const { error, tried } = await failedCreate();
    expect(error).toMatchObject({ code: "QUOTA_EXCEEDED", retryable: true });
    expect(tried).toEqual([CENTRAL_A]);
    expect(error.fix).toContain("project-wide quota CPUS_ALL_REGIONS");
  });

  it("400 resourceNotReady is RESOURCE_NOT_READY, retryable, not tried elsewhere", async () => {
    cloud.sim.faults.notReadyInserts = 1;
    const { error, tried } = await failedCreate();
    expect(error).toMatchObject({ code: "RESOURCE_NOT_READY", retryable: true });
    expect(error.message).toContain("subnetworks/default' is not ready");
    expect(tried).toEqual([CENTRAL_A]);
  });

  it("a machine type the zone does not offer (400 invalid) falls through to the next zone", async () => {
    cloud.sim.faults.unofferedMachineTypes.add(`${CENTRAL_A}/e2-standard-2`);
    const before = inserts(cloud.sim).length;
    expect((await engine.create(request())).location).toBe(CENTRAL_B);
    expect(zonesTried(before)).toEqual([CENTRAL_A, CENTRAL_B]);
  });

  it("a machine type no zone offers is MACHINE_TYPE_UNAVAILABLE, not retryable, naming the type", async () => {
    for (const zone of TWO_REGIONS) {
      cloud.sim.faults.unofferedMachineTypes.add(`${zone}/e2-standard-2`);
    }
    const { error, tried } = await failedCreate();
    expect(error).toMatchObject({ code: "MACHINE_TYPE_UNAVAILABLE", retryable: false });
    expect(tried).toEqual(TWO_REGIONS);
    expect(error.fix).toContain("machine type e2-standard-2 is not offered in");
  });

  it("a missing permission is PERMISSION_DENIED, not retryable, and the fix names it", async () => {
    cloud.sim.faults.deniedPermissions.add("compute.instances.create");
    const { error, tried } = await failedCreate();
    expect(error).toMatchObject({ code: "PERMISSION_DENIED", retryable: false });
    expect(tried).toEqual([CENTRAL_A]);
    expect(error.fix).toMatch(
      /^grant scaleset's service account compute\.instances\.create on projects\/scaleset-test\/zones\/us-central1-a\/instances\/.+ \(roles\/compute\.instanceAdmin\.v1/,
    );
    cloud.sim.faults.deniedPermissions = new Set(["compute.instances.list"]);
    expect(await rejection(engine.list())).toMatchObject({
      code: "PERMISSION_DENIED",
      fix: expect.stringContaining("compute.instances.list on projects/scaleset-test"),
    });
  });

  it("a disabled API (the front end's 403 with an ErrorInfo) is API_DISABLED with the command to fix it", async () => {
    cloud.sim.faults.apiDisabled = true;
    expect(await rejection(engine.list())).toMatchObject({
      code: "API_DISABLED",
      retryable: false,
      fix: `enable the API: gcloud services enable compute.googleapis.com --project ${PROJECT} (it takes a few minutes to apply)`,
    });
  });
});

describe("errors inside a finished insert operation", () => {
  it("a regional QUOTA_EXCEEDED (quotaInfo) skips the region's other zones", async () => {
    cloud.sim.faults.quotaRegions.add("us-central1");
    const before = inserts(cloud.sim).length;
    expect((await engine.create(request())).location).toBe(EAST_B);
    expect(zonesTried(before)).toEqual([CENTRAL_A, EAST_B]);
    cloud.sim.clearInstances();
    cloud.sim.faults.globalQuota = true;
    const { error, tried } = await failedCreate();
    expect(error).toMatchObject({ code: "QUOTA_EXCEEDED", retryable: true });
    expect(tried).toEqual([CENTRAL_A]);
  });

  it("ZONE_RESOURCE_POOL_EXHAUSTED still walks every zone, then fails retryably with a fix", async () => {
    for (const zone of TWO_REGIONS) cloud.sim.faults.stockoutZones.add(zone);
    const { error, tried } = await failedCreate();
    expect(error).toMatchObject({ code: "ZONE_RESOURCE_POOL_EXHAUSTED", retryable: true });
    expect(tried).toEqual(TWO_REGIONS);
    expect(error.fix).toContain("add zones");
  });
});
