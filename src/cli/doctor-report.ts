/** What `scaleset doctor` reports per scale set: the data behind its text and its `--json`. */
import type { Machine } from "../engines/engine.js";
import type { MachineDeleteReason } from "../scaler/reconcile-plan.js";
import type { SessionProbe } from "./doctor-session.js";

export type ProblemKind =
  | MachineDeleteReason
  | "no-machine"
  | "other-deployment"
  | "unscoped-unregistered"
  | "other-scale-set"
  | "unconfirmed"
  | "inspect-failed";

/** What `--fix` does about a problem; `none`: shown only, never touched. */
export type FixKind = "delete-machine" | "remove-registration" | "none";

export interface Problem {
  kind: ProblemKind;
  fix: FixKind;
  /** Machine id, for machine problems. */
  machine?: string;
  runner?: string;
  runnerId?: number;
  /** Why, in words: "no registration (confirmed by name)". */
  detail: string;
}

export interface MachineRow {
  id: string;
  runner: string;
  state: Machine["state"];
  createdAt: string;
  ageMs: number;
  /** The machine's deployment label; null when it has none (a version before scopes). */
  deployment: string | null;
  scope: "this" | "unscoped" | "other";
  location?: string;
}

export interface RegistrationRow {
  name: string;
  id: number;
  /** "online" / "offline" when GitHub said so (not in its SDK's types: may be absent). */
  status: string | null;
  busy: boolean | null;
  hasMachine: boolean;
}

export interface ScaleSetReport {
  name: string;
  engine: string;
  deployment: string;
  /** GitHub's id for the scale set; null when it does not exist there (never run). */
  scaleSetId: number | null;
  session: SessionProbe;
  machines: MachineRow[];
  /** Null when GitHub's listing failed or cannot be trusted (see `registrationsNote`). */
  registrations: RegistrationRow[] | null;
  registrationsNote?: string;
  problems: Problem[];
}

/** Problems that are only shown: another deployment's machines are not this one's business. */
export const INFORMATIONAL: ReadonlySet<ProblemKind> = new Set(["other-deployment"]);
