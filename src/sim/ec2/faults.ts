import { catalogueError, type Ec2SimError, knownCode } from "./errors.js";

/** Fails launches that match: a stockout of one type, one subnet or AZ, or the spot market. */
export interface LaunchFaultRule {
  /** EC2 code to answer with (one of EC2_ERRORS); InsufficientInstanceCapacity unless set. */
  code?: string;
  instanceType?: string;
  subnetId?: string;
  availabilityZone?: string;
  market?: "spot" | "on-demand";
  /** How many launches it fails; until cleared when unset. */
  times?: number;
}

export interface LaunchContext {
  instanceType: string;
  subnetId?: string;
  availabilityZone: string;
  market: "spot" | "on-demand";
  /** The region's other AZs, which EC2 names in capacity messages. */
  otherZones: string[];
}

interface ApiFault {
  action?: string;
  code: string;
  times: number;
}

/**
 * Fault injection for the EC2 fake. Every field can be changed while the fake runs. Codes must be
 * in EC2_ERRORS: each is answered with the HTTP status and wording EC2 uses for it.
 */
export class Ec2SimFaults {
  readonly launchRules: LaunchFaultRule[] = [];
  readonly #api: ApiFault[] = [];
  /** Ms every response is held back after the request was processed (a slow API). */
  latencyMs = 0;
  /** The next n requests are never processed nor answered: the client must time out. */
  hangRequests = 0;

  /** Launches matching `rule` fail (capacity, quota, spot, unsupported, subnet full…). */
  failLaunches(rule: LaunchFaultRule): void {
    if (rule.code) knownCode(rule.code);
    this.launchRules.push({ ...rule });
  }

  /** The next `times` requests (of `action`, or any) fail with `code`. */
  failNext(code: string, times = 1, opts: { action?: string } = {}): void {
    this.#api.push({ code: knownCode(code), times, action: opts.action });
  }

  /** The next `times` requests get `503 RequestLimitExceeded`. */
  throttle(times = 1, action?: string): void {
    this.failNext("RequestLimitExceeded", times, { action });
  }

  clear(): void {
    this.launchRules.length = 0;
    this.#api.length = 0;
    this.latencyMs = 0;
    this.hangRequests = 0;
  }

  /** Consumes and returns the API-level fault for this request, if any. */
  takeApiFault(action: string): Ec2SimError | undefined {
    const fault = this.#api.find((f) => f.times > 0 && (!f.action || f.action === action));
    if (!fault) return undefined;
    fault.times--;
    if (fault.times === 0) this.#api.splice(this.#api.indexOf(fault), 1);
    return catalogueError(fault.code, { action });
  }

  /** Consumes and returns the launch fault for this launch, if any. */
  takeLaunchFault(launch: LaunchContext): Ec2SimError | undefined {
    const rule = this.launchRules.find(
      (r) =>
        (r.times === undefined || r.times > 0) &&
        (!r.instanceType || r.instanceType === launch.instanceType) &&
        (!r.subnetId || r.subnetId === launch.subnetId) &&
        (!r.availabilityZone || r.availabilityZone === launch.availabilityZone) &&
        (!r.market || r.market === launch.market),
    );
    if (!rule) return undefined;
    if (rule.times !== undefined) rule.times--;
    return catalogueError(rule.code ?? "InsufficientInstanceCapacity", {
      action: "RunInstances",
      ...launch,
    });
  }
}
