/** `scalesets[].cost`: list prices for the cost per job (docs/cost.md). */
import * as z from "zod";
import type { CostConfig } from "../cost/prices.js";
import { flag, section, text } from "./fields.js";

const PRICE_HINT =
  "write a price in USD above 0, e.g. 0.067 — leave a price out when you do not know it (it is then shown as unknown, never as free)";

/** A price in USD (numeric text from flags and env references too). */
const price = z.preprocess(
  (value) =>
    typeof value === "string" && /^\s*\d+(?:\.\d+)?\s*$/.test(value) ? Number(value) : value,
  z
    .number({ error: `must be a number — ${PRICE_HINT}` })
    .refine((n) => Number.isFinite(n) && n > 0, { error: `must be above 0 — ${PRICE_HINT}` }),
);

/** One price, or a price per machine type. */
const priceTable = z.union([price, z.record(text("a machine type"), price)], {
  error: `must be a price or a mapping of machine types to prices — ${PRICE_HINT}`,
});

export const costSchema = section({
  standard_per_hour: priceTable
    .optional()
    .describe("USD per hour of a standard (on-demand) machine; one price or one per machine type."),
  spot_per_hour: priceTable
    .optional()
    .describe("USD per hour of a spot machine; one price or one per machine type."),
  disk_gb_month: price
    .optional()
    .describe("USD per GB-month of the boot disk; unset: the disk is left out of the cost."),
  live_spot_prices: flag()
    .prefault(true)
    .describe("EC2: read spot prices with DescribeSpotPriceHistory (cached an hour) first."),
})
  .refine((c) => c.standard_per_hour !== undefined || c.spot_per_hour !== undefined, {
    path: ["standard_per_hour"],
    error:
      "is required — give standard_per_hour or spot_per_hour (or both), or remove `cost:` to leave costs unknown",
  })
  .transform(
    (c): CostConfig => ({
      standardPerHour: c.standard_per_hour,
      spotPerHour: c.spot_per_hour,
      diskGbMonth: c.disk_gb_month,
      liveSpotPrices: c.live_spot_prices,
    }),
  );
