import { describe, expect, it } from "vitest";
import { load, loadError, MINIMAL_YAML, OTHER_PEM, PEM, TOKEN, writeTemp } from "./helpers.js";

const APP_YAML = `
github:
  url: https://github.com/my-org
  app: { client_id: Iv1.file, installation_id: 1, private_key: "${PEM.replace(/\n/g, "\\n")}" }
scalesets: [{ name: a, engine: { type: sim } }]
`;

describe("environment variable overrides", () => {
  it("GITHUB_TOKEN wins over the file's token", async () => {
    const config = await load(
      "github: { url: https://github.com/o, token: fromfile }\nscalesets: [{ name: a, engine: { type: sim } }]\n",
      {
        env: { GITHUB_TOKEN: TOKEN },
      },
    );
    expect(config.github.credentials).toEqual({ type: "pat", token: TOKEN });
  });

  it("GITHUB_TOKEN alone supplies the credentials", async () => {
    const config = await load(
      "github: { url: https://github.com/o }\nscalesets: [{ name: a, engine: { type: sim } }]\n",
      {
        env: { GITHUB_TOKEN: TOKEN },
      },
    );
    expect(config.github.credentials).toEqual({ type: "pat", token: TOKEN });
  });

  it("GITHUB_APP_* supply or replace App fields", async () => {
    const keyPath = writeTemp("env.pem", OTHER_PEM);
    const config = await load(APP_YAML, {
      env: {
        GITHUB_APP_CLIENT_ID: "Iv1.env",
        GITHUB_APP_INSTALLATION_ID: "42",
        GITHUB_APP_PRIVATE_KEY_PATH: keyPath,
      },
    });
    expect(config.github.credentials).toMatchObject({
      type: "app",
      clientId: "Iv1.env",
      installationId: 42,
    });
    expect(config.github.credentials).toHaveProperty("privateKey", OTHER_PEM);

    const fromText = await load(
      "github: { url: https://github.com/o }\nscalesets: [{ name: a, engine: { type: sim } }]\n",
      {
        env: {
          GITHUB_APP_CLIENT_ID: "7",
          GITHUB_APP_INSTALLATION_ID: "8",
          GITHUB_APP_PRIVATE_KEY: PEM,
        },
      },
    );
    expect(fromText.github.credentials).toEqual({
      type: "app",
      clientId: "7",
      installationId: 8,
      privateKey: PEM,
    });
  });

  it("GITHUB_APP_PRIVATE_KEY replaces a private_key_path from the file", async () => {
    const config = await load(
      "github: { url: https://github.com/o, app: { client_id: 1, installation_id: 2, private_key_path: /nonexistent.pem } }\nscalesets: [{ name: a, engine: { type: sim } }]\n",
      { env: { GITHUB_APP_PRIVATE_KEY: PEM } },
    );
    expect(config.github.credentials).toHaveProperty("privateKey", PEM);
  });

  it("refuses both GITHUB_APP_PRIVATE_KEY and GITHUB_APP_PRIVATE_KEY_PATH", async () => {
    const error = await loadError(APP_YAML, {
      env: { GITHUB_APP_PRIVATE_KEY: PEM, GITHUB_APP_PRIVATE_KEY_PATH: "/k.pem" },
    });
    expect(error.message).toContain(
      "github.app.private_key: both GITHUB_APP_PRIVATE_KEY and GITHUB_APP_PRIVATE_KEY_PATH are set — unset one of them",
    );
  });

  it("reports GITHUB_TOKEN next to an App in the file as a conflict", async () => {
    const error = await loadError(APP_YAML, { env: { GITHUB_TOKEN: TOKEN } });
    expect(error.message).toContain(
      "github: has both token and app — configure exactly one of token or app (remove the other, or unset GITHUB_TOKEN",
    );
  });

  it("names the env var behind a bad value", async () => {
    const error = await loadError(APP_YAML, {
      env: { GITHUB_APP_INSTALLATION_ID: "abc", PORT: "http" },
    });
    expect(error.message).toContain(
      "github.app.installation_id (from $GITHUB_APP_INSTALLATION_ID): must be the numeric installation ID",
    );
    expect(error.message).toContain(
      "server.port (from $PORT): must be a TCP port between 0 and 65535",
    );
  });

  it("PORT wins over server.port, and a --server.port flag wins over PORT", async () => {
    const yaml = `${MINIMAL_YAML}server: { port: 8081 }\n`;
    expect((await load(yaml)).server.port).toBe(8081);
    expect((await load(yaml, { env: { GITHUB_TOKEN: TOKEN, PORT: "9090" } })).server.port).toBe(
      9090,
    );
    const flagged = await load(yaml, {
      env: { GITHUB_TOKEN: TOKEN, PORT: "9090" },
      overrides: { server: { port: 7070 } },
    });
    expect(flagged.server.port).toBe(7070);
  });

  it("SCALESET_LOG_LEVEL sets logging.level", async () => {
    const config = await load(`${MINIMAL_YAML}logging: { level: warn }\n`, {
      env: { GITHUB_TOKEN: TOKEN, SCALESET_LOG_LEVEL: "trace" },
    });
    expect(config.logging.level).toBe("trace");
    const error = await loadError(MINIMAL_YAML, {
      env: { GITHUB_TOKEN: TOKEN, SCALESET_LOG_LEVEL: "chatty" },
    });
    expect(error.message).toContain("logging.level (from $SCALESET_LOG_LEVEL): is not a log level");
  });

  it("ignores empty env vars", async () => {
    const config = await load(`${MINIMAL_YAML}server: { port: 8081 }\n`, {
      env: { GITHUB_TOKEN: TOKEN, PORT: "" },
    });
    expect(config.server.port).toBe(8081);
  });
});
