/**
 * CLI flag overrides (yargs dot-notation: `--scalesets.0.max_runners 5`) merged over the parsed
 * YAML before validation. Secrets (any token, key, secret or password field, and OTLP headers)
 * are refused as flags because process arguments are visible to other users of the machine
 * (`ps`, /proc).
 */
import { ConfigError, type ConfigProblem } from "./errors.js";
import { isSecretPath, leaves } from "./secret-keys.js";

/** Top-level config keys; anything else in a yargs argv is a CLI option of its own. */
export const CONFIG_SECTIONS = [
  "github",
  "scalesets",
  "scaler",
  "server",
  "logging",
  "telemetry",
] as const;

type Tree = Record<string, unknown>;

function isTree(value: unknown): value is Tree {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** `max-runners` / `maxRunners` → `max_runners` (yargs emits both spellings for kebab flags). */
function snakeKey(key: string): string {
  return key
    .replace(/-/g, "_")
    .replace(/([a-z0-9])([A-Z])/g, (_, a: string, b: string) => `${a}_${b.toLowerCase()}`);
}

/** Expands dotted keys, snake-cases keys and drops yargs' own `_`/`$0` and unset (undefined) options. */
function normalise(overrides: Tree): Tree {
  const out: Tree = {};
  for (const [rawKey, value] of Object.entries(overrides)) {
    if (rawKey === "_" || rawKey === "$0" || value === undefined) continue;
    const [head, ...rest] = rawKey.split(".").map(snakeKey);
    const nested =
      rest.length === 0 ? value : rest.reduceRight<unknown>((acc, key) => ({ [key]: acc }), value);
    const normalised = isTree(nested) ? normalise(nested) : nested;
    out[head!] = mergeTrees(out[head!], normalised);
  }
  return out;
}

function mergeTrees(a: unknown, b: unknown): unknown {
  if (!isTree(a) || !isTree(b)) return b;
  const merged: Tree = { ...a };
  for (const [key, value] of Object.entries(b)) merged[key] = mergeTrees(merged[key], value);
  return merged;
}

/** How to give a secret instead of a flag, for the fields that have a dedicated env var. */
const SECRET_FIXES: ReadonlyArray<{ path: readonly string[]; fix: string }> = [
  {
    path: ["github", "token"],
    fix: "set the GITHUB_TOKEN env var, or write `token: env:NAME` or `token: file:/path` in the config file",
  },
  {
    path: ["github", "app", "private_key"],
    fix: "set GITHUB_APP_PRIVATE_KEY or GITHUB_APP_PRIVATE_KEY_PATH, pass --github.app.private_key_path, or write `private_key: env:NAME` / `file:/path` in the config file",
  },
  {
    path: ["telemetry", "otlp", "headers"],
    fix: "write the header in the config file as an env:NAME or file:/path reference (headers: { authorization: env:OTLP_AUTH }), or set OTEL_EXPORTER_OTLP_HEADERS",
  },
];
const SECRET_FIX =
  "write it in the config file as an env:NAME or file:/path reference, or use its environment variable";

/** One problem per secret-bearing flag (`--github.token`, `--telemetry.otlp.headers.x`…). */
function secretFlags(flags: Tree): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  // A repeated flag is a list: one leaf, so the flag is named once.
  for (const [path] of leaves(flags, false)) {
    if (!isSecretPath(path)) continue;
    const flag = `--${path.join(".")}`;
    const fix = SECRET_FIXES.find((f) => f.path.every((key, i) => path[i] === key))?.fix;
    problems.push({
      path: flag,
      problem: "secrets must not be passed as command-line flags (other processes can read them)",
      fix: fix ?? SECRET_FIX,
    });
  }
  return problems;
}

function lookup(tree: unknown, path: readonly string[]): unknown {
  let node = tree;
  for (const key of path) node = isTree(node) ? node[key] : undefined;
  return node;
}

function mergeInto(base: unknown, over: unknown, flag: string, problems: ConfigProblem[]): unknown {
  if (!isTree(over)) return over; // scalars and lists replace
  const keys = Object.keys(over);
  const indexed = keys.length > 0 && keys.every((k) => /^\d+$/.test(k));
  if (Array.isArray(base) || (base === undefined && indexed)) {
    const list = Array.isArray(base) ? [...base] : [];
    for (const key of keys) {
      if (!/^\d+$/.test(key)) {
        problems.push({
          path: `${flag}.${key}`,
          problem: "is not a list index",
          fix: `use ${flag}.<index>.<field>, e.g. ${flag}.0.${key}`,
        });
        continue;
      }
      const index = Number(key);
      if (index > list.length) {
        problems.push({
          path: `${flag}.${key}`,
          problem: `index is past the end of the list (it has ${list.length} item${list.length === 1 ? "" : "s"})`,
          fix: `use an index from 0 to ${list.length} (${list.length} adds a new item)`,
        });
        continue;
      }
      list[index] = mergeInto(list[index], over[key], `${flag}.${key}`, problems);
    }
    return list;
  }
  const merged: Tree = isTree(base) ? { ...base } : {};
  for (const key of keys) {
    merged[key] = mergeInto(
      merged[key],
      over[key],
      flag === "" ? `--${key}` : `${flag}.${key}`,
      problems,
    );
  }
  return merged;
}

/**
 * Deep-merges flag overrides over the raw (parsed YAML) config. Objects with numeric keys merge
 * into lists by index. Throws `ConfigError` for secret flags or bad list indexes.
 */
export function applyOverrides(raw: unknown, overrides: Record<string, unknown>): unknown {
  const flags = normalise(overrides);
  const problems = secretFlags(flags);
  if (problems.length > 0) throw new ConfigError(problems);
  const merged = mergeInto(raw ?? {}, flags, "", problems);
  if (problems.length > 0) throw new ConfigError(problems);
  // A key path given as a flag replaces the file's inline key rather than conflicting with it.
  const app = lookup(merged, ["github", "app"]);
  if (isTree(app) && lookup(flags, ["github", "app", "private_key_path"]) !== undefined)
    delete app.private_key;
  return merged;
}

/** Whether the overrides set the field at `path` (snake_case keys), for flag-over-env precedence. */
export function overridesSet(overrides: Record<string, unknown>, path: readonly string[]): boolean {
  return lookup(normalise(overrides), path) !== undefined;
}

/** The config-related part of a yargs argv (its top-level keys that are config sections). */
export function pickConfigOverrides(argv: Record<string, unknown>): Record<string, unknown> {
  const picked: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(argv)) {
    const head = snakeKey(key.split(".")[0]!);
    if ((CONFIG_SECTIONS as readonly string[]).includes(head)) picked[key] = value;
  }
  return picked;
}
