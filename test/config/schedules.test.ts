import { describe, expect, it } from "vitest";
import { load, loadError } from "./helpers.js";

const yaml = (schedules: string, max = 10) => `
github:
  url: https://github.com/my-org
  token: ghp_testTokenValue1234567890
scalesets:
  - name: linux-x64
    max_runners: ${max}
    engine: { type: sim }
    schedules:
${schedules}
`;

describe("scalesets[].schedules", () => {
  it("reads windows of the week with their time zone and minimum", async () => {
    const config = await load(
      yaml(`      - { days: mon-fri, from: "09:00", to: "18:00", time_zone: Europe/Berlin, min_runners: 5 }
      - { days: [sat], from: "22:00", to: "02:00", min_runners: 1 }`),
    );
    expect(config.scalesets[0]?.schedules).toEqual([
      {
        days: ["mon", "tue", "wed", "thu", "fri"],
        fromMinute: 540,
        toMinute: 1080,
        timeZone: "Europe/Berlin",
        minRunners: 5,
      },
      { days: ["sat"], fromMinute: 1320, toMinute: 120, timeZone: "UTC", minRunners: 1 },
    ]);
  });

  it("reports every bad field of a window together, naming it and the fix", async () => {
    const error = await loadError(
      yaml(`      - { days: weekdays, from: "9am", to: "18:00", time_zone: Mars/Olympus, min_runners: 5 }
      - { days: mon, from: "10:00", to: "10:00", min_runners: 50 }`),
    );
    const text = error.message;
    expect(text).toContain("scalesets[0].schedules[0].days");
    expect(text).toContain("mon-fri");
    expect(text).toContain("scalesets[0].schedules[0].from");
    expect(text).toContain("HH:MM");
    expect(text).toContain("scalesets[0].schedules[0].time_zone");
    expect(text).toContain("Europe/Berlin");
    expect(text).toContain("scalesets[0].schedules[1].to");
    expect(text).toContain("scalesets[0].schedules[1].min_runners");
    expect(text).toContain("above max_runners (10)");
  });

  it("defaults to no windows", async () => {
    const config = await load(yaml("      []"));
    expect(config.scalesets[0]?.schedules).toEqual([]);
  });
});
