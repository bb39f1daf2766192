import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type GceSim, startGceSim } from "../../src/sim/gce/index.js";
import { callApi, idleRunner, type WireJson } from "./helpers.js";

/** The Compute Engine fake on the wire, without the SDK: routes, auth, validation, filters. */

let sim: GceSim;
let token = "";
const BASE = "/compute/v1/projects/p1/zones/us-central1-a";

beforeAll(async () => {
  sim = await startGceSim({
    zones: ["us-central1-a", "us-central1-b"],
    operationDelayMs: 10,
    waitTimeoutMs: 100,
    launchRunner: idleRunner,
  });
  // The JWT-bearer grant of a service-account key (assertion signature is not checked).
  const res = await fetch(sim.tokenUrl, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({
      grant_type: "urn:ietf:params:oauth:grant-type:jwt-bearer",
      assertion: "aGVhZA.Ym9keQ.c2ln",
    }),
  });
  expect(res.status).toBe(200);
  token = ((await res.json()) as { access_token: string }).access_token;
});
afterAll(async () => {
  await sim?.stop();
});

const api = (method: string, path: string, body?: unknown, auth = true) =>
  callApi(sim, auth ? token : null, method, path, body);

function vm(name: string, labels: Record<string, string> = {}) {
  return {
    name,
    machineType: "zones/us-central1-a/machineTypes/e2-small",
    labels,
    disks: [
      {
        boot: true,
        autoDelete: true,
        initializeParams: { sourceImage: "projects/p1/global/images/family/r" },
      },
    ],
    networkInterfaces: [{ network: "global/networks/default" }],
  };
}

async function done(op: { name: string }) {
  let current = op as WireJson;
  while (current.status !== "DONE")
    current = (await api("POST", `${BASE}/operations/${op.name}/wait`)).json;
  return current;
}

