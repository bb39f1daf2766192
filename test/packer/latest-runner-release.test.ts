/** packer/tools/latest-runner-release.sh against a loopback fake of the GitHub releases API. */
import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { hasCommand, packerDir, runScript } from "./shell.js";

const tool = join(packerDir, "tools/latest-runner-release.sh");
const X64 = "a1".repeat(32);
const ARM64 = "b2".repeat(32);

function release(version: string, opts: { x64Digest?: string } = {}) {
  return {
    tag_name: `v${version}`,
    body: [
      "## Features",
      `unrelated hex ${"c3".repeat(32)}`,
      `- actions-runner-linux-x64-${version}.tar.gz <!-- BEGIN SHA linux-x64 -->${X64}<!-- END SHA linux-x64 -->`,
      `- actions-runner-linux-arm64-${version}.tar.gz <!-- BEGIN SHA linux-arm64 -->${ARM64}<!-- END SHA linux-arm64 -->`,
    ].join("\r\n"),
    assets: [
      {
        name: `actions-runner-linux-x64-${version}.tar.gz`,
        digest: `sha256:${opts.x64Digest ?? X64}`,
      },
    ],
  };
}

let server: Server;
let api: string;
let requests: { url: string; headers: IncomingHttpHeaders }[] = [];
let latest: unknown = release("2.331.0");

beforeAll(async () => {
  server = createServer((req, res) => {
    requests.push({ url: req.url ?? "", headers: req.headers });
    const body =
      req.url === "/repos/actions/runner/releases/latest"
        ? latest
        : req.url === "/repos/actions/runner/releases/tags/v2.330.0"
          ? release("2.330.0")
          : undefined;
    if (body === undefined) res.writeHead(404).end("{}");
    else res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(body));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  api = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
});

beforeEach(() => {
  requests = [];
  latest = release("2.331.0");
});

describe.skipIf(!hasCommand("jq"))("latest-runner-release.sh", () => {
  it("prints the latest version and the linux-x64 checksum from the release-note markers", async () => {
    const result = await runScript(tool, [], { GITHUB_API_URL: api });
    expect(result.stderr).toBe("");
    expect(result.stdout).toBe(`runner_version=2.331.0\nrunner_sha256=${X64}\n`);
    expect(requests[0]?.url).toBe("/repos/actions/runner/releases/latest");
    expect(requests[0]?.headers.authorization).toBeUndefined();
  });

  it("reads a given version and arch, sending the token as a header", async () => {
    const result = await runScript(tool, ["arm64", "v2.330.0"], {
      GITHUB_API_URL: `${api}/`,
      GITHUB_TOKEN: "ghs_test",
    });
    expect(result.stdout).toBe(`runner_version=2.330.0\nrunner_sha256=${ARM64}\n`);
    expect(requests[0]?.headers.authorization).toBe("Bearer ghs_test");
  });

  it("fails when the API digest and the release notes disagree", async () => {
    latest = release("2.331.0", { x64Digest: "d4".repeat(32) });
    const result = await runScript(tool, [], { GITHUB_API_URL: api });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain("disagree");
    expect(result.stdout).toBe("");
  });

  it("fails when the release publishes no checksum for the arch", async () => {
    latest = { tag_name: "v2.331.0", body: "no checksums here", assets: [] };
    const result = await runScript(tool, [], { GITHUB_API_URL: api });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain("no SHA-256 for linux-x64");
  });

  it("rejects an unknown arch and a missing release", async () => {
    const arch = await runScript(tool, ["ppc64"], { GITHUB_API_URL: api });
    expect(arch.code).toBe(1);
    expect(arch.stderr).toContain("x64 or arm64");
    const missing = await runScript(tool, ["x64", "9.9.9"], { GITHUB_API_URL: api });
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain("could not read");
  });
});
