import type { RouteKind, RouteName } from "./route-names.js";

/** Scripted failures. Every fault that actually fires is counted in `applied`. */

export type FaultName =
  | "sessionConflicts"
  | "expireQueueTokens"
  | "expireAdminTokens"
  | "serverErrors"
  | "emptyOkPolls"
  | "slow"
  | "registrationAuthFailures"
  | "deleteScaleSet"
  | "jitFailures"
  | "blindAgentListings"
  | "agentsWithoutStatus"
  | "holds"
  | "poisonMessages"
  | "registrationTokenDenials";

export const FAULT_NAMES: readonly FaultName[] = [
  "sessionConflicts",
  "expireQueueTokens",
  "expireAdminTokens",
  "serverErrors",
  "emptyOkPolls",
  "slow",
  "registrationAuthFailures",
  "deleteScaleSet",
  "jitFailures",
  "blindAgentListings",
  "agentsWithoutStatus",
  "holds",
  "poisonMessages",
  "registrationTokenDenials",
];

/**
 * How the undocumented unfiltered runner listing (`GET …/agents` without `agentName`) answers:
 * `full` (every runner), `empty` (an empty page, as if there were none) or `error` (500).
 * Filtered by name and by id always answer truthfully.
 */
export type AgentListingMode = "full" | "empty" | "error";

export interface FaultInjector {
  /** The next n session creates answer 409 conflict, even when no session exists. */
  sessionConflicts(n: number): void;
  /** Every current message-queue token becomes invalid (next queue call → 401). */
  expireQueueTokens(): void;
  /** Every admin token issued so far becomes invalid (next Actions call → 401). */
  expireAdminTokens(): void;
  /**
   * The next n Actions-service/broker requests (or requests to `routes`, any kind) answer `status`,
   * with a Retry-After header when `retryAfterSeconds` is given.
   */
  serverErrors(n: number, status?: number, routes?: RouteName[], retryAfterSeconds?: number): void;
  /** The next n GET message answer 200 with an empty body. */
  emptyOkPolls(n: number): void;
  /** The next n API responses (or only those of `routes`) are delayed by `ms`. */
  slow(ms: number, n: number, routes?: RouteName[]): void;
  /** The next n runner-registration calls answer 401. */
  registrationAuthFailures(n: number): void;
  /** The scale set vanishes server-side (like GitHub's cleanup of idle scale sets). */
  deleteScaleSet(id: number): void;
  /** The next n generatejitconfig calls answer `status` (default 500). */
  jitFailures(n: number, status?: number): void;
  /** Until changed: how the unfiltered runner listing answers (default `full`). */
  agentListing(mode: AgentListingMode): void;
  /** Until changed: whether agent objects carry `status` and `busy` (default true). */
  agentStatus(present: boolean): void;
  /**
   * The next n requests to any of `routes` get no answer at all: held open until the client
   * gives up or the sim stops (a proxy or broker that hangs).
   */
  hold(routes: RouteName[], n?: number): void;
  /**
   * The next n messages the broker hands out carry a corrupt inner `body`, on every delivery
   * until acked (a poison message). Counted per corrupt delivery.
   */
  poisonMessages(n: number): void;
  /**
   * Until changed: registration-token calls answer `status` (403 or 404; 0 turns it off), as
   * GitHub does when the credential may not manage runners of the URL's scope.
   */
  denyRegistrationTokens(status: 0 | 403 | 404): void;
  /** How often each fault fired. */
  readonly applied: Readonly<Record<FaultName, number>>;
  /** Drops every pending fault (counts are kept). */
  clear(): void;
}

export interface FaultHooks {
  expireQueueTokens(): void;
  expireAdminTokens(): void;
  deleteScaleSet(id: number): void;
}

interface ServerErrorBudget {
  remaining: number;
  status: number;
  routes: readonly RouteName[] | undefined;
  retryAfterSeconds: number | undefined;
}

export interface ServerErrorFault {
  status: number;
  retryAfterSeconds: number | undefined;
}

type CountedFault =
  | "sessionConflicts"
  | "emptyOkPolls"
  | "registrationAuthFailures"
  | "jitFailures"
  | "poisonMessages";

