/**
 * Loads the config: YAML file → CLI flag overrides → `env:`/`file:` references → env vars →
 * validation. Precedence, highest first: flags, env vars, the YAML file, defaults.
 */
import { readFile } from "node:fs/promises";
import { parseDocument } from "yaml";
import { isLoopbackUrl } from "../util/loopback.js";
import { applyEnv } from "./env.js";
import { ConfigError, type ConfigProblem } from "./errors.js";
import { type ConfigNotice, configFileNotices, configNotices } from "./notices.js";
import { applyOverrides, overridesSet } from "./overrides.js";
import { resolveReferences } from "./references.js";
import { configSchema } from "./schema.js";
import type { ScalesetConfig } from "./types.js";
import { parseWithProblems } from "./zod-issues.js";

export interface LoadConfigOptions {
  /** YAML file to read. Also names the source in syntax errors when `yamlText` is given. */
  path?: string;
  /** YAML text to use instead of reading `path`. Without either, only flags and env are used. */
  yamlText?: string;
  /** yargs argv subset (dot-notation objects), see `applyOverrides`. */
  overrides?: Record<string, unknown>;
  /** Environment for `env:` references and env var overrides. Default: process.env. */
  env?: NodeJS.ProcessEnv;
  /** Decides the default log format (pretty on a terminal). Default: process.stdout.isTTY. */
  stdoutIsTTY?: boolean;
}

async function readYamlText(opts: LoadConfigOptions): Promise<string | undefined> {
  if (opts.yamlText !== undefined || opts.path === undefined) return opts.yamlText;
  try {
    return await readFile(opts.path, "utf8");
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? "read error";
    throw new ConfigError([
      {
        path: opts.path,
        problem: `cannot read the config file (${code})`,
        fix: "check the config file path",
      },
    ]);
  }
}

/** Parses YAML; syntax errors become `source:line:col` problems without the offending text. */
function parseYaml(text: string, source: string): Record<string, unknown> {
  const doc = parseDocument(text, { prettyErrors: true });
  if (doc.errors.length > 0) {
    throw new ConfigError(
      doc.errors.map((error) => {
        const position = error.linePos?.[0];
        const firstLine = error.message.split("\n")[0]!.replace(/ at line \d+, column \d+:?$/, "");
        return {
          path: position ? `${source}:${position.line}:${position.col}` : source,
          problem: `YAML syntax error: ${firstLine}`,
          fix: "fix the YAML at that line and column",
        };
      }),
    );
  }
  const raw: unknown = doc.toJS();
  if (raw === null || raw === undefined) return {};
  if (typeof raw !== "object" || Array.isArray(raw)) {
    throw new ConfigError([
      {
        path: source,
        problem: "is not a YAML mapping",
        fix: "start the file with top-level keys such as `github:` and `scalesets:` (see config.example.yaml)",
      },
    ]);
  }
  return raw as Record<string, unknown>;
}

export interface LoadedConfig {
  config: ScalesetConfig;
  /** To be logged once at start (see notices.ts). */
  notices: ConfigNotice[];
}

export async function loadConfig(opts: LoadConfigOptions = {}): Promise<ScalesetConfig> {
  return (await loadConfigWithNotices(opts)).config;
}

/** Like `loadConfig`, plus what the config deserves to be warned about at start. */
export async function loadConfigWithNotices(opts: LoadConfigOptions = {}): Promise<LoadedConfig> {
  const env = opts.env ?? process.env;
  const overrides = opts.overrides ?? {};
  const text = await readYamlText(opts);
  const raw = text === undefined ? {} : parseYaml(text, opts.path ?? "config");

  const merged = applyOverrides(raw, overrides) as Record<string, unknown>;
  const references = resolveReferences(merged, env);
  const withEnv = applyEnv(references.value as Record<string, unknown>, env, (path) =>
    overridesSet(overrides, path),
  );

  const origins = new Map([...references.origins, ...withEnv.origins]);
  const isTTY = opts.stdoutIsTTY ?? process.stdout.isTTY === true;
  const parsed = parseWithProblems(
    configSchema(isTTY ? "pretty" : "json"),
    withEnv.value,
    origins,
    references.failed,
  );

  const problems: ConfigProblem[] = [
    ...references.problems,
    ...withEnv.problems,
    ...parsed.problems,
  ];
  if (parsed.value) problems.push(...missingEngines(parsed.value, withEnv.value));
  if (problems.length > 0 || parsed.value === undefined) throw new ConfigError(problems);
  const fromFile =
    opts.path !== undefined && opts.yamlText === undefined
      ? await configFileNotices(opts.path, raw)
      : [];
  return { config: parsed.value, notices: [...fromFile, ...configNotices(parsed.value)] };
}

/**
 * A scale set without an `engine` gets the sim engine, which only simulates machines: against a
 * real GitHub its jobs would wait forever. So the default holds for a local simulator only.
 */
function missingEngines(config: ScalesetConfig, input: Record<string, unknown>): ConfigProblem[] {
  if (isLoopbackUrl(config.github.url)) return [];
  const given = Array.isArray(input.scalesets) ? input.scalesets : [];
  // The host only: the URL itself may carry credentials.
  const host = URL.canParse(config.github.url) ? new URL(config.github.url).host : "GitHub";
  return config.scalesets.flatMap((scaleSet, i) => {
    const entry: unknown = given[i];
    const hasEngine = typeof entry === "object" && entry !== null && "engine" in entry;
    if (hasEngine) return [];
    return [
      {
        path: `scalesets[${i}].engine`,
        problem: `is missing: scale set "${scaleSet.name}" would run on simulated machines and its jobs on ${host} would never start`,
        fix: "set engine.type to gcp or ec2 with its settings (engine: { type: sim } runs a dry run on simulated machines)",
      },
    ];
  });
}
