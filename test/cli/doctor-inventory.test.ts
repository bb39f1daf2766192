/**
 * `Engine.inventory`, which `scaleset doctor` shows: every managed machine of the scale set name
 * with its deployment label, across scopes — and read-only: what it returns from another scope
 * does not become deletable. Real SDKs against the GCE and EC2 fakes.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Engine } from "../../src/engines/engine.js";
import { SimCloud } from "../../src/engines/sim/sim-cloud.js";
import { SimEngine } from "../../src/engines/sim/sim-engine.js";
import { useEc2Fake } from "../ec2/fixture.js";
import { launchTagged, machineRequest, rawEc2, rejection, unscopedTags } from "../ec2/helpers.js";
import {
  type FakeCloud,
  fakeJit,
  idleRunner,
  insertDirect,
  makeEngine,
  runnerName,
  SCALE_SET,
  startFakeCloud,
  ZONES,
} from "../gcp/helpers.js";

const byId = (machines: { id: string; deployment?: string }[]) =>
  machines.map((m) => [m.id, m.deployment]).sort();

describe("gcp engine inventory", () => {
  const zone = ZONES[0] as string;
  let cloud: FakeCloud;
  const engines: Engine[] = [];
  beforeAll(async () => {
    cloud = await startFakeCloud({ launchRunner: idleRunner });
  });
  afterAll(async () => {
    for (const engine of engines) await engine.close();
    await cloud?.stop();
  });
  const engine = async (deployment: string) => {
    const made = await makeEngine(cloud.sim, {}, { deployment });
    engines.push(made);
    return made;
  };
  const request = () => ({
    runnerName: runnerName(),
    jitConfig: fakeJit(),
    scaleSetId: 1,
    scaleSetName: SCALE_SET,
    labels: [],
  });
  const labelled = (name: string, scaleSet: string) => ({
    "scaleset-managed-by": "scaleset",
    "scaleset-scale-set": scaleSet,
    "scaleset-runner": name,
    "scaleset-owner": "old-host",
  });

  it("returns every deployment's VMs of the scale set with their labels; delete still refuses the other scope's", {
    timeout: 60_000,
  }, async () => {
    const prod = await engine("prod");
    const staging = await engine("staging");
    const mine = await prod.create(request());
    const theirs = await staging.create(request());
    const legacy = runnerName("legacy");
    await insertDirect(cloud.sim, zone, legacy, labelled(legacy, SCALE_SET));
    const elsewhere = runnerName("other");
    await insertDirect(cloud.sim, zone, elsewhere, labelled(elsewhere, "another-scale-set"));

    const fresh = await engine("prod"); // knows nothing from a create or a list of its own
    expect(byId((await fresh.inventory?.()) ?? [])).toEqual(
      [
        [mine.id, "prod"],
        [theirs.id, "staging"],
        [`${zone}/${legacy}`, undefined],
      ].sort(),
    );
    const deletesBefore = cloud.sim.requests.filter((r) => r.method === "DELETE").length;
    await fresh.delete(theirs.id);
    await fresh.delete(`${zone}/${legacy}`); // shown by inventory, but never listed
    expect(cloud.sim.requests.filter((r) => r.method === "DELETE")).toHaveLength(deletesBefore);
    expect(cloud.sim.instances()).toHaveLength(4);
  });
});

describe("ec2 engine inventory", () => {
  const fake = useEc2Fake({ bootDelayMs: 20, shutdownDelayMs: 20 });

  it("returns every deployment's instances of the scale set with their tags; delete still refuses the other scope's", {
    timeout: 60_000,
  }, async () => {
    const sim = await fake.start();
    const prod = await fake.engine({}, { deployment: "prod" });
    const staging = await fake.engine({}, { deployment: "staging" });
    const mine = await prod.create(machineRequest("ec2-linux-prod-1"));
    const theirs = await staging.create(machineRequest("ec2-linux-staging-1"));
    const client = rawEc2(sim);
    const legacy = await launchTagged(client, unscopedTags("ec2-linux-old-1"));
    await launchTagged(client, unscopedTags("other-old-1", "other-set"));
    client.destroy();

    expect(byId(await prod.inventory())).toEqual(
      [
        [mine.id, "prod"],
        [theirs.id, "staging"],
        [legacy, undefined],
      ].sort(),
    );
    expect((await rejection(prod.delete(theirs.id))).code).toBe("NOT_IN_SCOPE");
    expect(sim.requests("TerminateInstances")).toHaveLength(0);
  });
});

describe("sim engine inventory", () => {
  it("returns every deployment's machines of the scale set; list only its own and unscoped", async () => {
    const cloud = new SimCloud({ launchRunner: idleRunner });
    const make = (deployment: string, scaleSetName = SCALE_SET) =>
      new SimEngine({
        scaleSetName,
        owner: "o",
        deployment,
        createDelayMs: 0,
        bootDelayMs: 0,
        cloud,
      });
    const request = (scaleSetName = SCALE_SET) => ({
      runnerName: runnerName(),
      jitConfig: "jit",
      scaleSetId: 1,
      scaleSetName,
      labels: [],
    });
    const mine = await make("prod").create(request());
    const theirs = await make("staging").create(request());
    await make("prod", "another").create(request("another"));
    expect(byId(await make("prod").inventory())).toEqual(
      [
        [mine.id, "prod"],
        [theirs.id, "staging"],
      ].sort(),
    );
    expect(byId(await make("prod").list())).toEqual([[mine.id, "prod"]]);
  });
});
