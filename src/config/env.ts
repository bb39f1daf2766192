/**
 * Environment variables that override the config file: credentials (so secrets can come from a
 * secret store without touching the YAML), `PORT` (set by platforms such as Cloud Run),
 * `SCALESET_SERVER_HOST` (set to 0.0.0.0 by the container image) and `SCALESET_LOG_LEVEL`.
 * A CLI flag for the same field still wins.
 */
import type { ConfigProblem } from "./errors.js";

type Tree = Record<string, unknown>;

export interface EnvOverlay {
  value: Tree;
  problems: ConfigProblem[];
  /** Formatted path → `$NAME`, to say where a bad value came from. */
  origins: Map<string, string>;
}

function child(tree: Tree, key: string): Tree {
  const existing = tree[key];
  const copy: Tree =
    typeof existing === "object" && existing !== null && !Array.isArray(existing)
      ? { ...existing }
      : {};
  tree[key] = copy;
  return copy;
}

/**
 * Applies env vars over `raw` (a mapping). `flagSet(path)` tells whether a CLI flag already set
 * that field, in which case the env var is ignored.
 */
export function applyEnv(
  raw: Tree,
  env: NodeJS.ProcessEnv,
  flagSet: (path: string[]) => boolean,
): EnvOverlay {
  const out: EnvOverlay = { value: { ...raw }, problems: [], origins: new Map() };
  const get = (name: string): string | undefined => {
    const value = env[name];
    return value === undefined || value === "" ? undefined : value;
  };
  const set = (path: [string, ...string[]], name: string): void => {
    const value = get(name);
    if (value === undefined || flagSet(path)) return;
    let node = out.value;
    for (const key of path.slice(0, -1)) node = child(node, key);
    node[path[path.length - 1]!] = value;
    out.origins.set(path.join("."), `$${name}`);
  };

  set(["github", "token"], "GITHUB_TOKEN");
  set(["github", "app", "client_id"], "GITHUB_APP_CLIENT_ID");
  set(["github", "app", "installation_id"], "GITHUB_APP_INSTALLATION_ID");

  const keyText = get("GITHUB_APP_PRIVATE_KEY");
  const keyPath = get("GITHUB_APP_PRIVATE_KEY_PATH");
  if (keyText !== undefined && keyPath !== undefined) {
    out.problems.push({
      path: "github.app.private_key",
      problem: "both GITHUB_APP_PRIVATE_KEY and GITHUB_APP_PRIVATE_KEY_PATH are set",
      fix: "unset one of them",
    });
  } else if (
    keyText !== undefined ||
    (keyPath !== undefined && !flagSet(["github", "app", "private_key_path"]))
  ) {
    // An env key replaces the file's key whichever form the file used.
    const app = child(child(out.value, "github"), "app");
    delete app.private_key;
    delete app.private_key_path;
    set(["github", "app", "private_key"], "GITHUB_APP_PRIVATE_KEY");
    set(["github", "app", "private_key_path"], "GITHUB_APP_PRIVATE_KEY_PATH");
  }

  set(["server", "port"], "PORT");
  set(["server", "host"], "SCALESET_SERVER_HOST");
  set(["logging", "level"], "SCALESET_LOG_LEVEL");
  return out;
}