export class Faults implements FaultInjector {
  readonly applied: Record<FaultName, number>;
  #pending: Record<CountedFault, number> = {
    sessionConflicts: 0,
    emptyOkPolls: 0,
    registrationAuthFailures: 0,
    jitFailures: 0,
    poisonMessages: 0,
  };
  #jitFailureStatus = 500;
  #holds: Array<{ routes: readonly RouteName[]; remaining: number }> = [];
  #agentListing: AgentListingMode = "full";
  #agentStatus = true;
  #registrationDenied: 0 | 403 | 404 = 0;
  #slowMs = 0;
  #slowRemaining = 0;
  #slowRoutes: readonly RouteName[] | undefined;
  #serverErrors: ServerErrorBudget[] = [];
  readonly #hooks: FaultHooks;

  constructor(hooks: FaultHooks) {
    this.#hooks = hooks;
    this.applied = Object.fromEntries(FAULT_NAMES.map((n) => [n, 0])) as Record<FaultName, number>;
  }

  sessionConflicts(n: number): void {
    this.#pending.sessionConflicts += count(n);
  }
  expireQueueTokens(): void {
    this.applied.expireQueueTokens++;
    this.#hooks.expireQueueTokens();
  }
  expireAdminTokens(): void {
    this.applied.expireAdminTokens++;
    this.#hooks.expireAdminTokens();
  }
  serverErrors(n: number, status = 503, routes?: RouteName[], retryAfterSeconds?: number): void {
    if (!Number.isInteger(status) || status < 500 || status > 599) {
      throw new RangeError("serverErrors status must be 5xx");
    }
    this.#serverErrors.push({ remaining: count(n), status, routes, retryAfterSeconds });
  }
  emptyOkPolls(n: number): void {
    this.#pending.emptyOkPolls += count(n);
  }
  slow(ms: number, n: number, routes?: RouteName[]): void {
    this.#slowMs = Math.max(0, ms);
    this.#slowRemaining = count(n);
    this.#slowRoutes = routes;
  }
  registrationAuthFailures(n: number): void {
    this.#pending.registrationAuthFailures += count(n);
  }
  deleteScaleSet(id: number): void {
    this.applied.deleteScaleSet++;
    this.#hooks.deleteScaleSet(id);
  }
  jitFailures(n: number, status = 500): void {
    if (!Number.isInteger(status) || status < 400 || status > 599) {
      throw new RangeError("jitFailures status must be 4xx or 5xx");
    }
    this.#pending.jitFailures += count(n);
    this.#jitFailureStatus = status;
  }
  agentListing(mode: AgentListingMode): void {
    if (mode !== "full" && mode !== "empty" && mode !== "error") {
      throw new RangeError("agentListing mode must be full, empty or error");
    }
    this.#agentListing = mode;
  }
  agentStatus(present: boolean): void {
    this.#agentStatus = present;
  }
  hold(routes: RouteName[], n = 1): void {
    if (routes.length === 0) throw new RangeError("hold needs at least one route");
    const remaining = count(n);
    if (remaining > 0) this.#holds.push({ routes: [...routes], remaining });
  }
  poisonMessages(n: number): void {
    this.#pending.poisonMessages += count(n);
  }
  denyRegistrationTokens(status: 0 | 403 | 404): void {
    if (status !== 0 && status !== 403 && status !== 404) {
      throw new RangeError("denyRegistrationTokens status must be 0, 403 or 404");
    }
    this.#registrationDenied = status;
  }
  clear(): void {
    this.#registrationDenied = 0;
    this.#holds = [];
    this.#agentListing = "full";
    this.#agentStatus = true;
    for (const key of Object.keys(this.#pending) as CountedFault[]) this.#pending[key] = 0;
    this.#slowRemaining = 0;
    this.#serverErrors = [];
  }

  // --- consumed by the routes: each says whether (or how) the fault fires now ---

  takeServerError(route: RouteName, kind: RouteKind): ServerErrorFault | undefined {
    const index = this.#serverErrors.findIndex((b) =>
      b.routes ? b.routes.includes(route) : kind === "actions" || kind === "broker",
    );
    const budget = this.#serverErrors[index];
    if (!budget) return undefined;
    budget.remaining--;
    if (budget.remaining <= 0) this.#serverErrors.splice(index, 1);
    this.applied.serverErrors++;
    return { status: budget.status, retryAfterSeconds: budget.retryAfterSeconds };
  }
  takeSlowMs(route: RouteName): number {
    if (this.#slowRemaining <= 0) return 0;
    if (this.#slowRoutes && !this.#slowRoutes.includes(route)) return 0;
    this.#slowRemaining--;
    this.applied.slow++;
    return this.#slowMs;
  }
  /** True when this request to `route` must be held open without an answer. */
  takeHold(route: RouteName): boolean {
    const index = this.#holds.findIndex((h) => h.routes.includes(route));
    const budget = this.#holds[index];
    if (!budget) return false;
    budget.remaining--;
    if (budget.remaining <= 0) this.#holds.splice(index, 1);
    this.applied.holds++;
    return true;
  }
  /** Status a registration-token call must answer with, or 0 (counted when it fires). */
  takeRegistrationDenial(): 0 | 403 | 404 {
    if (this.#registrationDenied !== 0) this.applied.registrationTokenDenials++;
    return this.#registrationDenied;
  }
  /** Whether a message handed out for the first time becomes a poison message. */
  takePoisonMessage(): boolean {
    if (this.#pending.poisonMessages <= 0) return false;
    this.#pending.poisonMessages--;
    return true;
  }
  /** Counts one delivery of a poison message. */
  poisonDelivered(): void {
    this.applied.poisonMessages++;
  }
  takeSessionConflict(): boolean {
    return this.#take("sessionConflicts");
  }
  takeEmptyOkPoll(): boolean {
    return this.#take("emptyOkPolls");
  }
  takeRegistrationAuthFailure(): boolean {
    return this.#take("registrationAuthFailures");
  }
  /** How the unfiltered listing answers now (counted when it is not `full`). */
  takeAgentListing(): AgentListingMode {
    if (this.#agentListing !== "full") this.applied.blindAgentListings++;
    return this.#agentListing;
  }
  /** False when agent objects must lack `status`/`busy` (counted per answer). */
  takeAgentStatus(): boolean {
    if (!this.#agentStatus) this.applied.agentsWithoutStatus++;
    return this.#agentStatus;
  }
  /** Status to answer, or 0 when the JIT call should succeed. */
  takeJitFailure(): number {
    return this.#take("jitFailures") ? this.#jitFailureStatus : 0;
  }

  #take(name: CountedFault): boolean {
    if (this.#pending[name] <= 0) return false;
    this.#pending[name]--;
    this.applied[name]++;
    return true;
  }
}

function count(n: number): number {
  if (!Number.isInteger(n) || n < 0) throw new RangeError("fault count must be an integer >= 0");
  return n;
}
