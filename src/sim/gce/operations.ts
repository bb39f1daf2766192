import { randomBytes } from "node:crypto";
import { TimerSet } from "../../util/timer-set.js";
import type { GceOperationError } from "./types.js";

/**
 * Zonal long-running operations: PENDING → RUNNING → DONE after a delay, DONE with an
 * `error.errors[]` list when the work failed. `wait` holds until DONE or a timeout, as on GCE.
 */

export const SELF_LINK_BASE = "https://www.googleapis.com/compute/v1";

export type OperationStatus = "PENDING" | "RUNNING" | "DONE";

export interface OperationFailure extends GceOperationError {
  httpStatus: number;
  details?: unknown[];
}

export interface SimOperation {
  id: string;
  name: string;
  project: string;
  zone: string;
  /** What the API reports as `operationType`: a call, or a system event the cloud made itself. */
  type: "insert" | "delete" | "compute.instances.preempted";
  target: string;
  status: OperationStatus;
  /** Who made it: the caller, or `system` for events such as a preemption. */
  user?: string;
  statusMessage?: string;
  failure?: OperationFailure;
  insertTime: Date;
  startTime?: Date;
  endTime?: Date;
  /** Settles when the operation is DONE. */
  done: Promise<void>;
}

const HTTP_TEXT: Record<number, string> = {
  400: "BAD REQUEST",
  403: "FORBIDDEN",
  500: "INTERNAL SERVER ERROR",
  503: "SERVICE UNAVAILABLE",
};

export class OperationTable {
  readonly #ops = new Map<string, SimOperation>();
  readonly #timers = new TimerSet();

  #key(project: string, zone: string, name: string): string {
    return `${project}/${zone}/${name}`;
  }

  /**
   * Starts an operation that finishes after `delayMs`; `work` runs at that point and returns the
   * failure to report, if any.
   */
  start(
    init: Pick<SimOperation, "project" | "zone" | "type" | "target">,
    delayMs: number,
    work: () => OperationFailure | undefined,
  ): SimOperation {
    let resolve: () => void = () => undefined;
    const op: SimOperation = {
      ...init,
      id: String(BigInt(`0x${randomBytes(7).toString("hex")}`)),
      name: `operation-${Date.now()}-${randomBytes(6).toString("hex")}`,
      status: "PENDING",
      insertTime: new Date(),
      done: new Promise<void>((r) => {
        resolve = r;
      }),
    };
    this.#ops.set(this.#key(op.project, op.zone, op.name), op);
    this.#timers.after(0, () => {
      // Timers of different lengths may fire out of order under load: never undo DONE.
      if (op.status !== "PENDING") return;
      op.status = "RUNNING";
      op.startTime = new Date();
    });
    this.#timers.after(Math.max(1, delayMs), () => {
      op.failure = work();
      op.status = "DONE";
      op.startTime ??= new Date();
      op.endTime = new Date();
      resolve();
    });
    return op;
  }

  get(project: string, zone: string, name: string): SimOperation | undefined {
    return this.#ops.get(this.#key(project, zone, name));
  }

  /** A system event that is DONE the moment it is recorded (a preemption). */
  recordSystemEvent(
    init: Pick<SimOperation, "project" | "zone" | "type" | "target" | "statusMessage">,
  ): SimOperation {
    const now = new Date();
    const op: SimOperation = {
      ...init,
      id: String(BigInt(`0x${randomBytes(7).toString("hex")}`)),
      name: `systemevent-${Date.now()}-${randomBytes(6).toString("hex")}`,
      status: "DONE",
      user: "system",
      insertTime: now,
      startTime: now,
      endTime: now,
      done: Promise.resolve(),
    };
    this.#ops.set(this.#key(op.project, op.zone, op.name), op);
    return op;
  }

  /** Every operation of one zone, oldest first (what `zoneOperations.list` pages through). */
  inZone(project: string, zone: string): SimOperation[] {
    return [...this.#ops.values()].filter((op) => op.project === project && op.zone === zone);
  }

  /** Resolves when the operation is DONE or after `timeoutMs`, whichever is first. */
  async wait(op: SimOperation, timeoutMs: number): Promise<SimOperation> {
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      op.done,
      new Promise<void>((r) => {
        timer = setTimeout(r, timeoutMs);
      }),
    ]);
    clearTimeout(timer);
    return op;
  }

  stop(): void {
    this.#timers.clear();
  }
}

export function operationJson(op: SimOperation): Record<string, unknown> {
  const zoneUrl = `${SELF_LINK_BASE}/projects/${op.project}/zones/${op.zone}`;
  return {
    kind: "compute#operation",
    id: op.id,
    name: op.name,
    zone: zoneUrl,
    operationType: op.type,
    targetLink: `${zoneUrl}/instances/${op.target}`,
    status: op.status,
    ...(op.user ? { user: op.user } : {}),
    ...(op.statusMessage ? { statusMessage: op.statusMessage } : {}),
    progress: op.status === "DONE" ? 100 : 0,
    insertTime: op.insertTime.toISOString(),
    ...(op.startTime ? { startTime: op.startTime.toISOString() } : {}),
    ...(op.endTime ? { endTime: op.endTime.toISOString() } : {}),
    selfLink: `${zoneUrl}/operations/${op.name}`,
    ...(op.failure
      ? {
          httpErrorStatusCode: op.failure.httpStatus,
          httpErrorMessage: HTTP_TEXT[op.failure.httpStatus] ?? "ERROR",
          error: {
            errors: [
              {
                code: op.failure.code,
                message: op.failure.message,
                ...(op.failure.details ? { errorDetails: op.failure.details } : {}),
              },
            ],
          },
        }
      : {}),
  };
}
