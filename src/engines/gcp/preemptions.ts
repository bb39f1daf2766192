import type { Preemption } from "../engine.js";
import type { CallLimits, GceApi } from "./gce-types.js";
import { machineId } from "./machines.js";

/**
 * Preempted spot VMs, read from the zone operations list. Compute records a preemption as a
 * system operation of type `compute.instances.preempted` whose target is the VM; it is the one
 * trace left when the VM's termination action is DELETE (ours: the VM itself is gone at once, so
 * its status and `lastStopTimestamp` can no longer be read).
 */
export const PREEMPTED_OPERATION = "compute.instances.preempted";

/** The zone operations list filter for preemptions (documented Compute filter syntax). */
export const PREEMPTION_FILTER = `operationType = "${PREEMPTED_OPERATION}"`;

/** How long a spot VM stays known after it was last created or listed. */
const REMEMBER_MS = 24 * 3_600_000;

/**
 * The spot VMs this engine created or listed, by machine id: a preemption operation names only
 * the VM, not its labels, so this is what tells ours (this deployment's) from other VMs of the
 * project. Entries go after a day without being seen.
 */
export class SpotVms {
  readonly #seen = new Map<string, number>();

  constructor(private readonly now: () => number = Date.now) {}

  saw(id: string): void {
    this.#seen.set(id, this.now());
    if (this.#seen.size % 256 === 0) this.#prune();
  }

  has(id: string): boolean {
    const at = this.#seen.get(id);
    return at !== undefined && this.now() - at < REMEMBER_MS;
  }

  #prune(): void {
    const cutoff = this.now() - REMEMBER_MS;
    for (const [id, at] of this.#seen) if (at < cutoff) this.#seen.delete(id);
  }
}

/** Preemptions of known spot VMs in `zones` since `since`, one zone operations list per zone. */
export async function listPreemptions(
  api: Pick<GceApi, "listOperations">,
  zones: readonly string[],
  since: Date,
  limits: CallLimits,
  known: (machineId: string) => boolean,
  machineType: string,
): Promise<Preemption[]> {
  const perZone = await Promise.all(
    zones.map(async (zone) => {
      const operations = await api.listOperations(zone, PREEMPTION_FILTER, limits);
      const found: Preemption[] = [];
      for (const op of operations) {
        // The server filters already; checked again against an endpoint that ignores filters.
        if (op.operationType !== PREEMPTED_OPERATION) continue;
        const at = new Date(op.insertTime ?? "");
        if (Number.isNaN(at.getTime()) || at < since) continue;
        const name = op.targetLink?.split("/").pop();
        if (!name) continue;
        const id = machineId(zone, name);
        if (known(id)) found.push({ machineId: id, runnerName: name, zone, machineType, at });
      }
      return found;
    }),
  );
  return perZone.flat();
}
