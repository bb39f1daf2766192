/** A printable copy of the config (for `scaleset config show`, start-up logs) without secrets. */
import { isSecretKey } from "./secret-keys.js";
import type { ScalesetConfig } from "./types.js";

export const REDACTED = "[redacted]";

function redactTree(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(redactTree);
  if (typeof node !== "object" || node === null) return node;
  const copy: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(node)) {
    copy[key] = isSecretKey(key) && typeof value === "string" ? REDACTED : redactTree(value);
  }
  return copy;
}

/** Deep copy with the PAT, the App private key and any other secret-named string replaced. */
export function redactConfig(config: ScalesetConfig): ScalesetConfig {
  const copy = redactTree(config) as ScalesetConfig;
  const credentials = copy.github.credentials;
  if (credentials.type === "pat") credentials.token = REDACTED;
  else credentials.privateKey = REDACTED;
  // OTLP headers usually carry an API key, whatever the header is called.
  const headers = copy.telemetry?.otlp.headers ?? {};
  for (const name of Object.keys(headers)) headers[name] = REDACTED;
  return copy;
}
