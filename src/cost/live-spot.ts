import type { Logger } from "pino";
import { EngineError } from "../engines/engine.js";

/**
 * Spot prices read from the cloud (EC2 DescribeSpotPriceHistory), cached per machine type and
 * zone for an hour. A failed read is remembered for a few minutes (so a missing permission does
 * not cost one API call per machine) and said once; callers then use the configured price.
 */

export type SpotPriceLookup = (
  machineType: string,
  zone: string,
  signal: AbortSignal,
) => Promise<number | null>;

export interface LiveSpotOptions {
  ttlMs?: number;
  timeoutMs?: number;
  now?: () => number;
  logger: Logger;
}

interface Entry {
  price: number | null;
  at: number;
  failed: boolean;
}

const HOUR_MS = 3_600_000;
const FAILURE_TTL_MS = 5 * 60_000;

export class LiveSpotPrices {
  readonly #entries = new Map<string, Entry>();
  readonly #inflight = new Map<string, Promise<number | null>>();
  readonly #ttlMs: number;
  readonly #timeoutMs: number;
  readonly #now: () => number;
  #warned = false;

  constructor(
    private readonly lookup: SpotPriceLookup,
    private readonly options: LiveSpotOptions,
  ) {
    this.#ttlMs = options.ttlMs ?? HOUR_MS;
    this.#timeoutMs = options.timeoutMs ?? 10_000;
    this.#now = options.now ?? Date.now;
  }

  /** The cached price if still fresh; undefined when it must be read. */
  peek(machineType: string, zone: string): number | null | undefined {
    const entry = this.#entries.get(`${machineType}/${zone}`);
    if (!entry) return undefined;
    const age = this.#now() - entry.at;
    return age < (entry.failed ? FAILURE_TTL_MS : this.#ttlMs) ? entry.price : undefined;
  }

  /** The price per hour in USD, from the cache or one bounded read; null when unknown. */
  price(machineType: string, zone: string): Promise<number | null> {
    const cached = this.peek(machineType, zone);
    if (cached !== undefined) return Promise.resolve(cached);
    const key = `${machineType}/${zone}`;
    let read = this.#inflight.get(key);
    if (!read) {
      read = this.#read(key, machineType, zone).finally(() => this.#inflight.delete(key));
      this.#inflight.set(key, read);
    }
    return read;
  }

  async #read(key: string, machineType: string, zone: string): Promise<number | null> {
    try {
      const price = await this.lookup(machineType, zone, AbortSignal.timeout(this.#timeoutMs));
      this.#entries.set(key, { price, at: this.#now(), failed: false });
      return price;
    } catch (error) {
      this.#entries.set(key, { price: null, at: this.#now(), failed: true });
      if (!this.#warned) {
        this.#warned = true;
        const fix = error instanceof EngineError ? error.fix : undefined;
        this.options.logger.warn(
          {
            code: error instanceof EngineError ? error.code : "UNKNOWN",
            ...(fix ? { fix } : {}),
          },
          "could not read the live spot price; using cost.spot_per_hour (allow ec2:DescribeSpotPriceHistory, or set cost.live_spot_prices: false)",
        );
      }
      return null;
    }
  }
}