describe("GCE fake", () => {
  it("rejects calls without a token it issued (401, Google error envelope)", async () => {
    const res = await api("GET", `${BASE}/instances`, undefined, false);
    expect(res.status).toBe(401);
    expect(res.json.error).toMatchObject({ code: 401, errors: [{ reason: "required" }] });
    expect(sim.tokenGrants()).toEqual(["urn:ietf:params:oauth:grant-type:jwt-bearer"]);
  });

  it("insert → operation → get; the same requestId never creates twice; 409 on a taken name", async () => {
    const first = await api("POST", `${BASE}/instances?requestId=r-1`, vm("vm-a", { team: "ci" }));
    expect(first.status).toBe(200);
    expect(first.json.status).toBe("PENDING");
    const replay = await api("POST", `${BASE}/instances?requestId=r-1`, vm("vm-a", { team: "ci" }));
    expect(replay.json.name).toBe(first.json.name);
    expect((await done(first.json as { name: string })).error).toBeUndefined();
    const got = await api("GET", `${BASE}/instances/vm-a`);
    expect(got.json).toMatchObject({
      name: "vm-a",
      status: expect.stringMatching(/STAGING|RUNNING/),
      labels: { team: "ci" },
    });
    expect(got.json.zone).toMatch(/\/zones\/us-central1-a$/);
    expect((await api("POST", `${BASE}/instances`, vm("vm-a"))).status).toBe(409);
  });

  it("validates the insert body like GCE (400 invalid)", async () => {
    const bad = [
      { ...vm("Bad_Name") },
      { ...vm("vm-x"), machineType: "e2-small" },
      { ...vm("vm-x"), machineType: "zones/us-central1-b/machineTypes/e2-small" },
      { ...vm("vm-x"), disks: [] },
      { ...vm("vm-x"), labels: { "scaleset-runner": "Has.Dot" } },
      {
        ...vm("vm-x"),
        metadata: {
          items: [
            { key: "a", value: "1" },
            { key: "a", value: "2" },
          ],
        },
      },
      { ...vm("vm-x"), scheduling: { provisioningModel: "SPOT", automaticRestart: true } },
      {
        ...vm("vm-x"),
        scheduling: { maxRunDuration: { seconds: "10" }, instanceTerminationAction: "DELETE" },
      },
      { ...vm("vm-x"), scheduling: { maxRunDuration: { seconds: "600" } } },
    ];
    for (const body of bad) {
      const res = await api("POST", `${BASE}/instances`, body);
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(res.json.error.errors[0].reason).toBe("invalid");
    }
    expect(
      (await api("POST", "/compute/v1/projects/p1/zones/mars-1-a/instances", vm("vm-x"))).status,
    ).toBe(404);
  });

  it("lists with label filters (per zone and aggregated), paginated; bad filters are a 400", async () => {
    for (const [name, team] of [
      ["vm-b", "ci"],
      ["vm-c", "web"],
      ["vm-d", "ci"],
    ] as const) {
      await done(
        (await api("POST", `${BASE}/instances`, vm(name, { team, env: "test" }))).json as {
          name: string;
        },
      );
    }
    const filter = encodeURIComponent('(labels.team = "ci") AND (labels.env = "test")');
    const zone = await api("GET", `${BASE}/instances?filter=${filter}`);
    expect(zone.json.items.map((i: { name: string }) => i.name)).toEqual(["vm-b", "vm-d"]);
    const paged = await api(
      "GET",
      `${BASE}/instances?filter=${encodeURIComponent('labels.team != "web"')}&maxResults=2`,
    );
    expect(paged.json.items).toHaveLength(2);
    const next = await api(
      "GET",
      `${BASE}/instances?filter=${encodeURIComponent('labels.team != "web"')}&maxResults=2&pageToken=${paged.json.nextPageToken}`,
    );
    expect(next.json.items.length).toBeGreaterThan(0);
    expect(next.json.nextPageToken).toBeUndefined();
    const agg = await api("GET", `/compute/v1/projects/p1/aggregated/instances?filter=${filter}`);
    expect(agg.json.items["zones/us-central1-a"].instances).toHaveLength(2);
    expect(agg.json.items["zones/us-central1-b"].warning.code).toBe("NO_RESULTS_ON_PAGE");
    for (const badFilter of [
      'labels.team = "ci" OR name = "x"',
      "labels.team =",
      "cpuPlatform = x",
      "(labels.a = b",
    ]) {
      expect(
        (await api("GET", `${BASE}/instances?filter=${encodeURIComponent(badFilter)}`)).status,
        badFilter,
      ).toBe(400);
    }
  });

  it("delete → STOPPING → gone; then 404", async () => {
    const op = await api("DELETE", `${BASE}/instances/vm-b`);
    expect(op.status).toBe(200);
    expect((await api("GET", `${BASE}/instances/vm-b`)).json.status).toBe("STOPPING");
    await done(op.json as { name: string });
    expect((await api("GET", `${BASE}/instances/vm-b`)).status).toBe(404);
    expect((await api("DELETE", `${BASE}/instances/vm-b`)).status).toBe(404);
  });

  it("reports stockout and quota inside the finished operation, 503 on the HTTP call", async () => {
    sim.faults.stockoutZones.add("us-central1-a");
    const stockout = await done(
      (await api("POST", `${BASE}/instances`, vm("vm-s"))).json as { name: string },
    );
    expect(stockout).toMatchObject({
      httpErrorStatusCode: 503,
      error: { errors: [{ code: "ZONE_RESOURCE_POOL_EXHAUSTED" }] },
    });
    sim.faults.stockoutZones.clear();
    sim.faults.quotaRegions.add("us-central1");
    const quota = await done(
      (await api("POST", `${BASE}/instances`, vm("vm-q"))).json as { name: string },
    );
    sim.faults.quotaRegions.clear();
    expect(quota).toMatchObject({ httpErrorStatusCode: 403, httpErrorMessage: "FORBIDDEN" });
    expect(quota.error.errors[0]).toEqual({
      code: "QUOTA_EXCEEDED",
      message: "Quota 'CPUS' exceeded.  Limit: 24.0 in region us-central1.",
      errorDetails: [
        {
          quotaInfo: {
            metricName: "compute.googleapis.com/cpus",
            limitName: "CPUS-per-project-region",
            dimensions: { region: "us-central1" },
            limit: 24,
          },
        },
      ],
    });
    expect((await api("GET", `${BASE}/instances/vm-q`)).status).toBe(404);
    sim.faults.serverErrors = 1;
    expect((await api("GET", `${BASE}/instances`)).status).toBe(503);
    expect((await api("GET", `${BASE}/instances`)).status).toBe(200);
  });
});
