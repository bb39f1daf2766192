/**
 * `scaleset status`: a running scaler's /status, readable by a person. Pure: takes the JSON and
 * the current time, returns text. Tolerant: a field a different version does not send is skipped.
 */

import { renderSpend } from "./status-spend.js";

type Json = Record<string, unknown>;

const obj = (v: unknown): Json => (typeof v === "object" && v !== null ? (v as Json) : {});
const num = (v: unknown): number | undefined =>
  typeof v === "number" && Number.isFinite(v) ? v : undefined;
const text = (v: unknown): string | undefined => (typeof v === "string" && v ? v : undefined);

/** 3s, 4m 05s, 2h 13m, 3d 4h. */
export function formatAge(ms: number): string {
  const s = Math.max(0, Math.floor(ms / 1000));
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m ${String(s % 60).padStart(2, "0")}s`;
  const h = Math.floor(m / 60);
  if (h < 48) return `${h}h ${String(m % 60).padStart(2, "0")}m`;
  return `${Math.floor(h / 24)}d ${h % 24}h`;
}

const RUNNER_STATES = ["pending", "booting", "idle", "busy", "deleting"] as const;

export function renderStatus(status: unknown, now: number): string {
  const root = obj(status);
  const lines: string[] = [];
  const started = text(root.startedAt);
  const head = [`scaleset ${text(root.version) ?? "?"}`];
  if (text(root.owner)) head.push(`owner ${text(root.owner)}`);
  if (started) head.push(`up ${formatAge(now - Date.parse(started))}`);
  lines.push(head.join(" · "));
  const sets = Array.isArray(root.scalesets) ? root.scalesets : [];
  if (sets.length === 0) lines.push("", "no scale sets");
  for (const set of sets) lines.push("", ...renderScaleSet(obj(set), now));
  return `${lines.join("\n")}\n`;
}

type Row = (label: string, value: string) => void;

function renderScaleSet(set: Json, now: number): string[] {
  const out = [`${text(set.name) ?? "?"} (${text(set.engine) ?? "?"})`];
  const row: Row = (label, value) => out.push(`  ${label.padEnd(9)} ${value}`);
  renderWork(set, now, row);
  renderSpend(set, now, row);
  renderErrors(obj(set.listener), now, row);
  return out;
}

/** Listener, jobs, runners and creates. */
function renderWork(set: Json, now: number, row: Row): void {
  const listener = obj(set.listener);
  const scaler = obj(set.scaler);

  const listen = [text(listener.phase) ?? "unknown"];
  const opened = num(listener.sessionOpenedAt);
  if (opened) listen.push(`session ${formatAge(now - opened)}`);
  else if (text(listener.sessionId)) listen.push("session open");
  const lastPoll = num(listener.lastPollAt);
  listen.push(lastPoll ? `last poll ${formatAge(now - lastPoll)} ago` : "no poll yet");
  if (num(listener.restarts)) listen.push(`${listener.restarts} restarts`);
  if (num(listener.droppedMessages)) listen.push(`${listener.droppedMessages} messages dropped`);
  row("listener", listen.join(" · "));

  const stats = obj(listener.statistics);
  const assigned = num(stats.totalAssignedJobs);
  const running = num(stats.totalRunningJobs);
  const jobs: string[] = [];
  if (assigned !== undefined && running !== undefined)
    jobs.push(`waiting ${Math.max(0, assigned - running)}`, `running ${running}`);
  if (num(scaler.jobsCompleted) !== undefined) jobs.push(`done ${scaler.jobsCompleted}`);
  row("jobs", jobs.length ? jobs.join(" · ") : "no statistics yet");

  if (Object.keys(scaler).length === 0) {
    row("runners", "scaler not started (no session yet)");
    return;
  }
  const runners = obj(scaler.runners);
  const counts = RUNNER_STATES.map((s) => `${s} ${num(runners[s]) ?? 0}`).join(" · ");
  row("runners", `${counts} (desired ${num(scaler.desired) ?? "?"})`);
  if (num(scaler.stoppedMachines))
    row("stopped", `${scaler.stoppedMachines} machines powered off, not yet deleted`);

  const backoff = obj(scaler.createBackoff);
  const blocked = num(backoff.blockedForMs) ?? 0;
  const failures = num(backoff.consecutiveFailures) ?? 0;
  const bootFailures = num(backoff.consecutiveBootFailures) ?? 0;
  if (blocked > 0 || failures > 0 || bootFailures > 0) {
    const parts = [blocked > 0 ? `backing off, next try in ${formatAge(blocked)}` : "retrying"];
    if (failures) parts.push(`${failures} failed creates`);
    if (bootFailures) parts.push(`${bootFailures} boot failures`);
    row("creates", parts.join(" · "));
  } else {
    row("creates", "ok");
  }
  const last = obj(backoff.lastFailure);
  if (text(last.code)) {
    const at = num(last.at);
    row(
      "last err",
      `${text(last.code)}${at ? ` (${formatAge(now - at)} ago)` : ""}: ${text(last.message) ?? ""}`,
    );
    if (text(last.fix)) row("fix", text(last.fix) ?? "");
  }
}

/** The listener's recent errors, newest first: what went wrong lately, even while it recovered. */
function renderErrors(listener: Json, now: number, row: Row): void {
  const errors = Array.isArray(listener.recentErrors) ? listener.recentErrors.map(obj) : [];
  errors.reverse().forEach((error, i) => {
    const at = num(error.at);
    const when = at ? ` (${formatAge(now - at)} ago)` : "";
    row(
      i === 0 ? "errors" : "",
      `${text(error.source) ?? "?"}${when}: ${text(error.message) ?? ""}`,
    );
  });
}
