import { generateKeyPairSync } from "node:crypto";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect } from "vitest";
import { ConfigError, type LoadConfigOptions, loadConfig } from "../../src/config/index.js";

export const TOKEN = "ghp_testTokenValue1234567890";

function rsaPem(): string {
  return generateKeyPairSync("rsa", { modulusLength: 2048 })
    .privateKey.export({ type: "pkcs1", format: "pem" })
    .toString();
}

/** A real App key: config parses it at start. */
export const PEM = rsaPem();
/** A second real key, to tell which source won. */
export const OTHER_PEM = rsaPem();

/** A line from the middle of a key: no error or log may contain it. */
export function keyBody(pem: string): string {
  const body = pem.split("\n").filter((line) => line !== "" && !line.startsWith("-----"));
  return body[Math.floor(body.length / 2)]!;
}

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
  expect(configError.message).not.toContain(keyBody(PEM));
  expect(configError.message).not.toContain(keyBody(OTHER_PEM));
  return configError;
}
