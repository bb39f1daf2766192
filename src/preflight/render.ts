import type { CheckStatus, PreflightReport } from "./types.js";

/** The report as a table per section, and as JSON for scripts. */

export const SYMBOLS: Record<CheckStatus, string> = { ok: "✓", fail: "✗", warn: "!", skip: "–" };

export function renderReport(report: PreflightReport): string {
  const width = Math.max(0, ...report.sections.flatMap((s) => s.checks.map((c) => c.name.length)));
  const lines: string[] = [];
  for (const section of report.sections) {
    if (section.checks.length === 0) continue;
    lines.push(section.subtitle ? `${section.title}  ·  ${section.subtitle}` : section.title);
    for (const check of section.checks) {
      lines.push(`  ${SYMBOLS[check.status]} ${check.name.padEnd(width)}  ${check.detail}`);
      if (check.fix && check.status !== "ok") {
        // A check not made has no fault to fix: the line says how to make it by hand.
        const label = check.status === "skip" ? "check" : "fix";
        lines.push(`    ${" ".repeat(width)}  → ${label}: ${check.fix}`);
      }
    }
    lines.push("");
  }
  lines.push(summaryLine(report));
  return `${lines.join("\n")}\n`;
}

export function summaryLine(report: PreflightReport): string {
  const { fail, warn, ok, skip } = report.counts;
  const parts = [
    `${fail} failed`,
    `${warn} warning${warn === 1 ? "" : "s"}`,
    `${ok} passed`,
    ...(skip > 0 ? [`${skip} not checked`] : []),
  ];
  return `validate: ${parts.join(", ")} — ${(report.elapsedMs / 1000).toFixed(1)} s`;
}

/** One line per failed check, for stderr: what a script's log keeps. */
export function failureLines(report: PreflightReport): string[] {
  return report.sections.flatMap((section) =>
    section.checks
      .filter((c) => c.status === "fail")
      .map((c) => `✗ ${section.title} / ${c.name}: ${c.detail}`),
  );
}

export function reportJson(report: PreflightReport, exitCode: number): string {
  return `${JSON.stringify({ ok: exitCode === 0, exitCode, ...report }, null, 2)}\n`;
}
