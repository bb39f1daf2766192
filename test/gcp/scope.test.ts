import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import type { Engine, MachineRequest } from "../../src/engines/engine.js";
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
} from "./helpers.js";

/**
 * Two deployments (staging and production, say) share one project and one scale set name: each
 * engine labels its VMs with its scope, lists its own plus unscoped ones from older versions, and
 * never deletes the other's.
 */

const ZONE = ZONES[0] as string;
let cloud: FakeCloud;
let staging: Engine;
let production: Engine;

beforeAll(async () => {
  cloud = await startFakeCloud({ launchRunner: idleRunner });
  staging = await makeEngine(cloud.sim, {}, { deployment: "org-a-gcp-linux-staging" });
  production = await makeEngine(cloud.sim, {}, { deployment: "org-a-gcp-linux-prod" });
});
afterAll(async () => {
  await staging?.close();
  await production?.close();
  await cloud?.stop();
});
afterEach(() => {
  cloud.sim.clearInstances();
});

function request(): MachineRequest {
  return {
    runnerName: runnerName(),
    jitConfig: fakeJit(),
    scaleSetId: 1,
    scaleSetName: SCALE_SET,
    labels: [],
  };
}

const deletes = () => cloud.sim.requests.filter((r) => r.method === "DELETE");
const exists = (id: string) => cloud.sim.instances().some((vm) => `${vm.zone}/${vm.name}` === id);

/** A VM an older scaleset made: this scale set's labels, no deployment scope. */
async function unscopedVm(scaleSetName = SCALE_SET): Promise<string> {
  const name = runnerName("legacy");
  await insertDirect(cloud.sim, ZONE, name, {
    "scaleset-managed-by": "scaleset",
    "scaleset-scale-set": scaleSetName,
    "scaleset-runner": name,
    "scaleset-owner": "old-host",
  });
  return `${ZONE}/${name}`;
}

describe("deployment scope on Compute Engine", () => {
  it("labels each VM with its scope; lists its own and unscoped VMs, never the other deployment's", async () => {
    const mine = await staging.create(request());
    const theirs = await production.create(request());
    expect(mine.deployment).toBe("org-a-gcp-linux-staging");
    const labels = (id: string) =>
      cloud.sim.instances().find((vm) => `${vm.zone}/${vm.name}` === id)?.labels;
    expect(labels(mine.id)).toMatchObject({
      "scaleset-scale-set": SCALE_SET,
      "scaleset-deployment": "org-a-gcp-linux-staging",
    });
    expect(labels(theirs.id)?.["scaleset-deployment"]).toBe("org-a-gcp-linux-prod");
    const legacy = await unscopedVm();
    await unscopedVm("another-scale-set");

    const listed = await staging.list();
    expect(listed.map((m) => [m.id, m.deployment]).sort()).toEqual(
      [
        [mine.id, "org-a-gcp-linux-staging"],
        [legacy, undefined],
      ].sort(),
    );
    expect((await production.list()).map((m) => m.id).sort()).toEqual([theirs.id, legacy].sort());
    // The scope is applied to the answer: the filter sent is the scale set's (no label-absence
    // syntax exists in Compute's filters), so the other deployment's VM did cross the wire.
    const filters = cloud.sim.requests
      .filter((r) => r.path.endsWith("/aggregated/instances"))
      .map((r) => r.query.filter);
    expect(new Set(filters)).toEqual(
      new Set([
        `(labels.scaleset-managed-by = "scaleset") AND (labels.scaleset-scale-set = "${SCALE_SET}")`,
      ]),
    );
  });

  it("deletes only what its own list or create returned: another deployment's VM is never sent a delete", async () => {
    const theirs = await production.create(request());
    const mine = await staging.create(request());
    await staging.list();
    const before = deletes().length;
    await staging.delete(theirs.id); // resolves: from this scope's view there is nothing to delete
    await staging.delete(theirs.id.split("/")[1] as string); // a bare name is no id of ours
    expect(deletes().length).toBe(before);
    expect(exists(theirs.id)).toBe(true);

    await staging.delete(mine.id); // known from create
    expect(exists(mine.id)).toBe(false);
    const legacy = await unscopedVm();
    await staging.delete(legacy); // not listed yet: refused
    expect(exists(legacy)).toBe(true);
    await staging.list();
    await staging.delete(legacy); // listed: the scaler may decide to delete it
    expect(exists(legacy)).toBe(false);
    expect(
      deletes()
        .slice(before)
        .map((r) => r.path.split("/").slice(-1)[0]),
    ).toEqual([mine.id, legacy].map((id) => id.split("/")[1]));
    // A VM that left the list (deleted by the cloud at its TTL, or by hand) is forgotten.
    const gone = await staging.create(request());
    cloud.sim.clearInstances();
    await staging.list();
    const count = deletes().length;
    await staging.delete(gone.id);
    expect(deletes().length).toBe(count);
  });
});
