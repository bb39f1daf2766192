import { Ec2SimError } from "./errors.js";
import { indexedValues, type QueryParams } from "./query.js";
import { el, itemSet } from "./xml.js";

/**
 * DescribeSpotPriceHistory as the fake serves it: one price per (instance type, availability
 * zone), each last changed an hour ago, for the product `Linux/UNIX` only. Asked with a start
 * time, EC2 also returns the last change before it (the price in effect then), which is what a
 * caller asking "now" reads. A type or zone without a price returns an empty set, as EC2 does
 * for a type not offered there.
 */

/** `TYPE/ZONE` → USD per hour, as text the way EC2 sends it (e.g. "0.038500"). */
export type SpotPriceBook = Map<string, number>;

const PRODUCTS = new Set([
  "Linux/UNIX",
  "Linux/UNIX (Amazon VPC)",
  "SUSE Linux",
  "Red Hat Enterprise Linux",
  "Windows",
]);
const MAX_RESULTS = 1000;

export function describeSpotPriceHistory(params: QueryParams, prices: SpotPriceBook): string {
  const types = indexedValues(params, "InstanceType");
  const products = indexedValues(params, "ProductDescription");
  for (const product of products) {
    if (!PRODUCTS.has(product)) {
      throw new Ec2SimError(
        "InvalidParameterValue",
        `Value (${product}) for parameter productDescription is invalid.`,
      );
    }
  }
  const zone = params.AvailabilityZone;
  for (const name of ["StartTime", "EndTime"]) {
    const value = params[name];
    if (value !== undefined && Number.isNaN(Date.parse(value))) {
      throw new Ec2SimError("InvalidParameterValue", `Invalid value '${value}' for ${name}.`);
    }
  }
  const max = params.MaxResults === undefined ? MAX_RESULTS : Number(params.MaxResults);
  if (!Number.isInteger(max) || max < 1 || max > MAX_RESULTS) {
    throw new Ec2SimError(
      "InvalidParameterValue",
      `Value ( ${params.MaxResults} ) for parameter maxResults is invalid. Expecting a value between 1 and 1000.`,
    );
  }
  const changedAt = new Date(Date.now() - 3_600_000).toISOString();
  const wantsLinux = products.length === 0 || products.includes("Linux/UNIX");
  const items = [...prices.entries()]
    .map(([key, price]) => {
      const [type = "", az = ""] = key.split("/");
      return { type, az, price };
    })
    .filter((p) => wantsLinux && (types.length === 0 || types.includes(p.type)))
    .filter((p) => zone === undefined || p.az === zone)
    .slice(0, max)
    .map(
      (p) =>
        el("instanceType", p.type) +
        el("productDescription", "Linux/UNIX") +
        el("spotPrice", p.price.toFixed(6)) +
        el("timestamp", changedAt) +
        el("availabilityZone", p.az),
    );
  return itemSet("spotPriceHistorySet", items);
}
