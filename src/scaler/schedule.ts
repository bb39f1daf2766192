/**
 * Warm pools on a schedule: windows of the week, in a time zone, each with its own minimum of
 * runners (e.g. Mon–Fri 09:00–18:00 Europe/Berlin: 5). Pure: the scaler asks for the minimum at
 * a given instant on every evaluation, so a window starts and ends without any timer of its own.
 */

export const WEEKDAYS = ["sun", "mon", "tue", "wed", "thu", "fri", "sat"] as const;
export type Weekday = (typeof WEEKDAYS)[number];

export interface ScheduleWindow {
  /** Days on which the window starts (a window past midnight ends on the next day). */
  days: readonly Weekday[];
  /** Minutes after local midnight, 0–1439. */
  fromMinute: number;
  /** Minutes after local midnight; ≤ `fromMinute` means the window ends the next day. */
  toMinute: number;
  /** IANA time zone, e.g. Europe/Berlin. */
  timeZone: string;
  minRunners: number;
}

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat("en-US", {
      timeZone,
      weekday: "short",
      hour: "2-digit",
      minute: "2-digit",
      hourCycle: "h23",
    });
    formatters.set(timeZone, f);
  }
  return f;
}

/** True when `timeZone` is a zone name this runtime knows. */
export function isTimeZone(timeZone: string): boolean {
  try {
    formatter(timeZone);
    return true;
  } catch {
    return false;
  }
}

/** Local weekday and minute of the day of an instant in a time zone. */
export function localTime(at: number, timeZone: string): { day: Weekday; minute: number } {
  let day: Weekday = "sun";
  let hour = 0;
  let minute = 0;
  for (const part of formatter(timeZone).formatToParts(at)) {
    if (part.type === "weekday") day = part.value.slice(0, 3).toLowerCase() as Weekday;
    else if (part.type === "hour") hour = Number(part.value);
    else if (part.type === "minute") minute = Number(part.value);
  }
  return { day, minute: hour * 60 + minute };
}

export function isActive(window: ScheduleWindow, at: number): boolean {
  const { day, minute } = localTime(at, window.timeZone);
  const starts = (d: Weekday) => window.days.includes(d);
  if (window.fromMinute < window.toMinute) {
    return starts(day) && minute >= window.fromMinute && minute < window.toMinute;
  }
  // Past midnight: the evening part on a start day, the morning part on the day after one.
  const yesterday = WEEKDAYS[(WEEKDAYS.indexOf(day) + 6) % 7] as Weekday;
  return (
    (starts(day) && minute >= window.fromMinute) || (starts(yesterday) && minute < window.toMinute)
  );
}

/** The minimum in force: the largest of the active windows', else the scale set's own. */
export function minRunnersAt(base: number, windows: readonly ScheduleWindow[], at: number): number {
  let min = base;
  for (const window of windows)
    if (window.minRunners > min && isActive(window, at)) min = window.minRunners;
  return min;
}

/** `mon-fri`, `sat,sun`, `mon` or a list of those → the weekdays; null when not understood. */
export function parseDays(spec: string | readonly string[]): Weekday[] | null {
  const items = (typeof spec === "string" ? spec.split(",") : spec).map((s) =>
    s.trim().toLowerCase(),
  );
  const days = new Set<Weekday>();
  for (const item of items) {
    const [from, to] = item.split("-").map((s) => s.trim().slice(0, 3));
    const a = WEEKDAYS.indexOf(from as Weekday);
    const b = to === undefined ? a : WEEKDAYS.indexOf(to as Weekday);
    if (a < 0 || b < 0) return null;
    for (let i = a; ; i = (i + 1) % 7) {
      days.add(WEEKDAYS[i] as Weekday);
      if (i === b) break;
    }
  }
  return days.size ? WEEKDAYS.filter((d) => days.has(d)) : null;
}

/** "09:00" → 540; "24:00" → 1440 (an end of day); null when not HH:MM. */
export function parseClock(text: string): number | null {
  const m = /^([01]?\d|2[0-4]):([0-5]\d)$/.exec(text.trim());
  if (!m) return null;
  const minutes = Number(m[1]) * 60 + Number(m[2]);
  return minutes <= 1440 ? minutes : null;
}
