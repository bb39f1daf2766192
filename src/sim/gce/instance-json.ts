import { SELF_LINK_BASE } from "./operations.js";
import type { GceInstanceStatus, GceInstanceView } from "./types.js";
import type { ValidInstance } from "./validate.js";

/** A VM of the fake, and the Instance resource get and list return for it. */

export interface SimInstance {
  id: string;
  project: string;
  zone: string;
  name: string;
  status: GceInstanceStatus;
  spec: ValidInstance;
  /** The resource as the client sent it; returned (with server fields) on get/list. */
  resource: Record<string, unknown>;
  createdAt: Date;
  powerOff: AbortController;
  runnerOutcome: GceInstanceView["runnerOutcome"];
  /** Set when it last went TERMINATED (`lastStopTimestamp`). */
  stoppedAt?: Date;
}

/** The Instance resource in Compute's shape: the insert's body plus the server's fields. */
export function instanceJson(i: SimInstance): Record<string, unknown> {
  const zoneUrl = `${SELF_LINK_BASE}/projects/${i.project}/zones/${i.zone}`;
  const metadataItems = Object.entries(i.spec.metadata).map(([key, value]) => ({ key, value }));
  return {
    ...i.resource,
    kind: "compute#instance",
    id: i.id,
    name: i.name,
    zone: zoneUrl,
    status: i.status,
    machineType: `${zoneUrl}/machineTypes/${i.spec.machineType}`,
    labels: i.spec.labels,
    metadata: { kind: "compute#metadata", fingerprint: "ZmFrZQ==", items: metadataItems },
    // The attached boot disk as Compute shows it (not the insert's initializeParams).
    disks: [
      {
        kind: "compute#attachedDisk",
        type: "PERSISTENT",
        mode: "READ_WRITE",
        boot: true,
        autoDelete: !i.spec.keepsDisk,
        deviceName: "persistent-disk-0",
        index: 0,
        diskSizeGb: String(i.spec.diskSizeGb),
        source: `${zoneUrl}/disks/${i.name}`,
      },
    ],
    ...(i.stoppedAt ? { lastStopTimestamp: i.stoppedAt.toISOString() } : {}),
    creationTimestamp: i.createdAt.toISOString(),
    selfLink: `${zoneUrl}/instances/${i.name}`,
  };
}
