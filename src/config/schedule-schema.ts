/** `scalesets[].schedules`: windows of the week with their own `min_runners` (warm pools). */
import * as z from "zod";
import { isTimeZone, parseClock, parseDays, type ScheduleWindow } from "../scaler/schedule.js";
import { section, text, wholeNumber } from "./fields.js";

const DAYS_HINT = "write e.g. mon-fri, [sat, sun] or mon,wed,fri";

const days = z
  .union([text("days"), z.array(text("a day"))], {
    error: `must be days of the week — ${DAYS_HINT}`,
  })
  .transform((value, ctx) => {
    const parsed = parseDays(value);
    if (!parsed) {
      ctx.issues.push({
        code: "custom",
        input: value,
        message: `is not a list of days — ${DAYS_HINT}`,
      });
      return z.NEVER;
    }
    return parsed;
  });

function clock(example: string) {
  return text("a time of day").transform((value, ctx) => {
    const minutes = parseClock(value);
    if (minutes === null) {
      ctx.issues.push({
        code: "custom",
        input: value,
        message: `is not a time of day — write HH:MM, e.g. "${example}"`,
      });
      return z.NEVER;
    }
    return minutes;
  });
}

const timeZone = text("a time zone").refine(isTimeZone, {
  error: "is not a time zone — use an IANA name such as Europe/Berlin, America/New_York or UTC",
});

const windowSchema = section({
  days,
  from: clock("09:00"),
  to: clock("18:00"),
  time_zone: timeZone.prefault("UTC"),
  min_runners: wholeNumber({ min: 0, max: 2_147_483_647 }),
})
  .refine((w) => w.from % 1440 !== w.to % 1440, {
    path: ["to"],
    error: "equals `from` — give the window a length (a `to` before `from` runs past midnight)",
  })
  .transform(
    (w): ScheduleWindow => ({
      days: w.days,
      fromMinute: w.from % 1440,
      toMinute: w.to,
      timeZone: w.time_zone,
      minRunners: w.min_runners,
    }),
  );

export const schedulesSchema = z.array(windowSchema, {
  error:
    'must be a list of windows — write `- { days: mon-fri, from: "09:00", to: "18:00", min_runners: 5 }` items',
});
