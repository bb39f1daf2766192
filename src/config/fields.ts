/**
 * Reusable zod field schemas for the YAML config. Every message is `what is wrong — how to fix it`
 * and never echoes the input, because any field may by mistake hold a secret.
 */
import * as z from "zod";
import { DURATION_HINT, parseDuration } from "./duration.js";

const NUMERIC = /^\s*-?\d+(?:\.\d+)?\s*$/;

/** A type error message, except for a missing value, which the generic "is required" covers. */
function unlessMissing(message: string) {
  return (issue: { input?: unknown }) => (issue.input === undefined ? undefined : message);
}

/** Numeric strings (from flags, `env:` references or env vars) become numbers. */
function numericStringToNumber(value: unknown): unknown {
  return typeof value === "string" && NUMERIC.test(value) ? Number(value) : value;
}

export function wholeNumber(opts: { min: number; max?: number; what?: string }) {
  const max = opts.max ?? Number.MAX_SAFE_INTEGER;
  const range = opts.max === undefined ? `≥ ${opts.min}` : `between ${opts.min} and ${max}`;
  const expectation = `${opts.what ?? "a whole number"} ${range}`;
  return z.preprocess(
    numericStringToNumber,
    z
      .number({
        error: unlessMissing(
          `must be ${expectation} — write a plain number such as ${opts.min + 1}`,
        ),
      })
      .int({ error: `must be a whole number — remove the fraction` })
      .min(opts.min, { error: `must be ${range} — raise it to at least ${opts.min}` })
      .max(max, { error: `must be ${range} — lower it to at most ${max}` }),
  );
}

/** A non-empty string; numbers are accepted and turned into text (YAML reads `name: 123` as one). */
export function text(what = "a non-empty string") {
  return z.preprocess(
    (value) => (typeof value === "number" && Number.isFinite(value) ? String(value) : value),
    z
      .string({ error: unlessMissing(`must be ${what} — write it as text`) })
      .trim()
      .min(1, { error: `must not be empty — give ${what}` }),
  );
}

/** true/false, also as the text a CLI flag or an `env:` reference gives. */
export function flag() {
  return z.preprocess(
    (value) => (value === "true" ? true : value === "false" ? false : value),
    z.boolean({ error: "must be true or false — write true or false" }),
  );
}

/** A duration ("30s", "5m", "1h30m", "250ms" or seconds) parsed to milliseconds. */
export function duration(opts: { positive?: boolean } = {}) {
  return z.unknown().transform((value, ctx): number => {
    if (typeof value !== "string" && typeof value !== "number") {
      ctx.issues.push({
        code: "custom",
        input: value,
        message: `not a valid duration — ${DURATION_HINT}`,
      });
      return z.NEVER;
    }
    let ms: number;
    try {
      ms = parseDuration(value);
    } catch {
      ctx.issues.push({
        code: "custom",
        input: value,
        message: `not a valid duration — ${DURATION_HINT}`,
      });
      return z.NEVER;
    }
    if (opts.positive && ms <= 0) {
      ctx.issues.push({
        code: "custom",
        input: value,
        message: "must be longer than zero — give a positive duration such as 30s",
      });
      return z.NEVER;
    }
    return ms;
  });
}

/**
 * A YAML mapping that rejects unknown keys. The "did you mean" hint is added when the issue is
 * turned into a problem (see zod-issues.ts), which can see the object's known keys.
 */
export function section<Shape extends z.ZodRawShape>(shape: Shape) {
  return z.strictObject(shape, {
    error: (issue) =>
      issue.code === "invalid_type" && issue.input !== undefined
        ? "must be a mapping (key: value pairs) — fix the indentation"
        : undefined,
  });
}
