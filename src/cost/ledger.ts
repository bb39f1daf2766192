import type { CapacityType } from "../engines/engine.js";
import type { JobBinding, MachineFacts, ScalerEvent, ScalerObserver } from "../scaler/events.js";
import { BoundedMap } from "../util/bounded-map.js";
import { type BillingRule, billedSeconds, machineCost } from "./billing.js";
import type { LiveSpotPrices } from "./live-spot.js";
import { type CostConfig, configuredHourly } from "./prices.js";
import { SpendBook, type SpendTotal } from "./spend.js";

/**
 * The cost of each runner machine: it watches the scaler's events like telemetry does (a
 * machine created or adopted, the job it ran, its deletion), prices the lifetime with the
 * cloud's billing rule when the machine is deleted (or preempted), keeps today's and the last
 * 7 days' spend for /status, and hands each result to `onCost` (metrics, the span attribute).
 * The scaler knows no prices; this knows no cloud API.
 */

export interface MachineCost {
  runner: string;
  machineId: string;
  /** The job it ran; absent for a runner that ran none (idle timeout, boot failure). */
  job?: JobBinding;
  capacity?: CapacityType;
  machineType?: string;
  zone?: string;
  billedSeconds: number;
  /** USD; null when a price it needs is unknown. */
  usd: number | null;
  preempted: boolean;
}

export interface CostStatus {
  /** False when the scale set has no `cost:` section: every machine is unpriced. */
  configured: boolean;
  currency: "USD";
  billing: string;
  /** Spend is kept in memory from this moment (a restart starts again; see docs/cost.md). */
  since: string;
  today: SpendTotal;
  last7Days: SpendTotal;
}

export interface LedgerDeps {
  config: CostConfig | undefined;
  rule: BillingRule;
  live?: LiveSpotPrices;
  now?: () => number;
  onCost?: (cost: MachineCost) => void;
}

interface Tracked extends MachineFacts {
  machineId: string;
  createdAt: number;
  job?: JobBinding;
  /** The live spot price read at creation: undefined while unread, null when unknown. */
  live?: number | null;
  /** When the cloud preempted it: billing stops there, not at our delete. */
  endedAt?: number;
}

export class CostLedger {
  readonly observer: ScalerObserver = (event) => this.#on(event);
  readonly #d: LedgerDeps;
  readonly #now: () => number;
  readonly #machines = new BoundedMap<string, Tracked>(50_000);
  readonly #spend = new SpendBook();
  readonly #since: number;

  constructor(deps: LedgerDeps) {
    this.#d = deps;
    this.#now = deps.now ?? Date.now;
    this.#since = this.#now();
  }

  /** The cloud preempted `runner`'s machine at `at`. */
  preempted(runner: string, at: Date): void {
    const tracked = this.#machines.get(runner);
    if (tracked) tracked.endedAt = Math.min(at.getTime(), this.#now());
  }

  capacityOf(runner: string): CapacityType | undefined {
    return this.#machines.get(runner)?.capacity;
  }

  status(): CostStatus {
    return {
      configured: this.#d.config !== undefined,
      currency: "USD",
      billing: this.#d.rule.name,
      since: new Date(this.#since).toISOString(),
      ...this.#spend.summary(this.#now()),
    };
  }

  #on(event: ScalerEvent): void {
    switch (event.type) {
      case "machine-created":
        this.#track(event.runner, event.machineId, this.#now(), event);
        return;
      case "machine-adopted":
        this.#track(event.runner, event.machineId, event.createdAt.getTime(), event);
        return;
      case "job-started": {
        const tracked = this.#machines.get(event.runner);
        if (tracked) tracked.job = event.job;
        return;
      }
      case "machine-deleted":
        this.#settle(event.runner, event.machineId);
        return;
      default:
        return;
    }
  }

  #track(runner: string, machineId: string, createdAt: number, facts: MachineFacts): void {
    const { location, capacity, machineType, diskGb } = facts;
    const tracked: Tracked = { machineId, createdAt, location, capacity, machineType, diskGb };
    this.#machines.set(runner, tracked);
    const { live, config } = this.#d;
    if (capacity === "spot" && live && config?.liveSpotPrices && machineType && location) {
      void live.price(machineType, location).then((price) => {
        tracked.live = price;
      });
    }
  }

  #settle(runner: string, machineId: string): void {
    const tracked = this.#machines.get(runner);
    if (!tracked || tracked.machineId !== machineId) return;
    this.#machines.delete(runner);
    const now = this.#now();
    const end = tracked.endedAt ?? now;
    const lifetimeMs = end - tracked.createdAt;
    const { config, rule } = this.#d;
    const usd = config
      ? machineCost({
          rule,
          lifetimeMs,
          hourly: this.#hourly(config, tracked),
          diskGb: tracked.diskGb,
          diskGbMonth: config.diskGbMonth,
        })
      : null;
    this.#spend.add(now, usd, tracked.capacity);
    this.#d.onCost?.({
      runner,
      machineId,
      ...(tracked.job ? { job: tracked.job } : {}),
      ...(tracked.capacity ? { capacity: tracked.capacity } : {}),
      ...(tracked.machineType ? { machineType: tracked.machineType } : {}),
      ...(tracked.location ? { zone: tracked.location } : {}),
      billedSeconds: billedSeconds(lifetimeMs, rule.minimumSeconds),
      usd,
      preempted: tracked.endedAt !== undefined,
    });
  }

  /** The live spot price when one was read, else the configured price of the capacity bought. */
  #hourly(config: CostConfig, tracked: Tracked): number | null {
    const capacity = tracked.capacity ?? "standard";
    if (capacity === "spot" && typeof tracked.live === "number") return tracked.live;
    return configuredHourly(config, capacity, tracked.machineType);
  }
}
