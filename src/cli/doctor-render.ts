/**
 * `scaleset doctor`'s report, readable by a person: per scale set its session, a table of
 * machines and one of registrations, then the problems with what `--fix` does about each.
 * Pure: takes the report, returns text.
 */
import { INFORMATIONAL, type Problem, type ScaleSetReport } from "./doctor-report.js";
import { formatAge } from "./status-render.js";

const SESSION_TEXT = {
  free: "free (no scaler holds it)",
  held: "held",
  unknown: "unknown",
  "no-scale-set": "none: the scale set does not exist on GitHub (it is created on the first run)",
} as const;

const FIX_TEXT: Record<Problem["fix"], string> = {
  "delete-machine": "--fix deletes the machine",
  "remove-registration": "--fix removes the registration",
  none: "left alone",
};

export function renderReport(report: ScaleSetReport): string {
  const id = report.scaleSetId === null ? "not on GitHub" : `GitHub id ${report.scaleSetId}`;
  const lines = [`${report.name} (${report.engine}) · deployment ${report.deployment} · ${id}`];
  const session = report.session;
  const detail = "detail" in session && session.detail ? ` — ${session.detail}` : "";
  lines.push(`  session        ${SESSION_TEXT[session.state]}${detail}`);

  lines.push(`  machines       ${report.machines.length || "none"}`);
  if (report.machines.length > 0) {
    const rows = report.machines.map((m) => [
      m.id,
      m.runner,
      m.state,
      formatAge(m.ageMs),
      m.scope === "this" ? "this" : m.scope === "unscoped" ? "(none)" : (m.deployment ?? "?"),
    ]);
    lines.push(...table(["MACHINE", "RUNNER", "STATE", "AGE", "DEPLOYMENT"], rows));
  }

  if (report.registrations === null) {
    lines.push(`  registrations  unknown — ${report.registrationsNote ?? "not listed"}`);
  } else {
    lines.push(`  registrations  ${report.registrations.length || "none"}`);
    const rows = report.registrations.map((r) => [
      r.name,
      String(r.id),
      [r.status ?? "status unknown", r.busy === null ? "" : r.busy ? "busy" : "idle"]
        .filter(Boolean)
        .join(", "),
      r.hasMachine ? "" : "no machine",
    ]);
    if (rows.length > 0) lines.push(...table(["RUNNER", "ID", "STATE", ""], rows));
  }

  const { problems } = report;
  const shown = problems.filter((p) => INFORMATIONAL.has(p.kind)).length;
  const count = problems.length - shown;
  lines.push(`  problems       ${count || "none"}${shown ? ` · ${shown} shown only` : ""}`);
  for (const p of problems) lines.push(`    ${p.kind.padEnd(16)} ${problemText(p)}`);
  return `${lines.join("\n")}\n`;
}

export function problemText(p: Problem): string {
  const subject =
    p.machine !== undefined
      ? `machine ${p.machine} (runner ${p.runner ?? "?"})`
      : p.runner !== undefined
        ? `registration ${p.runner} (id ${p.runnerId ?? "?"})`
        : "";
  return `${subject ? `${subject}: ` : ""}${p.detail} → ${FIX_TEXT[p.fix]}`;
}

/** Left-aligned columns, four spaces in, two between; trailing blanks trimmed. */
function table(head: string[], rows: string[][]): string[] {
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)));
  const line = (cells: string[]) =>
    `    ${cells.map((c, i) => c.padEnd(widths[i] ?? 0)).join("  ")}`.trimEnd();
  return [line(head), ...rows.map(line)];
}
