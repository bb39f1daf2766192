import type { Logger } from "pino";
import { type Engine, EngineError, type Preemption } from "../engines/engine.js";
import { BoundedMap } from "../util/bounded-map.js";

/**
 * Asks the engine for preempted spot machines every `intervalMs` (each look bounded by
 * `timeoutMs`) and reports each one once. Looks overlap a little, since the cloud may record a
 * preemption a moment after it happened; repeats are dropped by machine id.
 */

export interface WatcherDeps {
  engine: Pick<Engine, "preemptions">;
  intervalMs: number;
  timeoutMs: number;
  logger: Logger;
  onPreemption(preemption: Preemption): void;
  now?: () => number;
}

/** How far back the first look reaches (a restart finds recent preemptions), and the overlap. */
const LOOKBACK_MS = 15 * 60_000;
const OVERLAP_MS = 2 * 60_000;

export class PreemptionWatcher {
  readonly #d: WatcherDeps;
  readonly #now: () => number;
  readonly #seen = new BoundedMap<string, true>(10_000);
  #since: number;
  #timer: NodeJS.Timeout | undefined;
  #running: Promise<Preemption[]> | null = null;
  #lastError: string | null = null;

  constructor(deps: WatcherDeps) {
    this.#d = deps;
    this.#now = deps.now ?? Date.now;
    this.#since = this.#now() - LOOKBACK_MS;
  }

  start(): void {
    if (this.#timer || !this.#d.engine.preemptions) return;
    this.#timer = setInterval(() => void this.poll(), this.#d.intervalMs);
    this.#timer.unref();
  }

  stop(): void {
    clearInterval(this.#timer);
    this.#timer = undefined;
  }

  /** One look (single-flight); resolves with the preemptions it reported. Never rejects. */
  poll(): Promise<Preemption[]> {
    this.#running ??= this.#look().finally(() => {
      this.#running = null;
    });
    return this.#running;
  }

  async #look(): Promise<Preemption[]> {
    const list = this.#d.engine.preemptions;
    if (!list) return [];
    const startedAt = this.#now();
    let found: Preemption[];
    try {
      found = await list.call(
        this.#d.engine,
        new Date(this.#since),
        AbortSignal.timeout(this.#d.timeoutMs),
      );
    } catch (error) {
      const code = error instanceof EngineError ? error.code : "UNKNOWN";
      const fix = error instanceof EngineError ? error.fix : undefined;
      // Said once per kind of failure, not every interval.
      if (this.#lastError !== code) {
        this.#d.logger.warn(
          { code, ...(fix ? { fix } : {}) },
          "could not look for preempted spot machines; trying again",
        );
      }
      this.#lastError = code;
      return [];
    }
    this.#lastError = null;
    this.#since = startedAt - OVERLAP_MS;
    const fresh = found.filter((p) => !this.#seen.has(p.machineId));
    for (const preemption of fresh) {
      this.#seen.set(preemption.machineId, true);
      this.#d.onPreemption(preemption);
    }
    return fresh;
  }
}
