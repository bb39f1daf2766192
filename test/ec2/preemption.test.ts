/**
 * Spot on the ec2 engine, with the real AWS SDK against the EC2 fake: an interrupted spot
 * instance (state reason Server.SpotInstanceTermination) is a preemption, the spot price comes
 * from DescribeSpotPriceHistory (allowed by docs/aws/scaler-policy.json), and a capacity
 * preference turns spot launch options into on-demand ones.
 */
import { describe, expect, it } from "vitest";
import type { MachineRequest } from "../../src/engines/engine.js";
import { useEc2Fake } from "./fixture.js";
import { launches, machineRequest, rejection, scalerPolicy } from "./helpers.js";

const SUBNETS = { "subnet-0aaaa": "us-east-1a", "subnet-0bbbb": "us-east-1b" };
let runners = 0;
const request = (capacity?: MachineRequest["capacity"]) =>
  machineRequest(`ec2-linux-spot-${++runners}`, capacity ? { capacity } : {});
const fake = useEc2Fake({ bootDelayMs: 20, shutdownDelayMs: 20 });

const spotFields = {
  spot: true,
  spot_fallback: true,
  instance_types: ["m7i.large", "m6i.large"],
  subnet_ids: Object.keys(SUBNETS),
};

describe("ec2 engine: interrupted spot instances", () => {
  it("reports an interrupted instance of its scope as a preemption", async () => {
    const { sim, engine } = await fake.setup(spotFields, { subnets: SUBNETS });
    const machine = await engine.create(request());
    expect(machine).toMatchObject({
      capacity: "spot",
      machineType: "m7i.large",
      location: "us-east-1a",
    });
    await sim.waitFor((s) =>
      s.instances().some((i) => i.id === machine.id && i.state === "running"),
    );
    expect(await engine.preemptions(new Date(0))).toEqual([]);

    sim.interruptSpot(machine.id);
    await sim.waitFor((s) =>
      s.instances().some((i) => i.id === machine.id && i.state === "terminated"),
    );
    expect(await engine.preemptions(new Date(0))).toEqual([
      {
        machineId: machine.id,
        runnerName: machine.runnerName,
        zone: "us-east-1a",
        machineType: "m7i.large",
        at: expect.any(Date),
      },
    ]);
    // On the wire: scoped tags, the terminating states and the state reason, all server-side.
    const filters = sim.requests("DescribeInstances").at(-1)?.params ?? {};
    const named = Object.entries(filters)
      .filter(([k]) => /^Filter\.\d+\.Name$/.test(k))
      .map(([, v]) => v);
    expect(named).toEqual(
      expect.arrayContaining([
        "tag:scaleset-deployment",
        "instance-state-name",
        "state-reason-code",
      ]),
    );
    expect(Object.values(filters)).toContain("Server.SpotInstanceTermination");
    // The state reason as EC2 reports it.
    const described = sim.instances().find((i) => i.id === machine.id);
    expect(described).toMatchObject({ stateReason: "Server.SpotInstanceTermination" });
  });

  it("does not count a normal power-off, another deployment's interruption, or on-demand", async () => {
    const { sim, engine } = await fake.setup(spotFields, { subnets: SUBNETS });
    const other = await fake.engine(spotFields, { deployment: "other-deployment" });
    const done = await engine.create(request());
    const theirs = await other.create(request());
    await sim.waitFor((s) => s.instances().filter((i) => i.state === "running").length === 2);
    sim.shutdownFromInside(done.id); // the runner finished: not a preemption
    sim.interruptSpot(theirs.id);
    await sim.waitFor((s) => s.instances().every((i) => i.state === "terminated"));
    expect(await engine.preemptions(new Date(0))).toEqual([]);
    expect((await other.preemptions(new Date(0))).map((p) => p.machineId)).toEqual([theirs.id]);
    const onDemand = await fake.engine({ ...spotFields, spot: false });
    const before = sim.requests().length;
    expect(await onDemand.preemptions(new Date(0))).toEqual([]);
    expect(sim.requests().length).toBe(before);
  });
});

describe("ec2 engine: spot prices", () => {
  it("reads the Linux/UNIX spot price in effect in a zone", async () => {
    const { sim, engine } = await fake.setup(spotFields, {
      subnets: SUBNETS,
      spotPrices: { "m7i.large/us-east-1a": 0.0384, "m7i.large/us-east-1b": 0.0411 },
    });
    expect(await engine.spotPrice("m7i.large", "us-east-1a")).toBe(0.0384);
    expect(await engine.spotPrice("m7i.large", "us-east-1b")).toBe(0.0411);
    expect(await engine.spotPrice("m6i.large", "us-east-1a")).toBeNull(); // none offered
    const sent = sim.requests("DescribeSpotPriceHistory")[0]?.params;
    expect(sent).toMatchObject({
      "InstanceType.1": "m7i.large",
      "ProductDescription.1": "Linux/UNIX",
      AvailabilityZone: "us-east-1a",
      StartTime: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
    });
  });

  it("is allowed by the documented scaler policy", async () => {
    const { engine } = await fake.setup(spotFields, {
      subnets: SUBNETS,
      spotPrices: { "m7i.large/us-east-1a": 0.0384 },
      iam: { AKIDSCALESETTEST: scalerPolicy("test-deployment") },
    });
    expect(await engine.spotPrice("m7i.large", "us-east-1a")).toBe(0.0384);
  });

  it("is refused without ec2:DescribeSpotPriceHistory", async () => {
    const { engine } = await fake.setup(spotFields, {
      subnets: SUBNETS,
      iam: { AKIDSCALESETTEST: { Version: "2012-10-17", Statement: [] } },
    });
    const error = await rejection(engine.spotPrice("m7i.large", "us-east-1a"));
    expect(error.code).toBe("UnauthorizedOperation");
  });
});

describe("ec2 engine: capacity preference", () => {
  it("launches on demand where spot is avoided: a type, a zone it learnt, or altogether", async () => {
    const { sim, engine } = await fake.setup(
      { ...spotFields, spot_fallback: false },
      { subnets: SUBNETS },
    );
    const market = (id: string) => sim.instances().find((i) => i.id === id)?.market;

    const byType = await engine.create(request({ avoidSpotTypes: ["m7i.large"] }));
    expect(byType).toMatchObject({ capacity: "standard", machineType: "m7i.large" });
    expect(market(byType.id)).toBe("on-demand");
    expect(launches(sim).at(-1)).toBe("m7i.large@subnet-0aaaa:on-demand=ok");

    // The engine learnt subnet-0aaaa's zone from that launch: a zone preference now applies.
    const byZone = await engine.create(request({ avoidSpotZones: ["us-east-1a"] }));
    expect(byZone).toMatchObject({ capacity: "standard", location: "us-east-1a" });
    const all = await engine.create(request({ standardOnly: true }));
    expect(all.capacity).toBe("standard");
    const free = await engine.create(request({ avoidSpotZones: ["x"] }));
    expect(free.capacity).toBe("spot");
    expect(market(free.id)).toBe("spot");
  });
});
