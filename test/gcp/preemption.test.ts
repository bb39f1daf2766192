/**
 * Spot on the gcp engine, with the real @google-cloud/compute client against the GCE fake: a
 * preempted VM is found through `compute.instances.preempted` in its zone's operations list (the
 * VM itself is gone: termination action DELETE), and a capacity preference turns spot
 * placements into standard VMs.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import type { Engine } from "../../src/engines/engine.js";
import {
  accessToken,
  callApi,
  eventually,
  type FakeCloud,
  idleRunner,
  inserts,
  LogSink,
  machineRequest,
  makeEngine,
  PROJECT,
  resetFaults,
  startFakeCloud,
  ZONES,
} from "./helpers.js";

let cloud: FakeCloud;
const engines: Engine[] = [];
const jits: string[] = [];
const logs = new LogSink();

beforeAll(async () => {
  cloud = await startFakeCloud({ launchRunner: idleRunner, waitTimeoutMs: 150 });
});
afterAll(async () => {
  for (const engine of engines) await engine.close();
  await cloud?.stop();
});
afterEach(() => {
  resetFaults(cloud.sim);
  cloud.sim.clearInstances();
  for (const jit of jits) expect(logs.text()).not.toContain(jit);
});

async function engine(overrides: Record<string, unknown> = {}, deployment?: string) {
  const made = await makeEngine(cloud.sim, overrides, { logs, deployment });
  engines.push(made);
  return made;
}

const running = (name: string) => () =>
  cloud.sim.instances().some((i) => i.name === name && i.status === "RUNNING");

/** The insert body the fake received for VM `name`. */
function insertOf(name: string) {
  const body = inserts(cloud.sim).find((r) => (r.body as { name?: string }).name === name)?.body;
  return body as { scheduling: { provisioningModel: string } };
}

describe("gcp engine: preempted spot VMs", () => {
  it("finds a preemption in the zone operations list, once the VM is gone", async () => {
    const spot = await engine({ spot: true });
    const since = new Date(Date.now() - 1000);
    const machine = await spot.create(machineRequest(jits));
    expect(machine).toMatchObject({
      capacity: "spot",
      machineType: "e2-standard-2",
      location: ZONES[0],
      diskGb: 50,
    });
    await eventually("the VM runs", running(machine.runnerName));
    expect(await spot.preemptions?.(since)).toEqual([]);

    cloud.sim.preempt(machine.runnerName);
    await eventually("the VM is deleted (DELETE)", () =>
      cloud.sim.instances().every((i) => i.name !== machine.runnerName),
    );
    expect(await spot.preemptions?.(since)).toEqual([
      {
        machineId: machine.id,
        runnerName: machine.runnerName,
        zone: ZONES[0],
        machineType: "e2-standard-2",
        at: expect.any(Date),
      },
    ]);
    // Only operations since `since` count: the caller moves it forward.
    expect(await spot.preemptions?.(new Date(Date.now() + 60_000))).toEqual([]);

    // One zoneOperations.list per configured zone, filtered server-side on the event type.
    const lists = cloud.sim.requests.filter(
      (r) => r.method === "GET" && r.path.endsWith("/operations"),
    );
    expect(new Set(lists.map((r) => r.path))).toEqual(
      new Set(ZONES.map((z) => `/compute/v1/projects/${PROJECT}/zones/${z}/operations`)),
    );
    expect(lists[0]?.query).toMatchObject({
      filter: 'operationType = "compute.instances.preempted"',
      maxResults: "500",
    });
  });

  it("reports only VMs it created or listed, and does not look when spot is off", async () => {
    const mine = await engine({ spot: true });
    const other = await engine({ spot: true }, "other-deployment");
    const since = new Date(Date.now() - 1000);
    const theirs = await other.create(machineRequest(jits));
    await eventually("their VM runs", running(theirs.runnerName));
    cloud.sim.preempt(theirs.runnerName);
    expect(await mine.preemptions?.(since)).toEqual([]);
    expect((await other.preemptions?.(since))?.map((p) => p.runnerName)).toEqual([
      theirs.runnerName,
    ]);

    const before = cloud.sim.requests.length;
    const standardOnly = await engine({ spot: false });
    expect(await standardOnly.preemptions?.(since)).toEqual([]);
    expect(cloud.sim.requests.length).toBe(before);
  });

  it("serves the preemption operation in Compute's shape, and refuses a filter it cannot apply", async () => {
    const spot = await engine({ spot: true });
    const machine = await spot.create(machineRequest(jits));
    await eventually("the VM runs", running(machine.runnerName));
    cloud.sim.preempt(machine.runnerName);
    const token = await accessToken(cloud.sim);
    const path = `/compute/v1/projects/${PROJECT}/zones/${ZONES[0]}/operations`;
    const filter = encodeURIComponent('operationType = "compute.instances.preempted"');
    const { status, json } = await callApi(cloud.sim, token, "GET", `${path}?filter=${filter}`);
    expect(status).toBe(200);
    expect(json.kind).toBe("compute#operationList");
    // The fake is shared by this file's tests: earlier preemptions are listed too.
    const ours = (json.items as Array<{ targetLink: string }>).filter((op) =>
      op.targetLink.endsWith(`/instances/${machine.runnerName}`),
    );
    expect(ours).toEqual([
      expect.objectContaining({
        kind: "compute#operation",
        operationType: "compute.instances.preempted",
        status: "DONE",
        user: "system",
        statusMessage: "Instance was preempted.",
        insertTime: expect.any(String),
      }),
    ]);
    const bad = await callApi(
      cloud.sim,
      token,
      "GET",
      `${path}?filter=${encodeURIComponent("labels.x = y")}`,
    );
    expect(bad.status).toBe(400);
    // A standard VM cannot be preempted (test control refuses, as GCE never would).
    const standard = await (await engine()).create(machineRequest(jits));
    expect(() => cloud.sim.preempt(standard.runnerName)).toThrow(/not a spot VM/);
  });
});

