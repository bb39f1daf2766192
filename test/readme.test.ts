import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";

const read = (path: string) => readFileSync(new URL(`../${path}`, import.meta.url), "utf8");

describe("README quick start", () => {
  const readme = read("README.md");
  const firstBlock = /```sh\n([\s\S]*?)```/.exec(readme)?.[1] ?? "";
  const commands = firstBlock
    .split("\n")
    .map((l) => l.replace(/#.*$/, "").trim())
    .filter(Boolean);

  it("starts with the demo command and the test command", () => {
    expect(commands[0]).toMatch(/^npm ci && npm run demo/);
    expect(commands[1]).toBe("npm ci && npm test");
  });

  it("is the test command CI runs", () => {
    const ci = read(".ci/run").trim().split("\n");
    expect(ci.at(-1)).toBe(commands[1]);
  });

  it("states the Node.js version the package requires", () => {
    const pkg = JSON.parse(read("package.json")) as { engines: { node: string } };
    const minimum = /\d+(?:\.\d+)*/.exec(pkg.engines.node)?.[0];
    expect(minimum).toBeDefined();
    expect(readme).toContain(`Node.js ${minimum} or newer`);
  });
});
