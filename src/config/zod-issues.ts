/**
 * Turns zod issues into `ConfigProblem`s. Generic messages come from `describeIssue` (a per-parse
 * error map); unknown keys become one problem per key with a "did you mean" hint.
 */
import type * as z from "zod";
import { type ConfigProblem, formatPath } from "./errors.js";
import { closestKey } from "./suggest.js";

type RawIssue = z.core.$ZodRawIssue;

function describeType(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "a list";
  if (typeof value === "object") return "a mapping";
  if (typeof value === "string") return "text";
  return `a ${typeof value}`;
}

/** Messages for issues whose schema did not set its own. Never includes the input itself. */
function describeIssue(issue: RawIssue): string {
  switch (issue.code) {
    case "invalid_type":
      return issue.input === undefined
        ? "is required — add it"
        : `must be ${issue.expected === "object" ? "a mapping" : issue.expected === "array" ? "a list" : `a ${issue.expected}`}, not ${describeType(issue.input)} — fix its value`;
    case "invalid_value":
      return `is not an allowed value — use one of: ${issue.values.map(String).join(", ")}`;
    case "too_small":
    case "too_big":
      return `is out of range — must be ${issue.code === "too_small" ? "≥" : "≤"} ${String(issue.code === "too_small" ? issue.minimum : issue.maximum)}`;
    case "invalid_format":
      return `is not a valid ${issue.format} — fix its format`;
    case "unrecognized_keys":
      return "has unknown keys — remove them";
    default:
      return "is not valid — check the documented format in config.example.yaml";
  }
}

/** Splits "problem — fix" text; messages without a fix get a generic one. */
function toProblem(path: string, message: string): ConfigProblem {
  const at = message.indexOf(" — ");
  if (at === -1) return { path, problem: message, fix: "see config.example.yaml" };
  return { path, problem: message.slice(0, at), fix: message.slice(at + 3) };
}

export interface ParseOutcome<T> {
  value?: T;
  problems: ConfigProblem[];
}

/**
 * Parses `input` with `schema`, converting every issue into a problem. `origins` maps a formatted
 * path to where its value came from (e.g. `$PORT`), which is added to the path for the user.
 * Issues under a path in `skip` are dropped (a reference there already failed and was reported).
 */
export function parseWithProblems<T>(
  schema: z.ZodType<T>,
  input: unknown,
  origins: ReadonlyMap<string, string>,
  skip: ReadonlySet<string>,
): ParseOutcome<T> {
  // The error map sees the object schema that found unknown keys; remember its keys per path.
  const knownKeysAt = new Map<string, string[]>();
  const result = schema.safeParse(input, {
    error: (issue) => {
      if (issue.code === "unrecognized_keys" && issue.inst && "shape" in issue.inst) {
        const shape = (issue.inst as unknown as { shape: Record<string, unknown> }).shape;
        knownKeysAt.set(formatPath(issue.path ?? []), Object.keys(shape));
      }
      return describeIssue(issue);
    },
  });
  if (result.success) return { value: result.data, problems: [] };

  const problems: ConfigProblem[] = [];
  for (const issue of result.error.issues) {
    if (issue.code === "unrecognized_keys") {
      const known = knownKeysAt.get(formatPath(issue.path)) ?? [];
      for (const key of issue.keys) {
        const guess = closestKey(key, known);
        problems.push({
          path: formatPath([...issue.path, key]),
          problem: "unknown key",
          fix: guess ? `did you mean ${guess}?` : `remove it (known keys: ${known.join(", ")})`,
        });
      }
      continue;
    }
    const path = formatPath(issue.path);
    if ([...skip].some((s) => path === s || path.startsWith(`${s}.`) || path.startsWith(`${s}[`)))
      continue;
    const origin = origins.get(path);
    problems.push(toProblem(origin ? `${path} (from ${origin})` : path, issue.message));
  }
  return { problems };
}
