/**
 * Which config values are secrets, judged by where they sit: refused as command-line flags,
 * redacted from printed config, and warned about when written inline in a readable file.
 */

/** Key names that hold secrets in any section, snake_case or camelCase, including future ones. */
const SECRET_NAME = /token|key|secret|password|jit_?config|credential/i;
/** A key that names where a secret is kept (`private_key_path`) is not itself secret. */
const LOCATION_NAME = /_?path$/i;
/** Every OTLP header is treated as secret whatever its name: they usually carry an API key. */
const SECRET_SUBTREES: readonly (readonly string[])[] = [["telemetry", "otlp", "headers"]];

export function isSecretKey(key: string): boolean {
  return SECRET_NAME.test(key) && !LOCATION_NAME.test(key);
}

/** Whether the value at `path` (snake_case keys, list indexes as text) is a secret. */
export function isSecretPath(path: readonly string[]): boolean {
  if (path.some(isSecretKey)) return true;
  return SECRET_SUBTREES.some((tree) => tree.every((key, i) => path[i] === key));
}

/**
 * Every leaf under `tree` with its path. List items are keyed by their index, unless `intoLists`
 * is false: then a list is one leaf (a repeated flag).
 */
export function leaves(
  tree: unknown,
  intoLists = true,
  path: string[] = [],
): Array<[string[], unknown]> {
  if (typeof tree !== "object" || tree === null || (!intoLists && Array.isArray(tree)))
    return [[path, tree]];
  return Object.entries(tree).flatMap(([key, value]) => leaves(value, intoLists, [...path, key]));
}
