import { describe, expect, it } from "vitest";
import { loadConfig } from "../../src/config/index.js";
import { loadError, PEM, TOKEN, tempDir, writeTemp } from "./helpers.js";

describe("env: and file: references", () => {
  it("resolves env: in any string field, including numbers and nested lists", async () => {
    const config = await loadConfig({
      yamlText: `
github: { url: env:GH_URL, token: env:MY_TOKEN }
scalesets: [{ name: env:SET_NAME, labels: [env:LABEL, fixed], max_runners: env:MAX, engine: { type: sim } }]
`,
      env: {
        GH_URL: "https://github.com/acme",
        MY_TOKEN: TOKEN,
        SET_NAME: "gpu",
        LABEL: "cuda",
        MAX: "7",
      },
    });
    expect(config.github).toEqual({
      url: "https://github.com/acme",
      credentials: { type: "pat", token: TOKEN },
      allowInsecureHttp: false,
    });
    expect(config.scalesets[0]).toMatchObject({
      name: "gpu",
      labels: ["cuda", "fixed"],
      maxRunners: 7,
    });
  });

  it("reads file: references and trims the trailing newline only", async () => {
    const tokenFile = writeTemp("token", `  ${TOKEN}\n\n`);
    const keyFile = writeTemp("key.pem", PEM);
    const config = await loadConfig({
      yamlText: `
github:
  url: https://github.com/acme
  app: { client_id: file:${writeTemp("client", "Iv1.abc\n")}, installation_id: 9, private_key: file:${keyFile} }
scalesets: [{ name: a, runner_group: file:${tokenFile}, engine: { type: sim } }]
`,
      env: {},
    });
    expect(config.github.credentials).toEqual({
      type: "app",
      clientId: "Iv1.abc",
      installationId: 9,
      privateKey: PEM.replace(/\n$/, ""),
    });
    // Leading spaces are kept by file: (then trimmed by the field itself).
    expect(config.scalesets[0]!.runnerGroup).toBe(TOKEN);
  });

  it("names the field and the variable when env: is unset or empty", async () => {
    const error = await loadError(
      "github: { url: https://github.com/o, token: env:MISSING_TOKEN }\nscalesets: [{ name: a, max_runners: env:EMPTY }]\n",
      { env: { EMPTY: "" } },
    );
    expect(error.problems).toEqual([
      {
        path: "github.token",
        problem: "environment variable MISSING_TOKEN is not set",
        fix: "set MISSING_TOKEN or change the value",
      },
      {
        path: "scalesets[0].max_runners",
        problem: "environment variable EMPTY is not set",
        fix: "set EMPTY or change the value",
      },
    ]);
  });

  it("names the field and the path when file: cannot be read", async () => {
    const dir = tempDir();
    const error = await loadError(
      `github: { url: https://github.com/o, token: "file:${dir}/nope" }\nscalesets: [{ name: a, engine: { type: sim } }]\n`,
      { env: {} },
    );
    expect(error.message).toContain(
      `github.token: cannot read file ${dir}/nope (ENOENT) — check the path and that scaleset may read it`,
    );
    expect(error.problems).toHaveLength(1);
  });

  it("rejects references without a name or path", async () => {
    const error = await loadError(
      "github: { url: https://github.com/o, token: 'env:' }\nscalesets: [{ name: 'file:' }]\n",
    );
    expect(error.message).toContain(
      "github.token: env: reference has no variable name — write env:NAME",
    );
    expect(error.message).toContain(
      "scalesets[0].name: file: reference has no path — write file:/path/to/file",
    );
  });

  it("says where a bad referenced value came from", async () => {
    const error = await loadError(
      "github: { url: https://github.com/o, token: x }\nscalesets: [{ name: a, max_runners: env:MAX }]\n",
      { env: { MAX: "lots" } },
    );
    expect(error.message).toContain(
      "scalesets[0].max_runners (from env:MAX): must be a whole number",
    );
  });
});
