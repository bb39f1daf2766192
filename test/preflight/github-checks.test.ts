import { generateKeyPairSync } from "node:crypto";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { ActionsClient } from "../../src/github/index.js";
import { check, type Fakes, preflight, printed, startFakes, TOKEN } from "./fixture.js";

/**
 * validate's GitHub checks against the GitHub simulator, one fault each: the ✗ (or !) line
 * and its fix as printed. Only the sim scale set runs, so no cloud is involved.
 */

let f: Fakes | undefined;
afterEach(async () => {
  await f?.stop();
  f = undefined;
});

const SIM_ONLY = { only: ["sim" as const] };

describe("validate: GitHub", () => {
  it("passes with a PAT that may manage the org's runners, and creates no scale set", async () => {
    f = await startFakes();
    const report = await preflight(f, SIM_ONLY);
    expect(check(report, "GitHub", "credentials").status).toBe("ok");
    expect(check(report, "GitHub", "scope").detail).toContain("organization my-org");
    expect(check(report, "sim-linux", "scale set name").detail).toContain("free");
    const snap = f.github.snapshot();
    expect(snap.scaleSets).toHaveLength(0);
    expect(snap.sessions).toHaveLength(0);
  });

  it("a refused token: ✗ credentials, the later steps not checked", async () => {
    f = await startFakes();
    const report = await preflight(f, SIM_ONLY, {
      env: { GITHUB_TOKEN: "ghp_revoked_0000000000" },
    });
    expect(printed(report, "credentials", "401")).toMatch(
      /✗ credentials .*401.*\n.*→ fix: GitHub refused the token .*GITHUB_TOKEN/,
    );
    expect(check(report, "GitHub", "scope").status).toBe("skip");
    expect(check(report, "sim-linux", "runner group").status).toBe("skip");
  });

  it("a token without admin rights on the org: ✗ scope naming the scope the token needs", async () => {
    f = await startFakes();
    f.github.faults.denyRegistrationTokens(403);
    const report = await preflight(f, SIM_ONLY);
    expect(check(report, "GitHub", "credentials").status).toBe("ok");
    expect(printed(report, "scope", "no registration token")).toMatch(
      /✗ scope .*organization my-org: no registration token: .*403.*Resource not accessible by personal access token.*\n.*→ fix: .*admin:org.*Self-hosted runners: read and write/,
    );
  });

  it("a repository URL the token cannot see (404): ✗ scope with the repository's fix", async () => {
    f = await startFakes();
    f.github.faults.denyRegistrationTokens(404);
    const report = await preflight(f, { ...SIM_ONLY, githubUrl: f.github.configUrl("my-org/app") });
    expect(printed(report, "scope", "repository my-org/app")).toMatch(
      /✗ scope .*404[^\n]*\n.*→ fix: the token's owner must be an admin of my-org\/app; a classic token needs the repo scope/,
    );
  });

  it("runner-registration refused: ✗ actions service", async () => {
    f = await startFakes();
    f.github.faults.registrationAuthFailures(10);
    const report = await preflight(f, SIM_ONLY);
    expect(check(report, "GitHub", "scope").status).toBe("ok");
    expect(printed(report, "actions service", "401")).toMatch(
      /✗ actions service .*runner-registration.*401[^\n]*\n.*→ fix: .*github.url names the org, repo or enterprise exactly/,
    );
  });

  it("a GitHub App whose installation id is wrong: ✗ credentials with the installation fix", async () => {
    const keys = generateKeyPairSync("rsa", {
      modulusLength: 2048,
      publicKeyEncoding: { type: "spki", format: "pem" },
      privateKeyEncoding: { type: "pkcs8", format: "pem" },
    });
    f = await startFakes({
      app: { clientId: "Iv1.validate", installationId: 42, publicKeyPem: keys.publicKey },
    });
    const keyPath = join(f.dir, "app.pem");
    writeFileSync(keyPath, keys.privateKey, { mode: 0o600 });
    const app = (installation: number) =>
      `{ url: "${f?.github.configUrl()}", app: { client_id: Iv1.validate, installation_id: ${installation}, private_key_path: ${keyPath} } }`;
    const env = { GITHUB_TOKEN: undefined };
    const good = await preflight(f, { ...SIM_ONLY, github: app(42) }, { env });
    expect(check(good, "GitHub", "credentials").detail).toBe(
      "credentials ok (GitHub App Iv1.validate, installation 42: installation token issued)",
    );
    const bad = await preflight(f, { ...SIM_ONLY, github: app(7) }, { env });
    expect(printed(bad, "credentials", "404")).toMatch(
      /✗ credentials .*access_tokens.*404[^\n]*\n.*→ fix: installation 7 does not belong to this App: check github.app.installation_id/,
    );
    expect(JSON.stringify(bad)).not.toContain("PRIVATE KEY");
  });

  it("a runner group that does not exist: ✗ runner group naming the config field", async () => {
    f = await startFakes();
    const report = await preflight(f, { ...SIM_ONLY, sim: "    runner_group: gpu\n" });
    expect(printed(report, "runner group", "gpu")).toMatch(
      /✗ runner group .*no runner group found with name "gpu"\n.*→ fix: create the runner group "gpu" .* or fix scalesets\[0\].runner_group/,
    );
    expect(check(report, "sim-linux", "scale set name").status).toBe("skip");
  });

  it("a scale set of that name with other labels: ! scale set name (the scaler would relabel it)", async () => {
    f = await startFakes();
    const client = new ActionsClient({
      configUrl: f.github.configUrl(),
      credentials: { type: "pat", token: TOKEN },
    });
    await client.createScaleSet({
      name: "sim-linux",
      runnerGroupId: 1,
      labels: ["sim-linux", "gpu"],
    });
    await client.close();
    const report = await preflight(f, SIM_ONLY);
    expect(printed(report, "scale set name", "exists")).toMatch(
      /! scale set name .*exists \(id \d+\) with labels \[sim-linux, gpu\], not \[sim-linux\]: scaleset would change its labels\n.*→ fix: if another deployment owns "sim-linux", choose another scalesets\[0\].name/,
    );
    expect(report.counts.fail).toBe(0);
  });
});
