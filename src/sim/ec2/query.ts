/**
 * The EC2 Query protocol's request side: a form-encoded body of flat `Name=value` pairs where
 * lists and structures are spelled out with 1-based indexes (`InstanceId.1`,
 * `TagSpecification.1.Tag.2.Key`, `Filter.1.Value.1`).
 */
export type QueryParams = Readonly<Record<string, string>>;

export function parseQuery(body: string): QueryParams {
  const params: Record<string, string> = {};
  for (const [key, value] of new URLSearchParams(body)) params[key] = value;
  return params;
}

/** `Prefix.1`, `Prefix.2`, … in index order. */
export function indexedValues(params: QueryParams, prefix: string): string[] {
  return indexed(params, prefix)
    .filter(([, rest]) => rest === "")
    .map(([, , value]) => value);
}

/** `Prefix.N.Member…` grouped per N (in index order), with `Prefix.N.` stripped from the keys. */
export function indexedStructs(params: QueryParams, prefix: string): QueryParams[] {
  const groups = new Map<number, Record<string, string>>();
  for (const [index, rest, value] of indexed(params, prefix)) {
    if (rest === "") continue;
    const group = groups.get(index) ?? {};
    group[rest.slice(1)] = value;
    groups.set(index, group);
  }
  return [...groups.entries()].sort(([a], [b]) => a - b).map(([, group]) => group);
}

/** Members of `Prefix.` (a nested structure that is not a list), with the prefix stripped. */
export function struct(params: QueryParams, prefix: string): QueryParams | undefined {
  const out: Record<string, string> = {};
  let found = false;
  for (const [key, value] of Object.entries(params)) {
    if (!key.startsWith(`${prefix}.`)) continue;
    out[key.slice(prefix.length + 1)] = value;
    found = true;
  }
  return found ? out : undefined;
}

function indexed(params: QueryParams, prefix: string): Array<[number, string, string]> {
  const pattern = new RegExp(`^${prefix.replace(/\./g, "\\.")}\\.(\\d+)(\\..+)?$`);
  const out: Array<[number, string, string]> = [];
  for (const [key, value] of Object.entries(params)) {
    const match = pattern.exec(key);
    if (match) out.push([Number(match[1]), match[2] ?? "", value]);
  }
  return out.sort((a, b) => a[0] - b[0]);
}
