import { describe, expect, it } from "vitest";
import { REDACTED, redactConfig } from "../../src/config/index.js";
import { keyBody, load, PEM, TOKEN } from "./helpers.js";

describe("redactConfig", () => {
  it("replaces the PAT and leaves the original intact", async () => {
    const config = await load(
      "github: { url: https://github.com/o, token: env:GITHUB_TOKEN }\nscalesets: [{ name: a, engine: { type: sim } }]\n",
    );
    const safe = redactConfig(config);
    expect(safe.github.credentials).toEqual({ type: "pat", token: REDACTED });
    expect(JSON.stringify(safe)).not.toContain(TOKEN);
    expect(safe.scalesets).toEqual(config.scalesets);
    expect(config.github.credentials).toEqual({ type: "pat", token: TOKEN });
  });

  it("replaces the App private key but keeps the ids", async () => {
    const config = await load(
      "github: { url: https://github.com/o }\nscalesets: [{ name: a, engine: { type: sim } }]\n",
      {
        env: {
          GITHUB_APP_CLIENT_ID: "Iv1.x",
          GITHUB_APP_INSTALLATION_ID: "3",
          GITHUB_APP_PRIVATE_KEY: PEM,
        },
      },
    );
    const safe = redactConfig(config);
    expect(safe.github.credentials).toEqual({
      type: "app",
      clientId: "Iv1.x",
      installationId: 3,
      privateKey: REDACTED,
    });
    expect(JSON.stringify(safe)).not.toContain(keyBody(PEM));
  });
});
