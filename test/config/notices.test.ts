import { chmodSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { loadConfigWithNotices } from "../../src/config/index.js";
import { PEM, TOKEN, writeTemp } from "./helpers.js";

const SETS = "scalesets: [{ name: a, engine: { type: sim } }]\n";
const ENV = { GITHUB_TOKEN: TOKEN, OTLP_KEY: "from-env" };

async function notices(yaml: string, mode?: number, env: NodeJS.ProcessEnv = ENV) {
  const path = writeTemp("scaleset.yaml", yaml);
  if (mode !== undefined) chmodSync(path, mode);
  const loaded = await loadConfigWithNotices({ path, env, stdoutIsTTY: false });
  return { path, notices: loaded.notices };
}

describe("start-up notices", () => {
  it("none for an ordinary config", async () => {
    const { notices: found } = await notices(
      `github: { url: https://github.com/o, token: env:GITHUB_TOKEN }\n${SETS}`,
      0o644,
    );
    expect(found).toEqual([]);
  });

  it("warns that a scale set with max_runners 0 is paused", async () => {
    const { notices: found } = await notices(
      "github: { url: https://github.com/o, token: env:GITHUB_TOKEN }\nscalesets: [{ name: a, engine: { type: sim } }, { name: b, max_runners: 0, engine: { type: sim } }]\n",
    );
    expect(found).toEqual([
      {
        level: "warn",
        fields: { scaleSet: "b" },
        message:
          "scale set is paused (max_runners: 0): it keeps its session and registration but starts no runners, so its jobs wait in the queue; raise max_runners to resume",
      },
    ]);
  });

  it("warns about plain http to a GHES, never for loopback", async () => {
    const ghes = await notices(
      `github: { url: http://ghes.example.com/o, token: env:GITHUB_TOKEN, allow_insecure_http: true }\n${SETS}`,
    );
    expect(ghes.notices).toEqual([
      expect.objectContaining({ level: "warn", fields: { host: "ghes.example.com" } }),
    ]);
    expect(ghes.notices[0]!.message).toContain("github.allow_insecure_http is true");
    const loopback = await notices(
      `github: { url: http://127.0.0.1:9/o, token: env:GITHUB_TOKEN }\n${SETS}`,
    );
    expect(loopback.notices).toEqual([]);
  });

  it("warns when a file others may read holds a secret inline, naming the fields, not the values", async () => {
    const yaml = `github: { url: https://github.com/o, token: ghp_inline_secret_value }
scalesets: [{ name: a, engine: { type: sim } }]
telemetry: { otlp: { headers: { x-api-key: inline-api-key, x-env: "env:OTLP_KEY" } } }
`;
    const readable = await notices(yaml, 0o644);
    expect(readable.notices).toEqual([
      {
        level: "warn",
        fields: {
          path: readable.path,
          mode: "0644",
          secrets: ["github.token", "telemetry.otlp.headers.x-api-key"],
        },
        message:
          "the config file holds secrets inline and other users may read it: chmod 600 it, or write the secrets as env:NAME or file:/path references",
      },
    ]);
    expect(JSON.stringify(readable.notices)).not.toContain("inline_secret_value");
    expect(JSON.stringify(readable.notices)).not.toContain("inline-api-key");
    // Group-readable counts too; owner-only does not.
    expect((await notices(yaml, 0o640)).notices).toHaveLength(1);
    expect((await notices(yaml, 0o600)).notices).toEqual([]);
  });

  it("does not count references or key file paths as inline secrets", async () => {
    const keyPath = writeTemp("app.pem", PEM);
    const { notices: found } = await notices(
      `github: { url: https://github.com/o, app: { client_id: Iv1.a, installation_id: 1, private_key_path: ${keyPath} } }\n${SETS}`,
      0o644,
      {},
    );
    expect(found).toEqual([]);
  });
});
