/**
 * `scaleset doctor [--config F] [--fix] [--json]`: per scale set, what exists right now
 * (machines of every deployment scope, registrations, whether a live scaler holds the session)
 * and what is wrong; `--fix` deletes what is orphaned, unless a scaler is live.
 *
 * Exit status: 0 nothing wrong (or everything fixed), 1 problems found or left after --fix
 * (including a scale set that could not be inspected), 2 config error, 3 --fix refused because
 * a scaler holds the session (or whether one does could not be learned).
 */
import { processOwnerName } from "../app/owner.js";
import type { ScaleSetConfig, ScalesetConfig } from "../config/types.js";
import type { Engine } from "../engines/engine.js";
import { createEngine } from "../engines/factory.js";
import { ActionsClient } from "../github/index.js";
import { createLogger } from "../logging/logger.js";
import { VERSION } from "../version.js";
import { loadCommandConfig } from "./bootstrap.js";
import { type FixAction, fixScaleSet } from "./doctor-fix.js";
import { type DoctorGitHub, inspectScaleSet } from "./doctor-inspect.js";
import { renderReport } from "./doctor-render.js";
import { INFORMATIONAL, type ScaleSetReport } from "./doctor-report.js";
import { messageOf } from "./doctor-session.js";

export const DOCTOR_EXIT = { ok: 0, problems: 1, refused: 3 } as const;

export interface ScaleSetResult {
  report: ScaleSetReport;
  /** Why --fix did nothing for this scale set. */
  refused?: string;
  actions: FixAction[];
  /** Problems still there (not informational, not fixed). */
  remaining: number;
}

export interface DoctorOptions {
  config: ScalesetConfig;
  github: DoctorGitHub;
  /** The engine of one scale set; closed by runDoctor after use. */
  engineFor(scaleSet: ScaleSetConfig): Promise<Engine>;
  fix: boolean;
  owner?: string;
  now?: () => number;
  /** Deadline of each engine list (default 60 s). */
  engineTimeoutMs?: number;
  /** Called once per scale set when it has been inspected, and as each fix is done. */
  onReport?: (result: ScaleSetResult) => void;
  onAction?: (action: FixAction) => void;
}

export async function runDoctor(
  o: DoctorOptions,
): Promise<{ scalesets: ScaleSetResult[]; exitCode: number }> {
  const now = o.now ?? Date.now;
  const owner = o.owner ?? `doctor-${processOwnerName()}`;
  const results: ScaleSetResult[] = [];
  for (const scaleSet of o.config.scalesets) {
    let engine: Engine | undefined;
    let result: ScaleSetResult;
    try {
      engine = await o.engineFor(scaleSet);
      const inspection = await inspectScaleSet({
        config: scaleSet,
        github: o.github,
        engine,
        owner,
        now,
        engineTimeoutMs: o.engineTimeoutMs ?? 60_000,
      });
      const refused = o.fix ? refusal(inspection.report) : undefined;
      result = {
        report: inspection.report,
        actions: [],
        remaining: 0,
        ...(refused && { refused }),
      };
      o.onReport?.(result);
      if (o.fix && !refused) {
        result.actions = await fixScaleSet(inspection, {
          github: o.github,
          engine,
          now,
          onAction: o.onAction,
        });
      }
    } catch (error) {
      result = { report: failedReport(scaleSet, engine, error), actions: [], remaining: 0 };
      o.onReport?.(result);
    } finally {
      await engine?.close().catch(() => undefined);
    }
    const done = new Set(result.actions.filter((a) => a.outcome === "done").map((a) => a.target));
    result.remaining = result.report.problems.filter(
      (p) => !INFORMATIONAL.has(p.kind) && !done.has(p.machine ?? p.runner ?? ""),
    ).length;
    results.push(result);
  }
  const exitCode = results.some((r) => r.refused)
    ? DOCTOR_EXIT.refused
    : results.some((r) => r.remaining > 0)
      ? DOCTOR_EXIT.problems
      : DOCTOR_EXIT.ok;
  return { scalesets: results, exitCode };
}

