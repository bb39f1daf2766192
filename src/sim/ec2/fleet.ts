import { randomBytes } from "node:crypto";
import type { InstanceStateName, SimInstance } from "./instance.js";

/** What runs inside a simulated VM once it booted: the runner, from its JIT config. */
export type VmRunner = (jitConfig: string, signal: AbortSignal) => Promise<unknown>;

export interface FleetOptions {
  bootDelayMs: number;
  /** shutting-down → terminated, stopping → stopped. */
  shutdownDelayMs: number;
  /** How long a terminated instance stays visible in Describe (EC2: about an hour). */
  terminatedRetentionMs: number;
  runVm: VmRunner;
  onVmError?: (instanceId: string, error: unknown) => void;
}

/** The user data marker the runner AMI's boot service looks for (see packer/ and the engine). */
const JIT_MARKER = "#scaleset-jit-config";
const EXPIRES_AT_TAG = "scaleset-expires-at";

/**
 * The instances of the fake and their lives: pending → running after a boot delay; then the VM
 * does what the runner AMI's boot service does — reads its user data, runs the runner, and powers
 * off when the runner exits or when `scaleset-expires-at` (read from instance-metadata tags) has
 * passed. A power-off with shutdown behaviour "terminate" terminates the instance.
 */
export class Fleet {
  readonly byId = new Map<string, SimInstance>();
  readonly #power = new Map<string, AbortController>();
  readonly #timers = new Set<NodeJS.Timeout>();
  readonly #options: FleetOptions;
  #stopped = false;

  constructor(options: FleetOptions) {
    this.#options = options;
  }

  static newId(prefix: string): string {
    return `${prefix}-${randomBytes(9).toString("hex").slice(0, 17)}`;
  }

  add(instance: SimInstance): void {
    this.byId.set(instance.id, instance);
    this.#power.set(instance.id, new AbortController());
    this.#after(this.#options.bootDelayMs, () => this.#boot(instance));
  }

  /** Terminated instances still visible are included, like EC2's Describe. */
  all(): SimInstance[] {
    return [...this.byId.values()];
  }

  /** TerminateInstances: returns the state before. */
  terminate(instance: SimInstance, reason: string): InstanceStateName {
    const previous = instance.state;
    if (previous === "shutting-down" || previous === "terminated") return previous;
    this.#powerOff(instance);
    this.#transition(instance, "shutting-down", "terminated", reason);
    return previous;
  }

  /** The OS powered off (`shutdown -h`): terminate or stop, as the launch asked. */
  shutdownFromInside(instance: SimInstance, reason = "Client.InstanceInitiatedShutdown"): void {
    if (instance.state !== "running" && instance.state !== "pending") return;
    this.#powerOff(instance);
    if (instance.shutdownBehavior === "terminate") {
      this.#transition(instance, "shutting-down", "terminated", reason);
    } else {
      this.#transition(instance, "stopping", "stopped", reason);
    }
  }

  /** StopInstances from outside (an operator, a scheduled retirement): stopped whatever the behaviour. */
  stopFromOutside(instance: SimInstance): void {
    if (instance.state !== "running" && instance.state !== "pending") return;
    this.#powerOff(instance);
    this.#transition(instance, "stopping", "stopped", "Client.UserInitiatedShutdown");
  }

  /**
   * EC2 interrupts a spot instance (interruption behaviour terminate): the guest gets no more
   * time — its runner dies mid-job — and the instance goes shutting-down → terminated with the
   * state reason `Server.SpotInstanceTermination`.
   */
  interruptSpot(instance: SimInstance): void {
    if (instance.market !== "spot") {
      throw new Error(`EC2 fake: ${instance.id} is not a spot instance; only spot is interrupted`);
    }
    if (instance.state !== "running" && instance.state !== "pending") return;
    this.#powerOff(instance);
    instance.stateMessage = "Server.SpotInstanceTermination: Spot instance termination";
    this.#transition(instance, "shutting-down", "terminated", "Server.SpotInstanceTermination");
  }

  /**
   * The guest froze (kernel hang, wedged init): nothing inside runs any more — not the runner,
   * not the scheduled power-off — and EC2, which only sees the hypervisor, keeps it running.
   */
  hang(instance: SimInstance): void {
    if (instance.state !== "running") return;
    instance.vm = "hung";
    this.#power.get(instance.id)?.abort(new Error("guest hung"));
  }

  stop(): void {
    this.#stopped = true;
    for (const timer of this.#timers) clearTimeout(timer);
    this.#timers.clear();
    for (const power of this.#power.values()) power.abort(new Error("EC2 fake stopped"));
  }

  #boot(instance: SimInstance): void {
    if (instance.state !== "pending") return;
    instance.state = "running";
    const power = this.#power.get(instance.id);
    if (!power) return;
    this.#scheduleExpiry(instance);
    const jitConfig = readJitConfig(instance.userData);
    if (jitConfig === undefined) {
      instance.vm = "idle"; // not a runner image: it just runs until terminated
      return;
    }
    instance.vm = "runner";
    this.#options
      .runVm(jitConfig, power.signal)
      .catch((error: unknown) => {
        if (!power.signal.aborted) this.#options.onVmError?.(instance.id, error);
      })
      .finally(() => {
        if (power.signal.aborted || this.#stopped) return;
        instance.vm = "exited";
        this.shutdownFromInside(instance);
      });
  }

  /** The boot service reads the deadline from instance-metadata tags, if the launch enabled them. */
  #scheduleExpiry(instance: SimInstance): void {
    const expiresAt = instance.tags[EXPIRES_AT_TAG];
    if (!expiresAt || instance.metadataOptions.InstanceMetadataTags !== "enabled") return;
    const at = Date.parse(expiresAt);
    if (Number.isNaN(at)) return;
    this.#after(Math.max(0, at - Date.now()), () => {
      if (instance.state !== "running" || instance.vm === "hung") return;
      instance.vm = "expired";
      this.shutdownFromInside(instance);
    });
  }

  #powerOff(instance: SimInstance): void {
    this.#power.get(instance.id)?.abort(new Error("instance powered off"));
    if (instance.vm === "runner" || instance.vm === "booting" || instance.vm === "idle") {
      instance.vm = "off";
    }
  }

  #transition(
    instance: SimInstance,
    via: InstanceStateName,
    to: InstanceStateName,
    reason: string,
  ): void {
    instance.state = via;
    instance.stateReason = reason;
    this.#after(this.#options.shutdownDelayMs, () => {
      instance.state = to;
      if (to !== "terminated") return;
      instance.terminatedAt = new Date();
      this.#power.delete(instance.id);
      this.#after(this.#options.terminatedRetentionMs, () => this.byId.delete(instance.id));
    });
  }

  #after(ms: number, fn: () => void): void {
    if (this.#stopped || ms > 2_147_483_647) return; // beyond setTimeout's range: never, here
    const timer = setTimeout(() => {
      this.#timers.delete(timer);
      fn();
    }, ms);
    this.#timers.add(timer);
  }
}

/** The second line of `#scaleset-jit-config` user data, or undefined for any other user data. */
function readJitConfig(userData: string | undefined): string | undefined {
  if (!userData) return undefined;
  const [marker, config] = userData.split("\n");
  if (marker?.trim() !== JIT_MARKER) return undefined;
  const trimmed = config?.trim();
  return trimmed ? trimmed : undefined;
}
