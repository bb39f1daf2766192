import { Ec2SimError } from "./errors.js";
import type { SimInstance } from "./instance.js";

/** DescribeInstances filters the fake understands (a subset of EC2's; others are rejected). */
export interface Filter {
  name: string;
  values: string[];
}

const FIELDS: Record<string, (i: SimInstance) => Array<string | undefined>> = {
  "instance-id": (i) => [i.id],
  "instance-state-name": (i) => [i.state],
  "instance-type": (i) => [i.instanceType],
  "subnet-id": (i) => [i.subnetId],
  "availability-zone": (i) => [i.availabilityZone],
  "image-id": (i) => [i.imageId],
  "instance-lifecycle": (i) => [i.market === "spot" ? "spot" : undefined],
  "state-reason-code": (i) => [i.stateReason],
  "reservation-id": (i) => [i.reservationId],
  "client-token": (i) => [i.clientToken],
  "tag-key": (i) => Object.keys(i.tags),
  "tag-value": (i) => Object.values(i.tags),
};

export function validateFilters(filters: readonly Filter[]): void {
  for (const filter of filters) {
    if (!filter.name.startsWith("tag:") && !(filter.name in FIELDS)) {
      throw new Ec2SimError("InvalidParameterValue", `The filter '${filter.name}' is invalid`);
    }
    if (filter.values.length === 0) {
      throw new Ec2SimError(
        "InvalidParameterCombination",
        `The filter '${filter.name}' must have at least one value`,
      );
    }
  }
}

/** Every filter must match (AND); any value of a filter may match (OR); `*` and `?` are wildcards. */
export function matchesFilters(instance: SimInstance, filters: readonly Filter[]): boolean {
  return filters.every((filter) => {
    const actual = filter.name.startsWith("tag:")
      ? [instance.tags[filter.name.slice(4)]]
      : (FIELDS[filter.name]?.(instance) ?? []);
    const patterns = filter.values.map(wildcard);
    return actual.some((value) => value !== undefined && patterns.some((p) => p.test(value)));
  });
}

function wildcard(pattern: string): RegExp {
  const escaped = pattern.replace(/[.+^${}()|[\]\\]/g, "\\$&");
  return new RegExp(`^${escaped.replace(/\*/g, ".*").replace(/\?/g, ".")}$`);
}
