/**
 * The example engine configs in docs/gcp and docs/aws are accepted by scaleset's config schema,
 * and the docs link what they promise to link.
 */
import { describe, expect, it } from "vitest";
import { loadConfig } from "../../src/config/index.js";
import { readRepoFile } from "./shell.js";

/** The first ```yaml block that configures scale sets. */
function exampleConfig(doc: string): string {
  const blocks = [...doc.matchAll(/```yaml\n([\s\S]*?)```/g)].map((m) => m[1] ?? "");
  const block = blocks.find((b) => b.startsWith("scalesets:"));
  if (block === undefined) throw new Error("no scalesets example in the document");
  return `github:\n  url: https://github.com/my-org\n  token: env:GITHUB_TOKEN\n${block}`;
}

async function load(doc: string) {
  const config = await loadConfig({
    yamlText: exampleConfig(readRepoFile(doc)),
    env: { GITHUB_TOKEN: "ghp_example" },
    stdoutIsTTY: false,
  });
  return config.scalesets[0]?.engine;
}

describe("docs/gcp/README.md", () => {
  it("has an example config the gcp engine accepts", async () => {
    const engine = await load("docs/gcp/README.md");
    expect(engine?.type).toBe("gcp");
    if (engine?.type !== "gcp") return;
    expect(engine.gcp.image).toBe(
      "projects/my-runners/global/images/family/scaleset-runner-ubuntu-2404-amd64",
    );
    expect(engine.gcp.zones).toHaveLength(3);
    expect(engine.gcp.spot).toBe(true);
    expect(engine.gcp.maxRunDuration).toBe(7 * 3600_000);
  });

  it("links the image build and the Cloud Run guide", () => {
    const doc = readRepoFile("docs/gcp/README.md");
    expect(doc).toContain("](../../packer/README.md)");
    expect(doc).toContain("](../deploy/cloud-run.md)");
    expect(doc).toContain("roles/iam.serviceAccountUser");
  });
});

describe("docs/aws/README.md", () => {
  it("has an example config the ec2 engine accepts", async () => {
    const engine = await load("docs/aws/README.md");
    expect(engine?.type).toBe("ec2");
    if (engine?.type !== "ec2") return;
    expect(engine.ec2.instanceTypes).toEqual(["m7i.large", "m6i.large"]);
    expect(engine.ec2.instanceProfile).toBe("scaleset-runner");
    expect(engine.ec2.tags).toEqual({ team: "ci" });
    expect(engine.ec2.maxRunDuration).toBe(7 * 3600_000);
  });

  it("links the policy file, the image build and the ECS guide", () => {
    const doc = readRepoFile("docs/aws/README.md");
    expect(doc).toContain("](scaler-policy.json)");
    expect(doc).toContain("](../../packer/README.md)");
    expect(doc).toContain("](../deploy/ecs.md)");
  });
});
