/**
 * `env:NAME` and `file:/path` references: any string value in the config may name where its real
 * value lives, so secrets need not be written into the YAML file.
 */
import { readFileSync } from "node:fs";
import { type ConfigProblem, formatPath } from "./errors.js";

export interface ResolvedReferences {
  value: unknown;
  problems: ConfigProblem[];
  /** Formatted path → `env:NAME` / `file:/path`, to say where a bad value came from. */
  origins: Map<string, string>;
  /** Paths whose reference failed; they keep the reference text and their issues are not repeated. */
  failed: Set<string>;
}

type Resolution = { ok: true; value: string } | { ok: false; problem: string; fix: string };

function resolveOne(reference: string, env: NodeJS.ProcessEnv): Resolution | undefined {
  if (reference.startsWith("env:")) {
    const name = reference.slice(4).trim();
    if (name === "")
      return { ok: false, problem: "env: reference has no variable name", fix: "write env:NAME" };
    const value = env[name];
    if (value === undefined || value === "") {
      return {
        ok: false,
        problem: `environment variable ${name} is not set`,
        fix: `set ${name} or change the value`,
      };
    }
    return { ok: true, value };
  }
  if (reference.startsWith("file:")) {
    const path = reference.slice(5).trim();
    if (path === "")
      return { ok: false, problem: "file: reference has no path", fix: "write file:/path/to/file" };
    try {
      return { ok: true, value: readFileSync(path, "utf8").replace(/(\r?\n)+$/, "") };
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code ?? "read error";
      return {
        ok: false,
        problem: `cannot read file ${path} (${code})`,
        fix: "check the path and that scaleset may read it",
      };
    }
  }
  return undefined;
}

/** Returns a copy of `raw` with every reference replaced by what it names. */
export function resolveReferences(raw: unknown, env: NodeJS.ProcessEnv): ResolvedReferences {
  const out: ResolvedReferences = {
    value: undefined,
    problems: [],
    origins: new Map(),
    failed: new Set(),
  };

  const visit = (node: unknown, path: PropertyKey[]): unknown => {
    if (typeof node === "string") {
      const resolution = resolveOne(node, env);
      if (resolution === undefined) return node;
      const at = formatPath(path);
      if (resolution.ok) {
        out.origins.set(at, node);
        return resolution.value;
      }
      // Keep the reference text so validation does not also report the field as missing.
      out.failed.add(at);
      out.problems.push({ path: at, problem: resolution.problem, fix: resolution.fix });
      return node;
    }
    if (Array.isArray(node)) return node.map((item, index) => visit(item, [...path, index]));
    if (typeof node === "object" && node !== null) {
      const copy: Record<string, unknown> = {};
      for (const [key, value] of Object.entries(node)) {
        copy[key] = visit(value, [...path, key]);
      }
      return copy;
    }
    return node;
  };

  out.value = visit(raw, []);
  return out;
}
