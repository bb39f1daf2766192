/**
 * What exists in the fake's account besides instances: AMIs, security groups, instance
 * profiles, each subnet's VPC and free addresses, and the instance types offered per zone —
 * what `scaleset validate` reads. A registry left `null` is not modelled: RunInstances does not
 * check against it (so launch tests need not declare every AMI), and the Describe action that
 * reads it finds nothing. Tests change the catalog while the fake runs.
 */

export interface Ec2ImageSpec {
  name: string;
  creationDate: Date;
  /** EC2's image states; only `available` can be launched. */
  state: "available" | "pending" | "failed" | "invalid" | "deregistered" | "disabled";
}

export const DEFAULT_VPC = "vpc-0sim0000000000001";
/** A /24 subnet has 256 addresses, 5 of which AWS reserves. */
export const SUBNET_ADDRESSES = 251;

/** vCPUs of a size suffix (`large` 2, `xlarge` 4, `4xlarge` 16); undefined for an unknown size. */
function sizeCpus(size: string): number | undefined {
  if (["nano", "micro", "small", "medium", "large"].includes(size)) return 2;
  if (size === "xlarge") return 4;
  const n = /^(\d+)xlarge$/.exec(size);
  return n ? Number(n[1]) * 4 : undefined;
}

/** Families the fake knows (an instance type of any other family does not exist). */
const FAMILIES = new Set([
  "t3",
  "t3a",
  "t4g",
  "m5",
  "m6i",
  "m6g",
  "m7i",
  "m7g",
  "c5",
  "c6i",
  "c6g",
  "c7i",
  "c7g",
  "r5",
  "r6i",
  "r7i",
  "m7a",
  "m8g",
  "c7a",
  "g5",
  "g6",
  "p5",
]);

/** vCPUs of an instance type EC2 has, or undefined for a name that does not exist. */
export function instanceTypeCpus(type: string): number | undefined {
  const [family = "", size = "", extra] = type.split(".");
  if (extra !== undefined || !FAMILIES.has(family)) return undefined;
  if (!family.startsWith("t") && ["nano", "micro", "small", "medium"].includes(size)) {
    return undefined;
  }
  return sizeCpus(size);
}

export class Ec2Catalog {
  /** AMI id → image; null: AMIs are not modelled. */
  images: Map<string, Ec2ImageSpec> | null = null;
  /** Security group id → its VPC; null: every group exists, in DEFAULT_VPC. */
  securityGroups: Map<string, string> | null = null;
  /** Instance profile names; null: every profile exists. */
  instanceProfiles: Set<string> | null = null;
  /** Subnet id → VPC, where not DEFAULT_VPC. */
  readonly subnetVpcs = new Map<string, string>();
  /** Subnet id → addresses held by what the fake does not simulate (other workloads). */
  readonly subnetAddressesInUse = new Map<string, number>();
  /** `TYPE/ZONE` pairs not offered; every known type is offered in every zone otherwise. */
  readonly unofferedTypes = new Set<string>();

  addImage(id: string, image: Partial<Ec2ImageSpec> & { creationDate: Date }): void {
    this.images ??= new Map();
    this.images.set(id, { name: `scaleset-runner-${id}`, state: "available", ...image });
  }

  offered(type: string, zone: string): boolean {
    return instanceTypeCpus(type) !== undefined && !this.unofferedTypes.has(`${type}/${zone}`);
  }
}
