/**
 * Things about a valid config worth one line in the log at start: settings that weaken security
 * on purpose, and a scale set that is paused. They never contain a configured value.
 */
import { stat } from "node:fs/promises";
import { isLoopbackUrl } from "../util/loopback.js";
import { formatPath } from "./errors.js";
import { isSecretPath, leaves } from "./secret-keys.js";
import type { ScalesetConfig } from "./types.js";

export interface ConfigNotice {
  level: "warn" | "info";
  message: string;
  fields: Record<string, unknown>;
}

/** Notices that follow from the validated config itself. */
export function configNotices(config: ScalesetConfig): ConfigNotice[] {
  const notices: ConfigNotice[] = [];
  const url = new URL(config.github.url.trim());
  if (url.protocol === "http:" && !isLoopbackUrl(config.github.url.trim())) {
    notices.push({
      level: "warn",
      fields: { host: url.host },
      message:
        "github.url uses plain http (github.allow_insecure_http is true): the GitHub token and every runner's JIT config cross the network unencrypted",
    });
  }
  for (const scaleSet of config.scalesets) {
    if (scaleSet.maxRunners !== 0) continue;
    notices.push({
      level: "warn",
      fields: { scaleSet: scaleSet.name },
      message:
        "scale set is paused (max_runners: 0): it keeps its session and registration but starts no runners, so its jobs wait in the queue; raise max_runners to resume",
    });
  }
  return notices;
}

const REFERENCE = /^\s*(env|file):/;

/**
 * A config file that holds a secret inline (not as an `env:`/`file:` reference) and that group
 * or other users may read. `raw` is the parsed YAML, before references are resolved.
 */
export async function configFileNotices(path: string, raw: unknown): Promise<ConfigNotice[]> {
  if (process.platform === "win32") return []; // no POSIX mode bits to judge
  const inline = leaves(raw)
    .filter(([, value]) => typeof value === "string" && !REFERENCE.test(value))
    .filter(([at]) => isSecretPath(at))
    .map(([at]) => formatPath(at.map((key) => (/^\d+$/.test(key) ? Number(key) : key))));
  if (inline.length === 0) return [];
  let mode: number;
  try {
    mode = (await stat(path)).mode;
  } catch {
    return []; // it was just read; a race with a delete is not worth a warning
  }
  if ((mode & 0o044) === 0) return [];
  return [
    {
      level: "warn",
      fields: { path, mode: `0${(mode & 0o777).toString(8)}`, secrets: inline },
      message:
        "the config file holds secrets inline and other users may read it: chmod 600 it, or write the secrets as env:NAME or file:/path references",
    },
  ];
}
