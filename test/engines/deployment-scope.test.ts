import { describe, expect, it } from "vitest";
import { DEPLOYMENT_SCOPE_PATTERN, deploymentScope } from "../../src/engines/deployment-scope.js";
import { load, loadError } from "../config/helpers.js";

describe("deploymentScope", () => {
  it("is a valid GCE label value and EC2 tag value, readable and unique per org and scale set", () => {
    const prod = deploymentScope("https://github.com/acme", "linux-x64");
    const staging = deploymentScope("https://github.com/acme-staging", "linux-x64");
    const ghes = deploymentScope("https://ghes.example.com/acme", "linux-x64");
    const repo = deploymentScope("https://github.com/acme/app", "linux-x64");
    for (const scope of [prod, staging, ghes, repo])
      expect(scope).toMatch(DEPLOYMENT_SCOPE_PATTERN);
    expect(new Set([prod, staging, ghes, repo]).size).toBe(4);
    expect(prod).toMatch(/^acme-linux-x64-[0-9a-f]{10}$/);
    expect(repo).toMatch(/^acme-app-linux-x64-/);
  });

  it("ignores case and a trailing slash, as GitHub does for names and URLs", () => {
    expect(deploymentScope("https://github.com/Acme/", "Linux-X64")).toBe(
      deploymentScope("https://github.com/acme", "linux-x64"),
    );
  });

  it("stays within 63 characters for long names and keeps the hash", () => {
    const scope = deploymentScope(`https://github.com/${"o".repeat(80)}`, "n".repeat(100));
    expect(scope.length).toBeLessThanOrEqual(63);
    expect(scope).toMatch(DEPLOYMENT_SCOPE_PATTERN);
    expect(scope).toMatch(/-[0-9a-f]{10}$/);
  });

  it("drops the enterprises path segment from the readable part", () => {
    expect(deploymentScope("https://github.com/enterprises/big", "x")).toMatch(/^big-x-/);
  });
});

describe("scalesets[].deployment", () => {
  const yaml = (deployment: string) => `
github:
  url: https://github.com/my-org
  token: ghp_testTokenValue1234567890
scalesets:
  - name: linux-x64
    engine: { type: sim }
    deployment: ${deployment}
`;

  it("overrides the derived scope", async () => {
    const config = await load(yaml("prod-linux"));
    expect(config.scalesets[0]?.deployment).toBe("prod-linux");
  });

  it("rejects a value that is not a label, naming the field and the fix", async () => {
    const error = await loadError(yaml('"Prod Linux"'));
    expect(error.message).toContain("scalesets[0].deployment");
    expect(error.message).toContain("lowercase letters");
  });
});
