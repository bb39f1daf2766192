import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { EngineError } from "../../src/engines/engine.js";
import { adcEnv, type FakeCloud, makeEngine, startFakeCloud } from "./helpers.js";

/** ADC problems surface as one clear, non-retryable error at start — never an unhandled rejection. */

let cloud: FakeCloud;
beforeAll(async () => {
  cloud = await startFakeCloud();
});
afterAll(async () => {
  await cloud?.stop();
});

async function startError(): Promise<EngineError> {
  const error = await makeEngine(cloud.sim).then(
    async (engine) => {
      await engine.close();
      throw new Error("expected the engine not to start");
    },
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(EngineError);
  return error as EngineError;
}

describe("Application Default Credentials", () => {
  it("a missing credential file fails engine creation with a hint", async () => {
    Object.assign(process.env, adcEnv(join(tmpdir(), "no-such-dir", "adc.json")));
    try {
      const error = await startError();
      expect(error.retryable).toBe(false);
      expect(error.message).toContain("GOOGLE_APPLICATION_CREDENTIALS");
      expect(error.fix).toContain("GOOGLE_APPLICATION_CREDENTIALS");
    } finally {
      Object.assign(process.env, adcEnv(cloud.credentials));
    }
  });

  it("a token endpoint that refuses the exchange fails engine creation, before any compute call", async () => {
    const dir = mkdtempSync(join(tmpdir(), "scaleset-gcp-auth-"));
    const bad = join(dir, "adc.json");
    // The fake rejects an exchange without an audience.
    writeFileSync(
      bad,
      JSON.stringify({
        type: "external_account",
        audience: "",
        subject_token_type: "urn:ietf:params:oauth:token-type:jwt",
        token_url: cloud.sim.tokenUrl,
        credential_source: { file: cloud.credentials },
      }),
    );
    Object.assign(process.env, adcEnv(bad));
    try {
      const error = await startError();
      expect(error.retryable).toBe(false);
      expect(error.message).toContain("missing audience");
      expect(error.message).toContain("Application Default Credentials");
      expect(cloud.sim.requests).toHaveLength(0); // no compute call was attempted
    } finally {
      Object.assign(process.env, adcEnv(cloud.credentials));
    }
  });
});
