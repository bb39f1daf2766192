/** The sim engine's spot machines: preempted mid-job by the simulated cloud, and reported. */
import { describe, expect, it } from "vitest";
import { SimCloud } from "../../src/engines/sim/sim-cloud.js";
import { SIM_MACHINE_TYPE, SimEngine } from "../../src/engines/sim/sim-engine.js";

function engine(cloud: SimCloud, spot: boolean, deployment = "d1") {
  return new SimEngine({
    scaleSetName: "sim-set",
    owner: "me",
    deployment,
    createDelayMs: 0,
    bootDelayMs: 0,
    spot,
    cloud,
  });
}

const request = (runnerName: string, capacity?: { standardOnly: boolean }) => ({
  runnerName,
  jitConfig: "jit",
  scaleSetId: 1,
  scaleSetName: "sim-set",
  labels: ["sim-set"],
  ...(capacity ? { capacity } : {}),
});

describe("sim engine: spot", () => {
  it("preempts a running spot machine: its runner is stopped and the preemption listed", async () => {
    let stopped: unknown;
    let running: () => void = () => undefined;
    const launched = new Promise<void>((resolve) => {
      running = resolve;
    });
    const cloud = new SimCloud({
      launchRunner: (_jit, signal) =>
        new Promise((_resolve, reject) => {
          running();
          signal.addEventListener("abort", () => {
            stopped = signal.reason;
            reject(signal.reason);
          });
        }),
    });
    const spot = engine(cloud, true);
    const since = new Date(Date.now() - 1);
    const machine = await spot.create(request("r-1"));
    expect(machine).toMatchObject({ capacity: "spot", machineType: SIM_MACHINE_TYPE });
    await launched; // mid-job: its runner is up
    const exited = cloud.machines.get(machine.id)?.exited;
    cloud.preempt(machine.id);
    await exited;
    expect(String(stopped)).toContain("machine killed");
    expect(await spot.list()).toEqual([]);
    expect(await spot.preemptions(since)).toEqual([
      {
        machineId: machine.id,
        runnerName: "r-1",
        machineType: SIM_MACHINE_TYPE,
        at: expect.any(Date),
      },
    ]);
    // Another deployment's engine does not see it; a later `since` drops it.
    expect(await engine(cloud, true, "d2").preemptions(since)).toEqual([]);
    expect(await spot.preemptions(new Date(Date.now() + 1000))).toEqual([]);
  });

  it("buys standard when asked, and refuses to preempt a standard machine", async () => {
    const cloud = new SimCloud({ launchRunner: async () => undefined });
    const spot = engine(cloud, true);
    const standard = await spot.create(request("r-2", { standardOnly: true }));
    expect(standard.capacity).toBe("standard");
    expect(() => cloud.preempt(standard.id)).toThrow(/not a live spot machine/);
    expect((await engine(cloud, false).create(request("r-3"))).capacity).toBe("standard");
  });
});