/** Why --fix must not act: a scaler may be working on these very machines. */
function refusal(report: ScaleSetReport): string | undefined {
  const { session } = report;
  if (session.state === "held")
    return `a live scaler holds the session of ${report.name} — stop it or run doctor without --fix (a scaler killed minutes ago holds it until GitHub releases it)`;
  if (session.state === "unknown")
    return `could not tell whether a scaler holds the session of ${report.name} (${session.detail}) — not fixing`;
  return undefined;
}

function failedReport(
  scaleSet: ScaleSetConfig,
  engine: Engine | undefined,
  error: unknown,
): ScaleSetReport {
  return {
    name: scaleSet.name,
    engine: engine?.type ?? scaleSet.engine.type,
    deployment: scaleSet.deployment,
    scaleSetId: null,
    session: { state: "unknown", detail: "not inspected" },
    machines: [],
    registrations: null,
    problems: [
      { kind: "inspect-failed", fix: "none", detail: `could not inspect: ${messageOf(error)}` },
    ],
  };
}

/** The CLI command: config and clients, then runDoctor, printed as text or JSON. */
export async function doctorCommand(
  args: Record<string, unknown>,
  out: NodeJS.WritableStream = process.stdout,
): Promise<number> {
  const loaded = await loadCommandConfig(args);
  if (typeof loaded === "number") return loaded;
  const { config } = loaded;
  const json = args.json === true;
  const fix = args.fix === true;
  // Warnings of the engines (a refused credential…) go to stderr; the report to stdout.
  const logger = createLogger({
    level: "warn",
    format: config.logging.format,
    destination: process.stderr,
  });
  const owner = `doctor-${processOwnerName()}`;
  const github = new ActionsClient({
    configUrl: config.github.url,
    credentials: config.github.credentials,
    userAgent: { system: "scaleset", version: VERSION, subsystem: "doctor" },
    retry: { maxRetries: 2 },
    deadlines: { api: 20_000 },
  });
  const write = (text: string) => {
    if (!json) out.write(text);
  };
  try {
    const result = await runDoctor({
      config,
      github,
      fix,
      owner,
      engineFor: (scaleSet) =>
        createEngine(scaleSet.engine, {
          scaleSetName: scaleSet.name,
          owner,
          deployment: scaleSet.deployment,
          logger: logger.child({ scaleSet: scaleSet.name }),
        }),
      onReport: (r) => {
        write(`${renderReport(r.report)}`);
        if (r.refused) write(`  --fix refused: ${r.refused}\n`);
        else if (fix && r.report.problems.some((p) => p.fix !== "none")) write("  fix\n");
      },
      onAction: (action) => {
        for (const line of action.lines) write(`    ${line}\n`);
      },
    });
    if (json) out.write(`${JSON.stringify(result, null, 2)}\n`);
    else write(`\n${summary(result.scalesets, fix)}\n`);
    return result.exitCode;
  } finally {
    await github.close();
  }
}

function summary(results: ScaleSetResult[], fix: boolean): string {
  const refused = results.filter((r) => r.refused).length;
  const remaining = results.reduce((n, r) => n + r.remaining, 0);
  const fixed = results.reduce(
    (n, r) => n + r.actions.filter((a) => a.outcome === "done").length,
    0,
  );
  const parts = [`${results.length} scale set(s)`];
  if (fix) parts.push(`${fixed} fixed`);
  parts.push(remaining === 0 ? "nothing wrong" : `${remaining} problem(s)${fix ? " left" : ""}`);
  const fixable = results.some((r) => r.report.problems.some((p) => p.fix !== "none"));
  if (refused) parts.push(`--fix refused for ${refused}`);
  else if (!fix && fixable) parts.push("--fix deletes what is orphaned");
  return parts.join(" · ");
}
