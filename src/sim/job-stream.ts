import type { GitHubSim } from "./github/server.js";

/**
 * A steady stream of jobs for the demo: `ratePerSecond` jobs per second on average, each with a
 * duration drawn uniformly from `durationMs`, until `maxJobs` (if given) or stop().
 */

export interface JobStreamOptions {
  labels: string[] | string;
  ratePerSecond: number;
  /** [min, max] job duration in ms. */
  durationMs: [number, number];
  maxJobs?: number;
  /** Called with the ids of each batch of enqueued jobs. */
  onJobs?: (jobIds: string[]) => void;
}

export interface JobStream {
  stop(): void;
  /** Jobs enqueued so far. */
  readonly enqueued: number;
}

const TICK_MS = 100;

export function startJobStream(
  sim: Pick<GitHubSim, "enqueueJobs">,
  options: JobStreamOptions,
): JobStream {
  if (!(options.ratePerSecond > 0)) throw new RangeError("ratePerSecond must be > 0");
  const [min, max] = options.durationMs;
  if (!(min >= 0 && max >= min))
    throw new RangeError("durationMs must be [min, max], 0 <= min <= max");
  const startedAt = Date.now();
  let enqueued = 0;
  const tick = (): void => {
    // Schedule by elapsed time, so timer drift never changes the average rate.
    let due = Math.floor(((Date.now() - startedAt) / 1000) * options.ratePerSecond) - enqueued;
    if (options.maxJobs !== undefined) due = Math.min(due, options.maxJobs - enqueued);
    const ids: string[] = [];
    for (let i = 0; i < due; i++) {
      const durationMs = Math.round(min + Math.random() * (max - min));
      ids.push(...sim.enqueueJobs(options.labels, 1, { durationMs }));
    }
    enqueued += ids.length;
    if (ids.length > 0) options.onJobs?.(ids);
    if (options.maxJobs !== undefined && enqueued >= options.maxJobs) clearInterval(timer);
  };
  const timer = setInterval(tick, Math.min(TICK_MS, Math.max(10, 1000 / options.ratePerSecond)));
  return {
    stop: () => clearInterval(timer),
    get enqueued() {
      return enqueued;
    },
  };
}
