/**
 * The one error type config loading throws. Its message lists every problem found, one per line,
 * as `path: what is wrong — how to fix it`. Messages never contain configured values, so a
 * misplaced secret cannot leak through an error.
 */

export interface ConfigProblem {
  /** Where the problem is, in YAML spelling: `scalesets[0].max_runners`, or a `file:line:col`. */
  path: string;
  /** What is wrong. */
  problem: string;
  /** How to fix it. */
  fix: string;
}

export function formatProblem(p: ConfigProblem): string {
  return `${p.path}: ${p.problem} — ${p.fix}`;
}

export class ConfigError extends Error {
  readonly problems: readonly ConfigProblem[];

  constructor(problems: readonly ConfigProblem[]) {
    const count = problems.length === 1 ? "1 problem" : `${problems.length} problems`;
    super(
      `invalid configuration (${count}):\n${problems.map((p) => `  - ${formatProblem(p)}`).join("\n")}`,
    );
    this.name = "ConfigError";
    this.problems = problems;
  }
}

/** `["scalesets", 0, "max_runners"]` → `scalesets[0].max_runners`; the root is `config`. */
export function formatPath(path: readonly PropertyKey[]): string {
  let out = "";
  for (const segment of path) {
    if (typeof segment === "number") out += `[${segment}]`;
    else out += out === "" ? String(segment) : `.${String(segment)}`;
  }
  return out === "" ? "config" : out;
}
