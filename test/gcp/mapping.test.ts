import { describe, expect, it } from "vitest";
import { endpointOptions } from "../../src/engines/gcp/compute-api.js";
import { quotaFacts } from "../../src/engines/gcp/error-fixes.js";
import { operationError, PlacementError } from "../../src/engines/gcp/errors.js";
import {
  inScope,
  labelValue,
  machineLabels,
  scaleSetFilter,
} from "../../src/engines/gcp/labels.js";
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

  it("labels every VM with managed-by, scale set, runner, owner and deployment; list filters on the first two", () => {
    expect(machineLabels("linux", "linux-1a2b", "host-1", "my-org-linux-0a1b2c3d4e")).toEqual({
      "scaleset-managed-by": "scaleset",
      "scaleset-scale-set": "linux",
      "scaleset-runner": "linux-1a2b",
      "scaleset-owner": "host-1",
      "scaleset-deployment": "my-org-linux-0a1b2c3d4e",
    });
    expect(scaleSetFilter("linux")).toBe(
      '(labels.scaleset-managed-by = "scaleset") AND (labels.scaleset-scale-set = "linux")',
    );
  });

  it("a VM is in scope with this deployment's label or none; never with another's", () => {
    const vm = { "scaleset-managed-by": "scaleset", "scaleset-scale-set": "linux" };
    expect(inScope({ ...vm, "scaleset-deployment": "prod" }, "linux", "prod")).toBe(true);
    expect(inScope(vm, "linux", "prod")).toBe(true);
    expect(inScope({ ...vm, "scaleset-deployment": "staging" }, "linux", "prod")).toBe(false);
    expect(inScope({ ...vm, "scaleset-deployment": "" }, "linux", "prod")).toBe(false);
    expect(inScope({ ...vm, "scaleset-scale-set": "other" }, "linux", "prod")).toBe(false);
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
      deployment: undefined,
      state: "running",
      createdAt: new Date("2026-11-01T17:00:00.000Z"),
      location: "us-east1-b",
    });
    expect(parseMachineId(machine.id)).toEqual({ zone: "us-east1-b", name: "linux-1" });
    expect(parseMachineId("bare")).toEqual({ name: "bare" });
  });
});

/**
 * Finished operations are plain data the SDK decodes from Compute's JSON (no SDK error object is
 * involved); the HTTP errors the SDK throws are classified in errors.test.ts, through the fake.
 */
describe("operation errors", () => {
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
    expect(stockout).toBeInstanceOf(PlacementError);
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
    expect(fatal).not.toBeInstanceOf(PlacementError);
    const server = operationError(
      { status: "DONE", httpErrorStatusCode: 503, error: { errors: [{ code: "SOMETHING_NEW" }] } },
      "insert",
    );
    expect(server?.retryable).toBe(true);
  });
});

describe("quota facts", () => {
  it("reads the quota, its region or its global reach from Compute's message and quotaInfo", () => {
    expect(quotaFacts("Quota 'CPUS' exceeded.  Limit: 24.0 in region us-central1.")).toEqual({
      metric: "CPUS",
      region: "us-central1",
      global: false,
    });
    expect(quotaFacts("Quota 'GPUS_ALL_REGIONS' exceeded. Limit: 0.0 globally.")).toEqual({
      metric: "GPUS_ALL_REGIONS",
      region: undefined,
      global: true,
    });
    expect(
      quotaFacts("quota exceeded", {
        metricName: "compute.googleapis.com/cpus_per_vm_family",
        limitName: "CPUS-PER-VM-FAMILY-per-project-region",
        dimensions: { region: "us-east1", vm_family: "H3" },
      }),
    ).toEqual({ metric: "CPUS_PER_VM_FAMILY", region: "us-east1", global: false });
  });
});