describe("gcp engine: capacity preference", () => {
  it("creates standard VMs where spot is avoided: by zone, by machine type, or altogether", async () => {
    const spot = await engine({ spot: true, spot_fallback: false });
    const inZone = await spot.create({
      ...machineRequest(jits),
      capacity: { avoidSpotZones: [ZONES[0] as string] },
    });
    expect(inZone).toMatchObject({ location: ZONES[0], capacity: "standard" });
    expect(insertOf(inZone.runnerName).scheduling.provisioningModel).toBe("STANDARD");

    const otherZone = await spot.create({
      ...machineRequest(jits),
      capacity: { avoidSpotZones: ["europe-west1-b"] },
    });
    expect(otherZone).toMatchObject({ location: ZONES[0], capacity: "spot" });
    expect(insertOf(otherZone.runnerName).scheduling.provisioningModel).toBe("SPOT");

    const byType = await spot.create({
      ...machineRequest(jits),
      capacity: { avoidSpotTypes: ["e2-standard-2"] },
    });
    expect(byType.capacity).toBe("standard");
    const all = await spot.create({ ...machineRequest(jits), capacity: { standardOnly: true } });
    expect(all.capacity).toBe("standard");
  });

  it("keeps the zone walk: a spot stockout elsewhere still falls through in order", async () => {
    const spot = await engine({ spot: true, spot_fallback: true });
    cloud.sim.faults.spotStockoutZones.add(ZONES[1] as string);
    const machine = await spot.create({
      ...machineRequest(jits),
      capacity: { avoidSpotZones: [ZONES[0] as string] },
    });
    // Zone a is standard now (first in the walk), so it is taken at once.
    expect(machine).toMatchObject({ location: ZONES[0], capacity: "standard" });
    expect(
      inserts(cloud.sim).filter((r) => (r.body as { name: string }).name === machine.runnerName),
    ).toHaveLength(1);
  });
});
