/**
 * The spot circuit breaker: one per zone and one per machine type. Closed, spot is used there.
 * After `preemptions` preemptions within `windowMs` it opens: new runners there are standard
 * capacity. After `coolDownMs` it is half-open: the next runner there may be spot again, one
 * probe at a time. A probe whose job succeeds closes it; a preemption while half-open opens it
 * again for another cool-down. Pure: time comes from `now`, nothing runs on its own.
 */

export type BreakerState = "closed" | "open" | "half-open";

export interface BreakerSettings {
  /** Preemptions within the window that open the breaker (≥ 1). */
  preemptions: number;
  windowMs: number;
  coolDownMs: number;
}

export interface BreakerView {
  /** `zone:NAME` or `type:NAME`. */
  key: string;
  state: BreakerState;
  /** Preemptions counted in the current window (closed), or that opened it. */
  preemptions: number;
  /** When it opened (open, half-open). */
  openedAt?: number;
  /** The runner probing spot while half-open. */
  probe?: string;
}

export type BreakerTransition = { key: string; from: BreakerState; to: BreakerState };

/** How long a half-open breaker waits for the probe it allowed to show up as a machine. */
const PROBE_RESERVATION_MS = 5 * 60_000;

interface Entry {
  key: string;
  /** Preemption times within the window, oldest first. */
  recent: number[];
  openedAt?: number;
  probe?: string;
  reservedUntil?: number;
  /** The open → half-open change was reported (it happens by time passing, seen lazily). */
  toldHalfOpen?: boolean;
}

export class SpotBreakers {
  readonly #entries = new Map<string, Entry>();

  constructor(
    private readonly settings: BreakerSettings,
    private readonly now: () => number,
    private readonly onTransition: (t: BreakerTransition) => void = () => undefined,
  ) {}

  /** A preemption in each of `keys` (its zone and its machine type). */
  preempted(keys: readonly string[]): void {
    const now = this.now();
    for (const key of keys) {
      const entry = this.#entry(key);
      const state = this.#state(entry, now);
      if (state === "half-open") {
        this.#open(key, entry, now, "half-open"); // the probe (or any spot VM there) was preempted
        continue;
      }
      entry.recent = [...entry.recent.filter((t) => now - t < this.settings.windowMs), now];
      if (state === "closed" && entry.recent.length >= this.settings.preemptions) {
        this.#open(key, entry, now, "closed");
      }
    }
  }

  /**
   * Keys where a new runner must not be spot right now. A half-open key is allowed once: it is
   * reserved for one probe until that probe's machine is created (or the reservation lapses).
   */
  avoided(): string[] {
    const now = this.now();
    const out: string[] = [];
    for (const [key, entry] of this.#entries) {
      const state = this.#state(entry, now);
      if (state === "closed") continue;
      if (state === "open" || entry.probe !== undefined) {
        out.push(key);
        continue;
      }
      if ((entry.reservedUntil ?? 0) > now) out.push(key);
      else entry.reservedUntil = now + PROBE_RESERVATION_MS;
    }
    return out;
  }

  /** A spot machine was created in `keys` for `runner`: in a half-open key it is the probe. */
  spotCreated(keys: readonly string[], runner: string): void {
    const now = this.now();
    for (const key of keys) {
      const entry = this.#entries.get(key);
      if (!entry || this.#state(entry, now) !== "half-open" || entry.probe !== undefined) continue;
      entry.probe = runner;
      entry.reservedUntil = undefined;
    }
  }

  /** `runner`'s job succeeded: no preemption took it, so a breaker it probed closes. */
  succeeded(runner: string): void {
    const now = this.now();
    for (const [key, entry] of this.#entries) {
      if (entry.probe !== runner || this.#state(entry, now) !== "half-open") continue;
      this.#entries.delete(key);
      this.onTransition({ key, from: "half-open", to: "closed" });
    }
  }

  /** `runner` is gone without a verdict (idle timeout, failed job): another probe may go. */
  ended(runner: string): void {
    for (const entry of this.#entries.values()) {
      if (entry.probe === runner) entry.probe = undefined;
    }
  }

  views(): BreakerView[] {
    const now = this.now();
    const out: BreakerView[] = [];
    for (const [key, entry] of this.#entries) {
      const state = this.#state(entry, now);
      const recent = entry.recent.filter((t) => now - t < this.settings.windowMs).length;
      if (state === "closed" && recent === 0) continue;
      out.push({
        key,
        state,
        preemptions: state === "closed" ? recent : entry.recent.length,
        ...(entry.openedAt !== undefined ? { openedAt: entry.openedAt } : {}),
        ...(entry.probe ? { probe: entry.probe } : {}),
      });
    }
    return out;
  }

  #entry(key: string): Entry {
    let entry = this.#entries.get(key);
    if (!entry) {
      entry = { key, recent: [] };
      this.#entries.set(key, entry);
    }
    return entry;
  }

  #state(entry: Entry, now: number): BreakerState {
    if (entry.openedAt === undefined) return "closed";
    if (now - entry.openedAt < this.settings.coolDownMs) return "open";
    if (!entry.toldHalfOpen) {
      entry.toldHalfOpen = true;
      this.onTransition({ key: entry.key, from: "open", to: "half-open" });
    }
    return "half-open";
  }

  #open(key: string, entry: Entry, now: number, from: BreakerState): void {
    entry.openedAt = now;
    entry.probe = undefined;
    entry.reservedUntil = undefined;
    entry.toldHalfOpen = false;
    this.onTransition({ key, from, to: "open" });
  }
}

/** The breaker keys a machine in `zone` of `machineType` counts against. */
export function breakerKeys(place: { zone?: string; machineType?: string }): string[] {
  const keys: string[] = [];
  if (place.zone) keys.push(`zone:${place.zone}`);
  if (place.machineType) keys.push(`type:${place.machineType}`);
  return keys;
}
