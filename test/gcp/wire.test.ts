import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Engine } from "../../src/engines/engine.js";
import type { GceRecordedRequest } from "../../src/sim/gce/index.js";
import {
  DEPLOYMENT,
  type FakeCloud,
  fakeJit,
  IMAGE,
  idleRunner,
  inserts,
  makeEngine,
  OWNER,
  PROJECT,
  runnerName,
  SCALE_SET,
  startFakeCloud,
  ZONES,
} from "./helpers.js";

/** What the real SDK puts on the wire for the config it was given (recorded by the fake). */

let cloud: FakeCloud;
beforeAll(async () => {
  cloud = await startFakeCloud({ launchRunner: idleRunner });
});
afterAll(async () => {
  await cloud?.stop();
});

async function createOnce(overrides: Record<string, unknown>) {
  const engine: Engine = await makeEngine(cloud.sim, overrides);
  const name = runnerName();
  const jitConfig = fakeJit();
  const before = inserts(cloud.sim).length;
  const machine = await engine.create({
    runnerName: name,
    jitConfig,
    scaleSetId: 7,
    scaleSetName: SCALE_SET,
    labels: [],
  });
  const sent = inserts(cloud.sim).slice(before);
  await engine.delete(machine.id);
  await engine.close();
  expect(sent).toHaveLength(1);
  return { name, jitConfig, sent: sent[0] as GceRecordedRequest };
}

describe("the insert request the SDK sends", () => {
  it("carries the image, machine type URL, JIT metadata, labels, TTL and spot settings asked for", async () => {
    const { name, jitConfig, sent } = await createOnce({
      zones: [ZONES[1]],
      machine_type: "n2-standard-8",
      disk_size_gb: 75,
      disk_type: "pd-ssd",
      network: "runners",
      subnetwork: "runners-us-central1",
      public_ip: true,
      service_account: "runner@scaleset-test.iam.gserviceaccount.com",
      scopes: ["logging.write", "https://www.googleapis.com/auth/monitoring.write"],
      network_tags: ["gha-runner"],
      labels: { team: "ci", cost_center: "build" },
      spot: true,
      max_run_duration: "2h30m",
    });
    const zone = ZONES[1];
    expect(sent.path).toBe(`/compute/v1/projects/${PROJECT}/zones/${zone}/instances`);
    expect(sent.query.requestId).toMatch(
      /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/,
    );
    const managed = {
      "scaleset-managed-by": "scaleset",
      "scaleset-scale-set": SCALE_SET,
      "scaleset-runner": name,
      "scaleset-owner": OWNER,
      "scaleset-deployment": DEPLOYMENT,
    };
    expect(sent.body).toMatchObject({
      name,
      machineType: `zones/${zone}/machineTypes/n2-standard-8`,
      labels: { team: "ci", cost_center: "build", ...managed },
      metadata: { items: [{ key: "ACTIONS_RUNNER_INPUT_JITCONFIG", value: jitConfig }] },
      disks: [
        {
          boot: true,
          autoDelete: true,
          initializeParams: {
            sourceImage: IMAGE,
            diskSizeGb: "75",
            diskType: `zones/${zone}/diskTypes/pd-ssd`,
          },
        },
      ],
      networkInterfaces: [
        {
          network: "global/networks/runners",
          subnetwork: "regions/us-central1/subnetworks/runners-us-central1",
          accessConfigs: [{ name: "External NAT", type: "ONE_TO_ONE_NAT" }],
        },
      ],
      serviceAccounts: [
        {
          email: "runner@scaleset-test.iam.gserviceaccount.com",
          scopes: [
            "https://www.googleapis.com/auth/logging.write",
            "https://www.googleapis.com/auth/monitoring.write",
          ],
        },
      ],
      tags: { items: ["gha-runner"] },
      scheduling: {
        provisioningModel: "SPOT",
        automaticRestart: false,
        onHostMaintenance: "TERMINATE",
        instanceTerminationAction: "DELETE",
        maxRunDuration: { seconds: "9000" },
      },
    });
    // The JIT config is only in metadata: in no label and nowhere else in the request.
    const body = sent.body as { labels: Record<string, string>; metadata: unknown };
    expect(Object.values(body.labels).join()).not.toContain(jitConfig);
    expect(JSON.stringify({ ...body, metadata: null })).not.toContain(jitConfig);
  });

  it("a standard VM without public IP or service account by default, with the default TTL", async () => {
    const { sent } = await createOnce({});
    const body = sent.body as Record<string, unknown>;
    expect(body).toMatchObject({
      machineType: `zones/${ZONES[0]}/machineTypes/e2-standard-2`,
      disks: [
        {
          initializeParams: {
            diskSizeGb: "50",
            diskType: `zones/${ZONES[0]}/diskTypes/pd-balanced`,
          },
        },
      ],
      networkInterfaces: [{ network: "global/networks/default" }],
      scheduling: {
        provisioningModel: "STANDARD",
        automaticRestart: false,
        onHostMaintenance: "MIGRATE",
        instanceTerminationAction: "DELETE",
        maxRunDuration: { seconds: String(7 * 3600) },
      },
    });
    const nic = (body.networkInterfaces as Array<Record<string, unknown>>)[0] ?? {};
    expect(nic.accessConfigs ?? []).toEqual([]);
    expect(body.serviceAccounts ?? []).toEqual([]);
    expect(body.tags).toBeUndefined();
  });

  it("the cloud itself deletes a VM when max_run_duration elapses (no scaler needed)", async () => {
    const fast = await startFakeCloud({ launchRunner: idleRunner, ttlScale: 0.01 });
    try {
      const engine = await makeEngine(fast.sim, { max_run_duration: "30s" });
      await engine.create({
        runnerName: runnerName(),
        jitConfig: fakeJit(),
        scaleSetId: 1,
        scaleSetName: SCALE_SET,
        labels: [],
      });
      await engine.close(); // the scaler is gone
      expect(fast.sim.instances()).toHaveLength(1);
      const deadline = Date.now() + 3000;
      while (fast.sim.instances().length > 0 && Date.now() < deadline)
        await new Promise((r) => setTimeout(r, 20));
      expect(fast.sim.instances()).toHaveLength(0);
      expect(fast.sim.counters.expired).toBe(1);
    } finally {
      await fast.stop();
      Object.assign(process.env, { GOOGLE_APPLICATION_CREDENTIALS: cloud.credentials });
    }
  });
});
