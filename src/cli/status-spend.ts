/**
 * `scaleset status`: the spend and spot lines of a scale set (from /status `cost` and `spot`).
 * An unknown cost is written as unknown, never as $0.
 */
import { formatAge } from "./status-render.js";

type Json = Record<string, unknown>;
type Row = (label: string, value: string) => void;

const obj = (v: unknown): Json => (typeof v === "object" && v !== null ? (v as Json) : {});
const num = (v: unknown): number | undefined =>
  typeof v === "number" && Number.isFinite(v) ? v : undefined;

/** $0.0123 below a dollar (a job's cost is often cents), $12.34 above. */
export function formatUsd(usd: number): string {
  return `$${usd < 1 ? usd.toFixed(4) : usd.toFixed(2)}`;
}

/** One spend total: "$0.0123 (4 machines)", "unknown (2 machines without a price)", … */
export function formatSpend(total: Json): string {
  const usd = num(total.usd);
  const machines = num(total.machines) ?? 0;
  const unpriced = num(total.unpriced) ?? 0;
  const count = (n: number) => `${n} machine${n === 1 ? "" : "s"}`;
  if (machines === 0) return "none yet";
  if (usd === undefined) return `unknown (${count(unpriced)} without a price)`;
  const priced = `${formatUsd(usd)} (${count(machines - unpriced)})`;
  return unpriced > 0 ? `${priced} + unknown (${count(unpriced)} without a price)` : priced;
}

export function renderSpend(set: Json, now: number, row: Row): void {
  if (set.cost === undefined) return;
  const cost = obj(set.cost);
  if (cost.configured === false) {
    row("spend", "unknown: no prices configured (scalesets[].cost, see docs/cost.md)");
  } else {
    const since = Date.parse(String(cost.since ?? ""));
    const kept = Number.isNaN(since) ? "" : ` · kept since ${formatAge(now - since)} ago`;
    row(
      "spend",
      `today ${formatSpend(obj(cost.today))} · 7 days ${formatSpend(obj(cost.last7Days))}${kept}`,
    );
  }
  const spot = obj(set.spot);
  const parts: string[] = [];
  const preemptions = num(spot.preemptions) ?? 0;
  if (preemptions > 0) parts.push(`${preemptions} preempted`);
  for (const breaker of Array.isArray(spot.breakers) ? spot.breakers.map(obj) : []) {
    if (breaker.state === "closed") continue;
    const opened = num(breaker.openedAt);
    const ago = opened ? ` ${formatAge(now - opened)} ago` : "";
    const meaning = breaker.state === "open" ? "standard only" : "one spot probe at a time";
    parts.push(`${String(breaker.key)} ${String(breaker.state)} (opened${ago}: ${meaning})`);
  }
  const rerun = obj(spot.rerun);
  const pending = Array.isArray(rerun.standardOnlyFor) ? rerun.standardOnlyFor.length : 0;
  if (pending > 0) parts.push(`${pending} re-run(s) starting on standard capacity`);
  if (parts.length > 0) row("spot", parts.join(" · "));
}
