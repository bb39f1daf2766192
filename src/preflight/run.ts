import type { ScaleSetConfig, ScalesetConfig } from "../config/types.js";
import { redactSecrets } from "../github/errors.js";
import { resolveTelemetrySettings } from "../telemetry/settings.js";
import { githubChecks } from "./github.js";
import { hostChecks } from "./host.js";
import type {
  CheckGroup,
  CheckResult,
  CheckStatus,
  PreflightContext,
  PreflightReport,
  ReportSection,
} from "./types.js";

/**
 * Runs every check group concurrently, each call under its own deadline, the whole run under a
 * budget: a group still running when the budget is spent is reported as failed (its calls are
 * aborted through the context's signal). Cloud SDKs load only for the engines the config uses.
 */

export interface PreflightOptions {
  /** Ms one outbound call may take. */
  callTimeoutMs: number;
  /** Ms the whole run may take. */
  budgetMs: number;
  env?: NodeJS.ProcessEnv;
  now?: () => Date;
}

/** The engine's checks of one scale set; imported only when a scale set uses that engine. */
async function engineGroup(
  scaleSet: ScaleSetConfig,
  section: number,
  index: number,
): Promise<CheckGroup | undefined> {
  const engine = scaleSet.engine;
  if (engine.type === "gcp") {
    const { gcpChecks } = await import("./gcp/checks.js");
    return gcpChecks(engine, scaleSet, section, index);
  }
  if (engine.type === "ec2") {
    const { ec2Checks } = await import("./ec2/checks.js");
    return ec2Checks(engine, scaleSet, section, index);
  }
  return undefined;
}

/** Releases the cloud SDK clients the engine checks loaded. */
async function closeClients(config: ScalesetConfig): Promise<void> {
  const types = new Set(config.scalesets.map((s) => s.engine.type));
  if (types.has("gcp")) await (await import("./gcp/api.js")).closeGcpApis();
  if (types.has("ec2")) await (await import("./ec2/api.js")).closeEc2Apis();
}

function engineSubtitle(scaleSet: ScaleSetConfig): string {
  const e = scaleSet.engine;
  if (e.type === "gcp") return `gcp · project ${e.gcp.project} · ${e.gcp.zones.join(", ")}`;
  if (e.type === "ec2") return `ec2 · ${e.ec2.region}`;
  return "sim (simulated machines: no cloud to check)";
}

/** Values that must never appear in the report, whatever a server echoes back. */
function secretsOf(config: ScalesetConfig, env: NodeJS.ProcessEnv): string[] {
  const c = config.github.credentials;
  const telemetry = resolveTelemetrySettings(config.telemetry, env);
  const headers = [telemetry.traces?.headers, telemetry.metrics.otlp?.headers].flatMap((h) =>
    Object.values(h ?? {}),
  );
  return [c.type === "pat" ? c.token : c.privateKey, ...headers];
}

export async function runPreflight(
  config: ScalesetConfig,
  options: PreflightOptions,
): Promise<PreflightReport> {
  const started = performance.now();
  const env = options.env ?? process.env;
  const sections: ReportSection[] = [{ title: "GitHub", subtitle: config.github.url, checks: [] }];
  const github = githubChecks(config.github, 0);
  const groups: CheckGroup[] = [github.chain];
  for (const [index, scaleSet] of config.scalesets.entries()) {
    const section =
      sections.push({
        title: `scale set ${scaleSet.name}`,
        subtitle: engineSubtitle(scaleSet),
        checks: [],
      }) - 1;
    groups.push(github.scaleSet(scaleSet, section, index));
    const engine = await engineGroup(scaleSet, section, index);
    if (engine) groups.push(engine);
  }
  groups.push(hostChecks(config, sections.push({ title: "this host", checks: [] }) - 1));

  const budget = new AbortController();
  const timer = setTimeout(() => {
    budget.abort();
    github.abort();
  }, options.budgetMs);
  const ctx: PreflightContext = {
    callTimeoutMs: options.callTimeoutMs,
    signal: budget.signal,
    now: options.now ?? (() => new Date()),
    env,
  };
  try {
    const results = await Promise.all(groups.map((group) => runGroup(group, ctx, options)));
    for (const [i, group] of groups.entries()) sections[group.section]?.checks.push(...results[i]!);
  } finally {
    clearTimeout(timer);
    await closeClients(config).catch(() => undefined);
    await github.close().catch(() => undefined);
  }
  const secrets = secretsOf(config, env);
  const counts: Record<CheckStatus, number> = { ok: 0, fail: 0, warn: 0, skip: 0 };
  for (const section of sections) {
    section.checks = section.checks.map((check) => scrub(check, secrets));
    for (const check of section.checks) counts[check.status]++;
  }
  return { sections, counts, elapsedMs: Math.round(performance.now() - started) };
}

/** A group's results; a thrown error or the spent budget becomes one failed line. */
async function runGroup(
  group: CheckGroup,
  ctx: PreflightContext,
  options: PreflightOptions,
): Promise<CheckResult[]> {
  const spent = new Promise<CheckResult[]>((resolve) => {
    const onAbort = () =>
      resolve([
        {
          name: group.label,
          status: "fail",
          detail: `not finished within the ${(options.budgetMs / 1000).toFixed(0)} s budget of validate`,
          fix: "a cloud or GitHub API is answering slowly: run validate again, or raise --timeout",
        },
      ]);
    if (ctx.signal.aborted) onAbort();
    else ctx.signal.addEventListener("abort", onAbort, { once: true });
  });
  const work = group.run(ctx).catch((error: unknown): CheckResult[] => [
    {
      name: group.label,
      status: "fail",
      detail: error instanceof Error ? error.message : String(error),
    },
  ]);
  return await Promise.race([work, spent]);
}

function scrub(check: CheckResult, secrets: string[]): CheckResult {
  const clean = (text: string) => redactSecrets(text, secrets);
  return {
    ...check,
    detail: clean(check.detail),
    ...(check.fix ? { fix: clean(check.fix) } : {}),
    ...(check.evidence ? { evidence: clean(check.evidence) } : {}),
  };
}
