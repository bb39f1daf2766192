import { DEFAULT_MESSAGES, Ec2SimError } from "./errors.js";

/** Fails launches that match: a stockout of one type, one subnet or AZ, or the spot market. */
export interface LaunchFaultRule {
  /** EC2 code to answer with; InsufficientInstanceCapacity unless set. */
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
}

interface ApiFault {
  action?: string;
  code: string;
  status?: number;
  times: number;
}

/** Fault injection for the EC2 fake. Every field can be changed while the fake runs. */
export class Ec2SimFaults {
  readonly launchRules: LaunchFaultRule[] = [];
  readonly #api: ApiFault[] = [];
  /** Ms every response is held back after the request was processed (a slow API). */
  latencyMs = 0;
  /** The next n requests are never processed nor answered: the client must time out. */
  hangRequests = 0;

  /** Launches matching `rule` fail (capacity, quota, spot, unsupported). */
  failLaunches(rule: LaunchFaultRule): void {
    this.launchRules.push({ ...rule });
  }

  /** The next `times` requests (of `action`, or any) fail with `code`. */
  failNext(code: string, times = 1, opts: { action?: string; status?: number } = {}): void {
    this.#api.push({ code, times, action: opts.action, status: opts.status });
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
    return new Ec2SimError(fault.code, DEFAULT_MESSAGES[fault.code] ?? fault.code, fault.status);
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
    const code = rule.code ?? "InsufficientInstanceCapacity";
    const message =
      code === "InsufficientInstanceCapacity"
        ? `We currently do not have sufficient ${launch.instanceType} capacity in the Availability Zone you requested (${launch.availabilityZone}).`
        : (DEFAULT_MESSAGES[code] ?? code);
    return new Ec2SimError(code, message);
  }
}
