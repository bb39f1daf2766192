/**
 * A small IAM policy evaluator for the EC2 fake: enough of IAM's identity-policy logic to run
 * docs/aws/scaler-policy.json against what the engine really sends. Explicit Deny wins, then
 * any Allow, else implicit deny. Condition operators it does not implement are refused when the
 * policy is loaded, so a policy can never pass here by being misunderstood.
 */

type Values = string | string[];

export interface PolicyStatement {
  Sid?: string;
  Effect: "Allow" | "Deny";
  Action: Values;
  Resource: Values;
  Condition?: Record<string, Record<string, Values>>;
}

export interface PolicyDocument {
  Version: string;
  Statement: PolicyStatement | PolicyStatement[];
}

/** One authorization question: may the caller do `action` on `resource` in this context? */
export interface AuthQuestion {
  action: string;
  resource: string;
  /** Condition keys (any case) → value(s); absent keys are simply not there. */
  context: Record<string, Values>;
}

const OPERATORS = new Set([
  "StringEquals",
  "StringNotEquals",
  "StringLike",
  "StringNotLike",
  "Null",
]);
const SET_PREFIXES = ["ForAllValues:", "ForAnyValue:"];

const list = (v: Values): string[] => (Array.isArray(v) ? v : [v]);
const statements = (doc: PolicyDocument): PolicyStatement[] =>
  Array.isArray(doc.Statement) ? doc.Statement : [doc.Statement];

function splitOperator(name: string): { set?: string; op: string; ifExists: boolean } {
  const set = SET_PREFIXES.find((p) => name.startsWith(p));
  let op = set ? name.slice(set.length) : name;
  const ifExists = op.endsWith("IfExists");
  if (ifExists) op = op.slice(0, -"IfExists".length);
  return { set, op, ifExists };
}

/** Throws for anything this evaluator would get wrong (the caller's policy is not loaded). */
export function validatePolicy(doc: PolicyDocument): void {
  if (doc.Version !== "2012-10-17") throw new Error("IAM policy: Version must be 2012-10-17");
  for (const st of statements(doc)) {
    if (st.Effect !== "Allow" && st.Effect !== "Deny") throw new Error("IAM policy: bad Effect");
    if (!st.Action || !st.Resource)
      throw new Error("IAM policy: NotAction/NotResource unsupported");
    for (const name of Object.keys(st.Condition ?? {})) {
      const { op, set, ifExists } = splitOperator(name);
      if (!OPERATORS.has(op) || (op === "Null" && (set || ifExists))) {
        throw new Error(`IAM policy: condition operator ${name} is not supported by the EC2 fake`);
      }
    }
  }
}

function glob(pattern: string, caseInsensitive: boolean): RegExp {
  const escaped = pattern.replace(/[.+^${}()|[\]\\]/g, "\\$&");
  return new RegExp(
    `^${escaped.replace(/\*/g, ".*").replace(/\?/g, ".")}$`,
    caseInsensitive ? "i" : "",
  );
}

function lookup(context: Record<string, Values>, key: string): string[] | undefined {
  const wanted = key.toLowerCase(); // condition key names are case-insensitive
  for (const [k, v] of Object.entries(context)) if (k.toLowerCase() === wanted) return list(v);
  return undefined;
}

function conditionHolds(
  name: string,
  keys: Record<string, Values>,
  ctx: AuthQuestion["context"],
): boolean {
  const { set, op, ifExists } = splitOperator(name);
  return Object.entries(keys).every(([key, expected]) => {
    const actual = lookup(ctx, key);
    const wanted = list(expected);
    if (op === "Null") return wanted.some((w) => (w === "true") === (actual === undefined));
    if (actual === undefined) {
      // Absent keys: negated operators and ForAllValues hold, everything else fails (…IfExists holds).
      return ifExists || set === "ForAllValues:" || op.startsWith("StringNot");
    }
    const like = op === "StringLike" || op === "StringNotLike";
    const matchOne = (value: string) =>
      wanted.some((w) => (like ? glob(w, false).test(value) : w === value));
    const negated = op.startsWith("StringNot");
    const test = (value: string) => (negated ? !matchOne(value) : matchOne(value));
    if (set === "ForAllValues:") return actual.every(test);
    return actual.some(test);
  });
}

function statementApplies(st: PolicyStatement, q: AuthQuestion): boolean {
  const actionOk = list(st.Action).some((a) => glob(a, true).test(q.action));
  const resourceOk = list(st.Resource).some((r) => glob(r, false).test(q.resource));
  if (!actionOk || !resourceOk) return false;
  return Object.entries(st.Condition ?? {}).every(([name, keys]) =>
    conditionHolds(name, keys, q.context),
  );
}

/** IAM's decision for one question against one identity policy. */
export function isAllowed(doc: PolicyDocument, q: AuthQuestion): boolean {
  const applying = statements(doc).filter((s) => statementApplies(s, q));
  if (applying.some((s) => s.Effect === "Deny")) return false;
  return applying.some((s) => s.Effect === "Allow");
}
