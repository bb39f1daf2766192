/**
 * The preflight's vocabulary: a check's result, the sections of the report, and the groups of
 * checks the runner runs concurrently. Every check reads; none creates anything.
 */

/** ok ✓, fail ✗ (exit 1), warn ! (exit 0), skip – (not checked, and why). */
export type CheckStatus = "ok" | "fail" | "warn" | "skip";

export interface CheckResult {
  name: string;
  status: CheckStatus;
  /** What was found; never a secret (the runner masks known ones as a last resort). */
  detail: string;
  /** For fail and warn: the exact fix (a permission, a command, a config field). */
  fix?: string;
  /** Material for a human to act on that is too long for the table (JSON output only). */
  evidence?: string;
}

/** Limits every group works within. */
export interface PreflightContext {
  /** Ms one outbound call may take; the call is aborted after it. */
  callTimeoutMs: number;
  /** Aborted when the whole run's budget is spent. */
  signal: AbortSignal;
  now: () => Date;
  env: NodeJS.ProcessEnv;
}

/** A unit of checks that runs as one task: it may call out in sequence and in parallel. */
export interface CheckGroup {
  /** Index into the report's sections. */
  section: number;
  /** Names a group that did not finish, in the budget-exceeded line. */
  label: string;
  run(ctx: PreflightContext): Promise<CheckResult[]>;
}

export interface ReportSection {
  title: string;
  /** e.g. "gcp · project acme-ci" or the GitHub URL. */
  subtitle?: string;
  checks: CheckResult[];
}

export interface PreflightReport {
  sections: ReportSection[];
  elapsedMs: number;
  counts: Record<CheckStatus, number>;
}

export const ok = (name: string, detail: string): CheckResult => ({ name, status: "ok", detail });
export const fail = (name: string, detail: string, fix?: string): CheckResult => ({
  name,
  status: "fail",
  detail,
  ...(fix ? { fix } : {}),
});
export const warn = (name: string, detail: string, fix?: string): CheckResult => ({
  name,
  status: "warn",
  detail,
  ...(fix ? { fix } : {}),
});
export const skip = (name: string, detail: string, fix?: string): CheckResult => ({
  name,
  status: "skip",
  detail,
  ...(fix ? { fix } : {}),
});

/** The message of anything thrown, on one line. */
export function errorText(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  return text.replace(/\s+/g, " ").trim();
}
