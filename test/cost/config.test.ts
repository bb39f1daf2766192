/** scalesets[].cost and scalesets[].spot: what they read, and errors that name field and fix. */
import { describe, expect, it } from "vitest";
import { load, loadError } from "../config/helpers.js";

const yaml = (extra: string, engine = "{ type: sim }") => `
github:
  url: https://github.com/my-org
  token: ghp_testTokenValue1234567890
scalesets:
  - name: linux-x64
    engine: ${engine}
${extra}
`;

describe("scalesets[].cost", () => {
  it("reads one price, or a price per machine type, in USD", async () => {
    const config = await load(
      yaml(`    cost:
      standard_per_hour: { m7i.large: 0.1008, m6i.large: "0.096" }
      spot_per_hour: 0.0384
      disk_gb_month: 0.08`),
    );
    expect(config.scalesets[0]?.cost).toEqual({
      standardPerHour: { "m7i.large": 0.1008, "m6i.large": 0.096 },
      spotPerHour: 0.0384,
      diskGbMonth: 0.08,
      liveSpotPrices: true,
    });
  });

  it("is absent unless configured: costs are then unknown", async () => {
    const config = await load(yaml(""));
    expect(config.scalesets[0]?.cost).toBeUndefined();
  });

  it("refuses a price of 0 (unknown is left out, never free), naming the field and the fix", async () => {
    const error = await loadError(
      yaml(
        `    cost: { standard_per_hour: 0, spot_per_hour: { e2-standard-2: -1 }, disk_gb_month: cheap }`,
      ),
    );
    expect(error.message).toContain("scalesets[0].cost.standard_per_hour");
    expect(error.message).toContain("must be above 0");
    expect(error.message).toContain("never as free");
    expect(error.message).toContain("scalesets[0].cost.spot_per_hour");
    expect(error.message).toContain("scalesets[0].cost.disk_gb_month");
  });

  it("needs at least one hourly price", async () => {
    const error = await loadError(yaml("    cost: { disk_gb_month: 0.1 }"));
    expect(error.message).toContain("scalesets[0].cost.standard_per_hour");
    expect(error.message).toContain("give standard_per_hour or spot_per_hour");
  });

  it("needs engine.ec2.disk_size_gb to price an EC2 disk", async () => {
    const ec2 =
      "{ type: ec2, ec2: { region: us-east-1, image_id: ami-0abc, instance_types: [m7i.large] } }";
    const error = await loadError(
      yaml("    cost: { standard_per_hour: 0.1, disk_gb_month: 0.08 }", ec2),
    );
    expect(error.message).toContain("scalesets[0].cost.disk_gb_month");
    expect(error.message).toContain("set engine.ec2.disk_size_gb");
  });
});

describe("scalesets[].spot", () => {
  it("defaults: no re-run, a breaker of 3 preemptions in 15 m, 30 m cool-down", async () => {
    const config = await load(yaml(""));
    expect(config.scalesets[0]?.spot).toEqual({
      rerunPreempted: false,
      rerunWait: 6 * 3_600_000,
      standardAfterRerun: 30 * 60_000,
      breaker: { preemptions: 3, window: 15 * 60_000, coolDown: 30 * 60_000 },
    });
  });

  it("reads its fields, and names a bad one with its fix", async () => {
    const config = await load(
      yaml(
        "    spot: { rerun_preempted: true, breaker: { preemptions: 2, window: 5m, cool_down: 1h } }",
      ),
    );
    expect(config.scalesets[0]?.spot).toMatchObject({
      rerunPreempted: true,
      breaker: { preemptions: 2, window: 300_000, coolDown: 3_600_000 },
    });
    const error = await loadError(
      yaml("    spot: { rerun_preempted: yes-please, breaker: { preemptions: 0 } }"),
    );
    expect(error.message).toContain("scalesets[0].spot.rerun_preempted");
    expect(error.message).toContain("write true or false");
    expect(error.message).toContain("scalesets[0].spot.breaker.preemptions");
  });
});
