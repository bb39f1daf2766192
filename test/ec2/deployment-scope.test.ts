/**
 * Two deployments with the same scale set name in one account (staging and production): each
 * engine lists, adopts and deletes only its own instances — plus, from a version before
 * deployment scopes, this scale set's untagged ones. Real SDK against the EC2 fake.
 */
import { describe, expect, it } from "vitest";
import type { Ec2Sim } from "../../src/sim/ec2/index.js";
import { useEc2Fake } from "./fixture.js";
import {
  launchTagged,
  machineRequest,
  rawEc2,
  rejection,
  SCALE_SET,
  unscopedTags,
} from "./helpers.js";

const fake = useEc2Fake({ bootDelayMs: 20, shutdownDelayMs: 20 });
const start = () => fake.start();
const engineFor = (deployment: string, legacySweepMs?: number) =>
  fake.engine({}, { deployment, legacySweepMs });

/** DescribeInstances calls that looked for unscoped instances (no deployment filter). */
const sweeps = (s: Ec2Sim) =>
  s
    .requests("DescribeInstances")
    .filter((r) => r.params["Filter.1.Name"] && r.params["Filter.4.Name"] === undefined).length;

describe("ec2 engine deployment scope", () => {
  it("lists this deployment's instances and this scale set's unscoped ones, never another deployment's", async () => {
    const s = await start();
    const prod = await engineFor("prod");
    const staging = await engineFor("staging");
    const mine = await prod.create(machineRequest("ec2-linux-prod-1"));
    const theirs = await staging.create(machineRequest("ec2-linux-staging-1"));
    const client = rawEc2(s);
    const legacy = await launchTagged(client, unscopedTags("ec2-linux-old-1"));
    await launchTagged(client, unscopedTags("other-old-1", "other-set")); // another scale set
    await launchTagged(client, { "scaleset-scale-set": SCALE_SET }); // not scaleset's
    client.destroy();

    const listed = (await prod.list()).map((m) => [m.id, m.runnerName, m.deployment]);
    expect(listed.sort()).toEqual(
      [
        [mine.id, "ec2-linux-prod-1", "prod"],
        [legacy, "ec2-linux-old-1", undefined],
      ].sort(),
    );
    const other = (await staging.list()).map((m) => [m.id, m.deployment]);
    expect(other.sort()).toEqual(
      [
        [theirs.id, "staging"],
        [legacy, undefined],
      ].sort(),
    );
  });

  it("refuses to terminate another deployment's instance; terminates its own and unscoped ones", async () => {
    const s = await start();
    const prod = await engineFor("prod");
    const staging = await engineFor("staging");
    const theirs = await staging.create(machineRequest("ec2-linux-staging-2"));
    const client = rawEc2(s);
    const legacy = await launchTagged(client, unscopedTags("ec2-linux-old-2"));
    const stranger = await launchTagged(client, { Name: "web-1" });
    client.destroy();
    await s.waitFor((sim) => sim.instances().every((i) => i.state === "running"));

    const refused = await rejection(prod.delete(theirs.id));
    expect(refused).toMatchObject({ code: "NOT_IN_SCOPE", retryable: false });
    expect(refused.message).toContain("scaleset-deployment=staging; this is prod");
    expect(refused.fix).toContain("deployment:");
    expect(await rejection(prod.delete(stranger))).toMatchObject({ code: "NOT_IN_SCOPE" });
    expect(s.requests("TerminateInstances")).toHaveLength(0);

    await prod.delete(legacy);
    expect(s.requests("TerminateInstances").map((r) => r.params["InstanceId.1"])).toEqual([legacy]);
    const state = (id: string) => s.instances().find((i) => i.id === id)?.state;
    expect([state(theirs.id), state(stranger)]).toEqual(["running", "running"]);
    expect(state(legacy)).toMatch(/shutting-down|terminated/);
  });

  it("looks for unscoped instances on the first list, on every list while some remain, then only now and then", async () => {
    const s = await start();
    const client = rawEc2(s);
    const legacy = await launchTagged(client, unscopedTags("ec2-linux-old-3"));
    const prod = await engineFor("prod", 300);
    await prod.create(machineRequest("ec2-linux-prod-3"));

    expect((await prod.list()).map((m) => m.deployment).sort()).toEqual(["prod", undefined]);
    expect(sweeps(s)).toBe(1);
    await prod.list();
    expect(sweeps(s)).toBe(2); // found one last time: look again
    await prod.delete(legacy);
    await s.waitFor((sim) => sim.instances().find((i) => i.id === legacy)?.state === "terminated");
    expect((await prod.list()).map((m) => m.deployment)).toEqual(["prod"]);
    expect(sweeps(s)).toBe(3); // found none
    await prod.list();
    await prod.list();
    expect(sweeps(s)).toBe(3); // not due: one scoped query per list
    const late = await launchTagged(client, unscopedTags("ec2-linux-old-4"));
    client.destroy();
    await new Promise((r) => setTimeout(r, 350)); // let legacySweepMs pass (a timer, not a sync wait)
    expect((await prod.list()).map((m) => m.id)).toContain(late);
    expect(sweeps(s)).toBe(4);
  });
});
