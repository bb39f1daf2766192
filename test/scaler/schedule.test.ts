import { describe, expect, it } from "vitest";
import {
  isActive,
  isTimeZone,
  localTime,
  minRunnersAt,
  parseClock,
  parseDays,
  type ScheduleWindow,
} from "../../src/scaler/schedule.js";

const office: ScheduleWindow = {
  days: ["mon", "tue", "wed", "thu", "fri"],
  fromMinute: 9 * 60,
  toMinute: 18 * 60,
  timeZone: "Europe/Berlin",
  minRunners: 5,
};
// 2026-12-07 is a Monday; Berlin is UTC+1 in December.
const utc = (iso: string) => Date.parse(iso);

describe("schedule windows", () => {
  it("reads local weekday and time in the window's time zone", () => {
    expect(localTime(utc("2026-12-07T08:30:00Z"), "Europe/Berlin")).toEqual({
      day: "mon",
      minute: 570,
    });
    expect(localTime(utc("2026-12-07T08:30:00Z"), "America/New_York")).toEqual({
      day: "mon",
      minute: 210,
    });
    expect(localTime(utc("2026-12-06T23:30:00Z"), "Europe/Berlin")).toEqual({
      day: "mon",
      minute: 30,
    });
  });

  it("is active from its start to its end, on its days only", () => {
    expect(isActive(office, utc("2026-12-07T07:59:00Z"))).toBe(false); // 08:59 Berlin
    expect(isActive(office, utc("2026-12-07T08:00:00Z"))).toBe(true); // 09:00
    expect(isActive(office, utc("2026-12-07T16:59:00Z"))).toBe(true); // 17:59
    expect(isActive(office, utc("2026-12-07T17:00:00Z"))).toBe(false); // 18:00
    expect(isActive(office, utc("2026-12-05T10:00:00Z"))).toBe(false); // Saturday
  });

  it("follows daylight saving time", () => {
    // 2026-06-01 is a Monday; Berlin is UTC+2 in summer: 09:00 local = 07:00Z.
    expect(isActive(office, utc("2026-06-01T07:00:00Z"))).toBe(true);
    expect(isActive(office, utc("2026-06-01T06:59:00Z"))).toBe(false);
  });

  it("runs past midnight into the next day", () => {
    const night: ScheduleWindow = {
      ...office,
      days: ["fri"],
      fromMinute: 22 * 60,
      toMinute: 2 * 60,
      timeZone: "UTC",
    };
    expect(isActive(night, utc("2026-12-11T23:00:00Z"))).toBe(true); // Fri 23:00
    expect(isActive(night, utc("2026-12-12T01:59:00Z"))).toBe(true); // Sat 01:59
    expect(isActive(night, utc("2026-12-12T02:00:00Z"))).toBe(false);
    expect(isActive(night, utc("2026-12-12T23:00:00Z"))).toBe(false); // Sat evening
  });

  it("uses the largest minimum in force, else the scale set's own", () => {
    const lunch: ScheduleWindow = {
      ...office,
      fromMinute: 12 * 60,
      toMinute: 13 * 60,
      minRunners: 8,
    };
    expect(minRunnersAt(1, [office, lunch], utc("2026-12-07T07:00:00Z"))).toBe(1);
    expect(minRunnersAt(1, [office, lunch], utc("2026-12-07T09:00:00Z"))).toBe(5);
    expect(minRunnersAt(1, [office, lunch], utc("2026-12-07T11:30:00Z"))).toBe(8);
    expect(minRunnersAt(6, [office], utc("2026-12-07T09:00:00Z"))).toBe(6);
  });

  it("parses days and clock times, and rejects what it does not understand", () => {
    expect(parseDays("mon-fri")).toEqual(["mon", "tue", "wed", "thu", "fri"]);
    expect(parseDays(["sat", "Sunday"])).toEqual(["sun", "sat"]);
    expect(parseDays("fri-mon")).toEqual(["sun", "mon", "fri", "sat"]);
    expect(parseDays("weekdays")).toBeNull();
    expect(parseClock("09:00")).toBe(540);
    expect(parseClock("24:00")).toBe(1440);
    expect(parseClock("9am")).toBeNull();
    expect(parseClock("25:00")).toBeNull();
    expect(isTimeZone("Europe/Berlin")).toBe(true);
    expect(isTimeZone("Mars/Olympus")).toBe(false);
  });
});
