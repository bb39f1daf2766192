import { parseDuration } from "../config/index.js";
import { CONFIG_ERROR_EXIT, loadCommandConfig } from "./bootstrap.js";

/**
 * `scaleset validate`: the config, then (unless --offline) a preflight of everything the first
 * job would need — GitHub credentials and scope, runner group and scale set name, and per
 * engine the identity, permissions, image, machine types, quotas and network — printed as a
 * table per scale set, or JSON. Creates nothing (a registration token, which expires unused,
 * and EC2 dry runs aside). Exit 0: every check passed (warnings allowed); 1: a check failed;
 * 2: the config is invalid.
 */

/** One outbound call's deadline unless --timeout says otherwise. */
const DEFAULT_CALL_TIMEOUT_MS = 5_000;
/** The whole run's budget: a few deadlines' worth, so one slow API cannot hold it forever. */
const BUDGET_CALLS = 4;

function callTimeout(args: Record<string, unknown>): number | string {
  if (args.timeout === undefined) return DEFAULT_CALL_TIMEOUT_MS;
  try {
    const ms = parseDuration(String(args.timeout));
    if (ms > 0) return ms;
  } catch {
    // reported below
  }
  return `--timeout ${String(args.timeout)}: give a duration such as 5s or 1500ms`;
}

export async function validateCommand(args: Record<string, unknown>): Promise<number> {
  const timeout = callTimeout(args);
  if (typeof timeout === "string") {
    process.stderr.write(`error: ${timeout}\n`);
    return CONFIG_ERROR_EXIT;
  }
  const loaded = await loadCommandConfig(args);
  if (typeof loaded === "number") return loaded;
  const { config, notices } = loaded;
  for (const notice of notices) {
    const detail = Object.entries(notice.fields).map(([k, v]) => `${k}=${JSON.stringify(v)}`);
    process.stderr.write(`${notice.level}: ${notice.message} (${detail.join(" ")})\n`);
  }
  if (args.offline === true) {
    const summary = { ok: true, exitCode: 0, config: "ok", scalesets: config.scalesets.length };
    process.stdout.write(
      args.json === true
        ? `${JSON.stringify(summary, null, 2)}\n`
        : `config: ok (${config.scalesets.length} scale set(s)); --offline: no API was called\n`,
    );
    return 0;
  }
  const [{ runPreflight }, render] = await Promise.all([
    import("../preflight/run.js"),
    import("../preflight/render.js"),
  ]);
  const report = await runPreflight(config, {
    callTimeoutMs: timeout,
    budgetMs: timeout * BUDGET_CALLS,
  });
  const exitCode = report.counts.fail > 0 ? 1 : 0;
  if (args.json === true) {
    process.stdout.write(render.reportJson(report, exitCode));
  } else {
    process.stdout.write(render.renderReport(report));
    for (const line of render.failureLines(report)) process.stderr.write(`${line}\n`);
  }
  return exitCode;
}
