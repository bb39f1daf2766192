import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect } from "vitest";
import { ConfigError, type LoadConfigOptions, loadConfig } from "../../src/config/index.js";

export const TOKEN = "ghp_testTokenValue1234567890";
/** Not a real key: config only checks the PEM armour. */
export const PEM =
  "-----BEGIN RSA PRIVATE KEY-----\nMIIEsecretKeyBodyDoNotLeak\n-----END RSA PRIVATE KEY-----\n";

export const MINIMAL_YAML = `
github:
  url: https://github.com/my-org
  token: env:GITHUB_TOKEN
scalesets:
  - name: linux-x64
    engine: { type: sim }
`;

export function tempDir(): string {
  return mkdtempSync(join(tmpdir(), "scaleset-config-"));
}

export function writeTemp(name: string, content: string): string {
  const path = join(tempDir(), name);
  writeFileSync(path, content);
  return path;
}

/** loadConfig with an isolated env (never the real process.env) and JSON log default. */
export function load(yamlText: string, opts: Omit<LoadConfigOptions, "yamlText"> = {}) {
  return loadConfig({ env: { GITHUB_TOKEN: TOKEN }, stdoutIsTTY: false, ...opts, yamlText });
}

/** Expects loading to fail; returns the ConfigError (its message lists every problem). */
export async function loadError(
  yamlText: string | undefined,
  opts: Omit<LoadConfigOptions, "yamlText"> = {},
): Promise<ConfigError> {
  const attempt =
    yamlText === undefined
      ? loadConfig({ env: { GITHUB_TOKEN: TOKEN }, stdoutIsTTY: false, ...opts })
      : load(yamlText, opts);
  const error = await attempt.then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(error).toBeInstanceOf(ConfigError);
  const configError = error as ConfigError;
  // No error may ever carry a secret.
  expect(configError.message).not.toContain(TOKEN);
  expect(configError.message).not.toContain("secretKeyBody");
  return configError;
}
