import { describe, expect, it } from "vitest";
import { EngineError } from "../../src/engines/engine.js";
import { endpointOptions } from "../../src/engines/gcp/compute-api.js";
import { classifySdkError, isCapacityError, operationError } from "../../src/engines/gcp/errors.js";
import { labelValue, machineLabels, scaleSetFilter } from "../../src/engines/gcp/labels.js";
import { machineState, parseMachineId, toMachine } from "../../src/engines/gcp/machines.js";

/** Pure mappings: endpoint, labels, states and error classification. */

describe("api_endpoint", () => {
  it("splits a URL into the host, port and protocol the SDK wants", () => {
    expect(endpointOptions("http://127.0.0.1:8089")).toEqual({
      apiEndpoint: "127.0.0.1",
      port: 8089,
      protocol: "http",
    });
    expect(endpointOptions("https://compute-private.p.googleapis.com")).toEqual({
      apiEndpoint: "compute-private.p.googleapis.com",
      port: 443,
      protocol: "https",
    });
    expect(endpointOptions(undefined)).toEqual({});
  });
});

describe("labels", () => {
  it("keeps valid values and makes others valid, short and still distinct", () => {
    expect(labelValue("linux-x64")).toBe("linux-x64");
    const upper = labelValue("Linux-X64");
    const lower = labelValue("linux-x64.");
    expect(upper).toMatch(/^linux-x64-[0-9a-f]{6}$/);
    expect(lower).toMatch(/^linux-x64--[0-9a-f]{6}$/);
    expect(upper).not.toBe(lower);
    const long = labelValue("a".repeat(100));
    expect(long.length).toBeLessThanOrEqual(63);
    expect(long).toMatch(/^[a-z0-9_-]+$/);
  });

  it("labels every VM with managed-by, scale set, runner and owner; list filters on the first two", () => {
    expect(machineLabels("linux", "linux-1a2b", "host-1")).toEqual({
      "scaleset-managed-by": "scaleset",
      "scaleset-scale-set": "linux",
      "scaleset-runner": "linux-1a2b",
      "scaleset-owner": "host-1",
    });
    expect(scaleSetFilter("linux")).toBe(
      '(labels.scaleset-managed-by = "scaleset") AND (labels.scaleset-scale-set = "linux")',
    );
  });
});

describe("machines", () => {
  it("maps GCE statuses to machine states", () => {
    expect(
      [
        "PROVISIONING",
        "STAGING",
        "RUNNING",
        "STOPPING",
        "SUSPENDING",
        "TERMINATED",
        "SUSPENDED",
      ].map(machineState),
    ).toEqual([
      "provisioning",
      "provisioning",
      "running",
      "stopping",
      "stopping",
      "stopped",
      "stopped",
    ]);
  });

  it("builds ZONE/NAME ids from the instance's zone URL", () => {
    const machine = toMachine(
      {
        name: "linux-1",
        zone: "https://www.googleapis.com/compute/v1/projects/p/zones/us-east1-b",
        status: "RUNNING",
        labels: { "scaleset-runner": "linux-1", "scaleset-owner": "host-9" },
        creationTimestamp: "2026-11-01T10:00:00.000-07:00",
      },
      "linux",
    );
    expect(machine).toEqual({
      id: "us-east1-b/linux-1",
      runnerName: "linux-1",
      scaleSetName: "linux",
      owner: "host-9",
      state: "running",
      createdAt: new Date("2026-11-01T17:00:00.000Z"),
      location: "us-east1-b",
    });
    expect(parseMachineId(machine.id)).toEqual({ zone: "us-east1-b", name: "linux-1" });
    expect(parseMachineId("bare")).toEqual({ name: "bare" });
  });
});

class GoogleError extends Error {
  constructor(
    message: string,
    readonly code: number,
    readonly reason?: string,
  ) {
    super(message);
  }
}

describe("error classification", () => {
  it("maps gax GoogleErrors (gRPC codes) and gaxios errors (HTTP status)", () => {
    const cases: Array<[unknown, string, boolean]> = [
      [new GoogleError("not found", 5), "NOT_FOUND", false],
      [new GoogleError("exists", 10), "ALREADY_EXISTS", false],
      [new GoogleError("denied", 7), "PERMISSION_DENIED", false],
      [new GoogleError("quota", 7, "QUOTA_EXCEEDED"), "QUOTA_EXCEEDED", true],
      [new GoogleError("unavailable", 14), "SERVER_ERROR", true],
      [new GoogleError("deadline", 4), "TIMEOUT", true],
      [new GoogleError("bad", 3), "INVALID_REQUEST", false],
      [
        Object.assign(new Error('{"error":{"code":503,"message":"backend"}}'), { status: 503 }),
        "SERVER_ERROR",
        true,
      ],
      [Object.assign(new Error("x"), { status: 404 }), "NOT_FOUND", false],
      [new Error("connect ECONNREFUSED 127.0.0.1:1"), "SERVER_ERROR", true],
      [new Error("Could not load the default credentials."), "CREDENTIALS", false],
    ];
    for (const [error, code, retryable] of cases) {
      const classified = classifySdkError(error, "call");
      expect(classified, code).toBeInstanceOf(EngineError);
      expect({ code: classified.code, retryable: classified.retryable }).toEqual({
        code,
        retryable,
      });
      expect(classified.cause).toBeUndefined(); // the SDK error (and its request body) is dropped
    }
  });

  it("reads finished operations: capacity, retryable and fatal codes, secrets scrubbed", () => {
    expect(operationError({ status: "DONE" }, "insert")).toBeNull();
    const stockout = operationError(
      {
        status: "DONE",
        error: {
          errors: [{ code: "ZONE_RESOURCE_POOL_EXHAUSTED_WITH_DETAILS", message: "no room" }],
        },
      },
      "insert",
    );
    expect(stockout).toMatchObject({ code: "ZONE_RESOURCE_POOL_EXHAUSTED", retryable: true });
    expect(isCapacityError(stockout)).toBe(true);
    const fatal = operationError(
      {
        status: "DONE",
        httpErrorStatusCode: 400,
        error: { errors: [{ code: "INVALID_FIELD_VALUE", message: "value SECRETJIT is bad" }] },
      },
      "insert",
      ["SECRETJIT"],
    );
    expect(fatal).toMatchObject({ code: "INVALID_FIELD_VALUE", retryable: false });
    expect(fatal?.message).not.toContain("SECRETJIT");
    expect(isCapacityError(fatal)).toBe(false);
    const server = operationError(
      { status: "DONE", httpErrorStatusCode: 503, error: { errors: [{ code: "SOMETHING_NEW" }] } },
      "insert",
    );
    expect(server?.retryable).toBe(true);
  });
});
