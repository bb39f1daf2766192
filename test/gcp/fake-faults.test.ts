import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type GceSim, type GceSimOptions, startGceSim } from "../../src/sim/gce/index.js";
import {
  accessToken,
  callApi,
  eventually,
  idleRunner,
  resetFaults,
  type WireJson,
} from "./helpers.js";

/**
 * The fake's scripted Compute Engine errors, on the wire without the SDK: each has Compute's
 * exact envelope (status, code, message, errors[{message, domain, reason}]); only the API front
 * end's own errors add a canonical `status` and an ErrorInfo in `details`.
 */

let sim: GceSim;
const BASE = "/compute/v1/projects/p1/zones/us-central1-a";

function vm(name: string, extra: Record<string, unknown> = {}) {
  return {
    name,
    machineType: "zones/us-central1-a/machineTypes/e2-small",
    disks: [{ boot: true, autoDelete: true, initializeParams: { sourceImage: "global/images/r" } }],
    networkInterfaces: [{ network: "global/networks/default" }],
    ...extra,
  };
}

/** Google's envelope as Compute itself sends it: no `status`, no `details`. */
const compute = (code: number, reason: string, message: string, domain = "global") => ({
  error: { code, message, errors: [{ message, domain, reason }] },
});

beforeAll(async () => {
  sim = await startGceSim({
    zones: ["us-central1-a"],
    operationDelayMs: 10,
    launchRunner: idleRunner,
  });
});
afterAll(async () => {
  await sim?.stop();
});

describe("GCE fake: Compute's error answers", () => {
  it("answers each scripted fault with Compute's exact body, and creates nothing", async () => {
    const bearer = await accessToken(sim, "scaler");
    const insert = (name: string) => callApi(sim, bearer, "POST", `${BASE}/instances`, vm(name));
    const cases: Array<[() => void, number, WireJson]> = [
      [
        () => {
          sim.faults.rateLimits = 1;
        },
        403,
        compute(403, "rateLimitExceeded", "Rate Limit Exceeded", "usageLimits"),
      ],
      [
        () => {
          sim.faults.quotaSynchronous = true;
          sim.faults.quotaRegions.add("us-central1");
        },
        403,
        compute(
          403,
          "quotaExceeded",
          "Quota 'CPUS' exceeded.  Limit: 24.0 in region us-central1.",
          "usageLimits",
        ),
      ],
      [
        () => {
          sim.faults.quotaSynchronous = true;
          sim.faults.globalQuota = true;
        },
        403,
        compute(
          403,
          "quotaExceeded",
          "Quota 'CPUS_ALL_REGIONS' exceeded.  Limit: 32.0 globally.",
          "usageLimits",
        ),
      ],
      [
        () => {
          sim.faults.notReadyInserts = 1;
        },
        400,
        compute(
          400,
          "resourceNotReady",
          "The resource 'projects/p1/regions/us-central1/subnetworks/default' is not ready",
        ),
      ],
      [
        () => {
          sim.faults.unofferedMachineTypes.add("us-central1-a/e2-small");
        },
        400,
        compute(
          400,
          "invalid",
          "Invalid value for field 'resource.machineType': 'zones/us-central1-a/machineTypes/e2-small'. Machine type with name 'e2-small' does not exist in zone 'us-central1-a'.",
        ),
      ],
      [
        () => {
          sim.faults.deniedPermissions.add("compute.instances.create");
        },
        403,
        compute(
          403,
          "forbidden",
          "Required 'compute.instances.create' permission for 'projects/p1/zones/us-central1-a/instances/vm-f'",
        ),
      ],
    ];
    for (const [arrange, status, body] of cases) {
      resetFaults(sim);
      arrange();
      const res = await insert("vm-f");
      expect({ status: res.status, json: res.json }).toEqual({ status, json: body });
    }
    resetFaults(sim);
    sim.faults.deniedPermissions.add("compute.instances.list");
    expect(
      (await callApi(sim, bearer, "GET", "/compute/v1/projects/p1/aggregated/instances")).json,
    ).toEqual(
      compute(403, "forbidden", "Required 'compute.instances.list' permission for 'projects/p1'"),
    );
    expect(sim.instances()).toEqual([]);
    resetFaults(sim);
  });

  it("a disabled API is the front end's answer: canonical status and an ErrorInfo", async () => {
    const bearer = await accessToken(sim, "scaler");
    sim.faults.apiDisabled = true;
    const res = await callApi(sim, bearer, "GET", `${BASE}/instances`);
    resetFaults(sim);
    expect(res.status).toBe(403);
    expect(res.json.error).toMatchObject({
      code: 403,
      status: "PERMISSION_DENIED",
      errors: [{ domain: "usageLimits", reason: "accessNotConfigured" }],
      details: expect.arrayContaining([
        {
          "@type": "type.googleapis.com/google.rpc.ErrorInfo",
          reason: "SERVICE_DISABLED",
          domain: "googleapis.com",
          metadata: { service: "compute.googleapis.com", consumer: "projects/123456789" },
        },
      ]),
    });
    expect(res.json.error.message).toMatch(/^Compute Engine API has not been used in project/);
  });

  it("records who made each call: the subject of the exchanged token", async () => {
    const alice = await accessToken(sim, "alice");
    const bob = await accessToken(sim, "bob");
    await callApi(sim, alice, "GET", `${BASE}/instances`);
    await callApi(sim, bob, "GET", `${BASE}/instances`);
    expect(sim.requests.slice(-2).map((r) => r.principal)).toEqual(["alice", "bob"]);
  });
});

describe("GCE fake: maxRunDuration and powered-off VMs", () => {
  it("deletes a running VM at its TTL but not one that powered itself off: Compute clears the TTL on stop", async () => {
    const options: GceSimOptions = {
      zones: ["us-central1-a"],
      operationDelayMs: 10,
      bootDelayMs: 10,
      ttlScale: 0.01, // 30 s → 300 ms
      // "exit": the runner ends at once and the VM powers off; anything else runs until deleted.
      launchRunner: (jit, signal) =>
        jit === "exit" ? Promise.resolve(null) : idleRunner(jit, signal),
    };
    const fast = await startGceSim(options);
    try {
      const bearer = await accessToken(fast, "scaler");
      const withTtl = (name: string, jit: string) =>
        vm(name, {
          metadata: { items: [{ key: "ACTIONS_RUNNER_INPUT_JITCONFIG", value: jit }] },
          scheduling: { maxRunDuration: { seconds: "30" }, instanceTerminationAction: "DELETE" },
        });
      for (const [name, jit] of [
        ["vm-stops", "exit"],
        ["vm-runs", "idle"],
      ] as const) {
        const res = await callApi(fast, bearer, "POST", `${BASE}/instances`, withTtl(name, jit));
        expect(res.status).toBe(200);
      }
      await eventually("vm-stops powered off", () =>
        fast.instances().some((i) => i.name === "vm-stops" && i.status === "TERMINATED"),
      );
      await eventually("vm-runs deleted at its TTL", () => fast.counters.expired === 1, 10_000);
      expect(fast.instances().map((i) => [i.name, i.status])).toEqual([["vm-stops", "TERMINATED"]]);
    } finally {
      await fast.stop();
    }
  });
});
