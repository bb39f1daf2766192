import type { CapacityType } from "../engines/engine.js";

/** One price for every machine type, or one per machine type (EC2 walks several types). */
export type PriceTable = number | Readonly<Record<string, number>>;

/** `scalesets[].cost`: list prices in USD (see docs/cost.md). */
export interface CostConfig {
  standardPerHour?: PriceTable;
  spotPerHour?: PriceTable;
  /** Per GB-month of the boot disk; unset: the disk is left out of the cost. */
  diskGbMonth?: number;
  /** EC2: read spot prices with DescribeSpotPriceHistory (cached an hour) before spot_per_hour. */
  liveSpotPrices: boolean;
}

/** The configured hourly price, or null when there is none for this capacity and type. */
export function configuredHourly(
  config: CostConfig,
  capacity: CapacityType,
  machineType: string | undefined,
): number | null {
  const table = capacity === "spot" ? config.spotPerHour : config.standardPerHour;
  if (table === undefined) return null;
  if (typeof table === "number") return table;
  return machineType === undefined ? null : (table[machineType] ?? null);
}
