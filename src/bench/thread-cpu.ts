/**
 * CPU time of each thread of this process, by thread name, from /proc/self/task (Linux only).
 * `process.cpuUsage()` sums every thread; a V8 CPU profile sees only the main thread. The split
 * shows how much of an on/off difference is the garbage collector's helper threads (V8 names
 * them "V8 DefaultWorke…"), libuv's pool or the main thread itself.
 */
import { readdirSync, readFileSync } from "node:fs";

/** CPU ms (user + system) by thread name; threads of the same name are summed. */
export type ThreadCpu = Record<string, number>;

const TICK_MS = 10; // USER_HZ is 100 on every Linux Node supports

export function threadCpu(): ThreadCpu | undefined {
  let tids: string[];
  try {
    tids = readdirSync("/proc/self/task");
  } catch {
    return undefined;
  }
  const out: ThreadCpu = {};
  for (const tid of tids) {
    try {
      const stat = readFileSync(`/proc/self/task/${tid}/stat`, "utf8");
      // "tid (comm) state …": comm may hold spaces and parentheses, so split at the last ')'.
      const close = stat.lastIndexOf(")");
      const name = tid === String(process.pid) ? "main" : stat.slice(stat.indexOf("(") + 1, close);
      const fields = stat.slice(close + 2).split(" ");
      // Fields after comm start at "state" (3rd of the file): utime is the 14th, stime the 15th.
      const ticks = Number(fields[11]) + Number(fields[12]);
      out[name] = (out[name] ?? 0) + ticks * TICK_MS;
    } catch {
      // the thread exited between readdir and read
    }
  }
  return out;
}

/** What each thread name spent between two readings. */
export function threadCpuSince(before: ThreadCpu, after: ThreadCpu): ThreadCpu {
  const out: ThreadCpu = {};
  for (const [name, ms] of Object.entries(after)) out[name] = ms - (before[name] ?? 0);
  return out;
}
