import { invalid } from "./http-io.js";

/**
 * The subset of Compute Engine list-filter syntax the fake understands: comparisons
 * `FIELD = VALUE` / `FIELD != VALUE` on `labels.KEY`, `name` and `status`, optionally
 * parenthesised, AND-ed (explicitly or by juxtaposition). Anything else is a 400, so a client
 * that relies on syntax the fake does not implement finds out in tests.
 */

export interface FilterSubject {
  name: string;
  status: string;
  labels: Record<string, string>;
}

type Comparison = { field: string; negate: boolean; value: string };
export type InstanceFilter = (subject: FilterSubject) => boolean;

const TOKEN = /\s*(\(|\)|!=|=|"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|[A-Za-z0-9_.\-/*]+)/y;

function tokenize(text: string): string[] {
  const tokens: string[] = [];
  TOKEN.lastIndex = 0;
  while (TOKEN.lastIndex < text.length) {
    if (/^\s*$/.test(text.slice(TOKEN.lastIndex))) break;
    const match = TOKEN.exec(text);
    if (!match?.[1]) throw invalid(`Invalid list filter expression '${text}'.`);
    tokens.push(match[1]);
  }
  return tokens;
}

function unquote(token: string): string {
  if (/^["']/.test(token)) return token.slice(1, -1).replace(/\\(.)/g, "$1");
  return token;
}

const INSTANCE_FIELDS = /^(labels\.[a-z][a-z0-9_-]*|name|status)$/;
const OPERATION_FIELDS = /^(operationType|targetLink|status|name)$/;

function parse(text: string, fields: RegExp): Comparison[] {
  const tokens = tokenize(text);
  const comparisons: Comparison[] = [];
  let depth = 0;
  let i = 0;
  const fail = () => invalid(`Invalid list filter expression '${text}'.`);
  while (i < tokens.length) {
    const token = tokens[i] as string;
    if (token === "(") {
      depth++;
      i++;
    } else if (token === ")") {
      if (--depth < 0) throw fail();
      i++;
    } else if (token === "AND") {
      if (comparisons.length === 0) throw fail();
      i++;
    } else if (token === "OR" || token === "NOT") {
      throw invalid(`The fake does not support ${token} in list filters.`);
    } else {
      const op = tokens[i + 1];
      const value = tokens[i + 2];
      if ((op !== "=" && op !== "!=") || value === undefined || /^[()=]|^!=$/.test(value)) {
        throw fail();
      }
      if (!fields.test(token)) {
        throw invalid(`Invalid field name '${token}' in list filter.`);
      }
      comparisons.push({ field: token, negate: op === "!=", value: unquote(value) });
      i += 3;
    }
  }
  if (depth !== 0) throw fail();
  return comparisons;
}

function fieldValue(subject: FilterSubject, field: string): string | undefined {
  if (field === "name") return subject.name;
  if (field === "status") return subject.status;
  return subject.labels[field.slice("labels.".length)];
}

/** Compiles a filter; an empty or absent filter matches everything. Throws a 400 on bad syntax. */
export function compileFilter(text: string | undefined): InstanceFilter {
  const comparisons = text?.trim() ? parse(text, INSTANCE_FIELDS) : [];
  return (subject) =>
    comparisons.every((c) => (fieldValue(subject, c.field) === c.value) !== c.negate);
}

/** The same syntax for zone operations: `operationType`, `targetLink`, `status`, `name`. */
export function compileOperationFilter(
  text: string | undefined,
): (operation: Record<string, unknown>) => boolean {
  const comparisons = text?.trim() ? parse(text, OPERATION_FIELDS) : [];
  return (operation) => comparisons.every((c) => (operation[c.field] === c.value) !== c.negate);
}
