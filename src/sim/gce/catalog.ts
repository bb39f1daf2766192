/**
 * What exists in the fake's projects besides VMs: images, machine types, networks and
 * subnetworks, service accounts and regional quotas — the resources `scaleset validate` reads.
 * Tests change it while the fake runs (an image that ages, a quota used up, a subnetwork gone).
 *
 * Networks and service accounts belong to a project; `project: "*"` makes one exist in every
 * project (the auto-mode `default` network every new project has).
 */

export interface GceImageSpec {
  project: string;
  name: string;
  family?: string;
  createdAt: Date;
  status?: "READY" | "PENDING" | "FAILED";
  /** Compute's `deprecated.state`; a family never resolves to a DEPRECATED/OBSOLETE/DELETED image. */
  deprecated?: "DEPRECATED" | "OBSOLETE" | "DELETED";
}

export interface GceNetworkSpec {
  project: string;
  name: string;
  /** Auto mode: a subnetwork named like the network exists in every region. */
  autoSubnetworks: boolean;
  /** Custom-mode subnetworks: region → names. */
  subnetworks: Record<string, string[]>;
}

/** Guest CPUs per machine type name: `FAMILY-KIND-N`, shared-core names, custom types. */
const SHARED_CORE: Record<string, number> = {
  "e2-micro": 2,
  "e2-small": 2,
  "e2-medium": 2,
  "f1-micro": 1,
  "g1-small": 1,
};
const SIZES: Record<string, number[]> = {
  e2: [2, 4, 8, 16, 32],
  n1: [1, 2, 4, 8, 16, 32, 64, 96],
  n2: [2, 4, 8, 16, 32, 48, 64, 80, 96, 128],
  n2d: [2, 4, 8, 16, 32, 48, 64, 80, 96, 128, 224],
  n4: [2, 4, 8, 16, 32, 48, 64, 80],
  c2: [4, 8, 16, 30, 60],
  c2d: [2, 4, 8, 16, 32, 56, 112],
  c3: [4, 8, 22, 44, 88, 176],
  c3d: [4, 8, 16, 30, 60, 90, 180, 360],
  t2a: [1, 2, 4, 8, 16, 32, 48],
  t2d: [1, 2, 4, 8, 16, 32, 48, 60],
};
const KINDS = ["standard", "highcpu", "highmem"];

/** vCPUs of a machine type Compute knows, or undefined for a name that does not exist. */
export function machineTypeCpus(name: string): number | undefined {
  if (name in SHARED_CORE) return SHARED_CORE[name];
  const custom = /^(?:([a-z0-9]+)-)?custom-(\d+)-(\d+)$/.exec(name);
  if (custom) {
    const cpus = Number(custom[2]);
    return cpus >= 1 && cpus <= 96 && (custom[1] === undefined || custom[1] in SIZES)
      ? cpus
      : undefined;
  }
  const m = /^([a-z0-9]+)-([a-z]+)-(\d+)$/.exec(name);
  if (!m || !KINDS.includes(m[2] as string)) return undefined;
  const cpus = Number(m[3]);
  return SIZES[m[1] as string]?.includes(cpus) ? cpus : undefined;
}

/** A regional quota as `regions.get` lists it. */
export interface QuotaValue {
  limit: number;
  usage: number;
}

/** Limits of a new project's region (Compute's defaults vary; these are typical small ones). */
export const DEFAULT_QUOTA_LIMITS: Readonly<Record<string, number>> = {
  CPUS: 24,
  N2_CPUS: 24,
  N2D_CPUS: 24,
  C2_CPUS: 24,
  C3_CPUS: 24,
  T2A_CPUS: 24,
  INSTANCES: 240,
  IN_USE_ADDRESSES: 8,
  PREEMPTIBLE_CPUS: 0,
  DISKS_TOTAL_GB: 4096,
  SSD_TOTAL_GB: 500,
};

export class GceCatalog {
  readonly images: GceImageSpec[] = [];
  readonly networks: GceNetworkSpec[] = [
    { project: "*", name: "default", autoSubnetworks: true, subnetworks: {} },
  ];
  /** Service accounts (emails) that exist; any other is a 404. */
  readonly serviceAccounts = new Set<string>();
  /** `REGION/METRIC` → limit, overriding DEFAULT_QUOTA_LIMITS. */
  readonly quotaLimits = new Map<string, number>();
  /** `REGION/METRIC` → usage by VMs the fake does not simulate (other workloads). */
  readonly quotaUsage = new Map<string, number>();

  addImage(image: GceImageSpec): void {
    this.images.push({ status: "READY", ...image });
  }

  image(project: string, name: string): GceImageSpec | undefined {
    return this.images.find((i) => i.project === project && i.name === name);
  }

  /** The newest READY, non-deprecated image of the family (what getFromFamily answers). */
  imageFromFamily(project: string, family: string): GceImageSpec | undefined {
    return this.images
      .filter((i) => i.project === project && i.family === family)
      .filter((i) => i.status === "READY" && i.deprecated === undefined)
      .sort((a, b) => b.createdAt.getTime() - a.createdAt.getTime())[0];
  }

  network(project: string, name: string): GceNetworkSpec | undefined {
    return this.networks.find(
      (n) => n.name === name && (n.project === project || n.project === "*"),
    );
  }

  /** The network a subnetwork of that name in that region belongs to, if it exists. */
  subnetworkNetwork(project: string, region: string, name: string): GceNetworkSpec | undefined {
    return this.networks.find(
      (n) =>
        (n.project === project || n.project === "*") &&
        ((n.autoSubnetworks && n.name === name) || (n.subnetworks[region] ?? []).includes(name)),
    );
  }

  /** Removes a network (and so its subnetworks) from every project it exists in. */
  removeNetwork(name: string): void {
    for (let i = this.networks.length - 1; i >= 0; i--) {
      if (this.networks[i]?.name === name) this.networks.splice(i, 1);
    }
  }

  setQuota(region: string, metric: string, value: Partial<QuotaValue>): void {
    if (value.limit !== undefined) this.quotaLimits.set(`${region}/${metric}`, value.limit);
    if (value.usage !== undefined) this.quotaUsage.set(`${region}/${metric}`, value.usage);
  }

  quotaLimit(region: string, metric: string): number {
    return this.quotaLimits.get(`${region}/${metric}`) ?? DEFAULT_QUOTA_LIMITS[metric] ?? 0;
  }

  /** Every metric with a limit in the region (defaults plus overrides). */
  quotaMetrics(region: string): string[] {
    const overridden = [...this.quotaLimits.keys()]
      .filter((k) => k.startsWith(`${region}/`))
      .map((k) => k.slice(region.length + 1));
    return [...new Set([...Object.keys(DEFAULT_QUOTA_LIMITS), ...overridden])];
  }
}
