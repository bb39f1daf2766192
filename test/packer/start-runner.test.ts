/**
 * Runs packer/files/start-runner.sh against a loopback fake of the GCE metadata server and EC2
 * IMDSv2, with a fake runner directory whose run.sh records its argv and environment.
 */
import {
  chmodSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  writeFileSync,
} from "node:fs";
import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir, userInfo } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { packerDir, runScript } from "./shell.js";

const script = join(packerDir, "files/start-runner.sh");
const JIT = "eyJydW5uZXIiOiJ0ZXN0In0rL2ZhS2VKaXQ9PQ==";
const IMDS_TOKEN = "imds-token-123";

interface Recorded {
  method: string;
  url: string;
  headers: IncomingMessage["headers"];
}

/** What the fake metadata services answer; reset before each test. */
const state = {
  gceAttribute: JIT as string | undefined,
  ec2UserData: `#scaleset-jit-config\n${JIT}\n` as string | undefined,
  ec2ExpiresAt: undefined as string | undefined,
  requests: [] as Recorded[],
};

let server: Server;
let host: string;
let work: string;

function answer(status: number, body = "") {
  return { status, body };
}

function route(req: IncomingMessage): { status: number; body: string } {
  const url = req.url ?? "";
  if (url.startsWith("/computeMetadata/v1/")) {
    if (req.headers["metadata-flavor"] !== "Google") return answer(403);
    if (url === "/computeMetadata/v1/instance/attributes/ACTIONS_RUNNER_INPUT_JITCONFIG") {
      return state.gceAttribute === undefined ? answer(404) : answer(200, state.gceAttribute);
    }
    return answer(404);
  }
  if (url === "/latest/api/token") {
    const ttl = req.headers["x-aws-ec2-metadata-token-ttl-seconds"];
    return req.method === "PUT" && ttl ? answer(200, IMDS_TOKEN) : answer(400);
  }
  if (req.headers["x-aws-ec2-metadata-token"] !== IMDS_TOKEN) return answer(401);
  if (url === "/latest/user-data") {
    return state.ec2UserData === undefined ? answer(404) : answer(200, state.ec2UserData);
  }
  if (url === "/latest/meta-data/tags/instance/scaleset-expires-at") {
    return state.ec2ExpiresAt === undefined ? answer(404) : answer(200, state.ec2ExpiresAt);
  }
  return answer(404);
}

beforeAll(async () => {
  server = createServer((req, res) => {
    state.requests.push({ method: req.method ?? "", url: req.url ?? "", headers: req.headers });
    const { status, body } = route(req);
    res.writeHead(status, { "content-type": "text/plain" }).end(body);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  host = `127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
});

beforeEach(() => {
  state.gceAttribute = JIT;
  state.ec2UserData = `#scaleset-jit-config\n${JIT}\n`;
  state.ec2ExpiresAt = undefined;
  state.requests = [];
  work = mkdtempSync(join(tmpdir(), "scaleset-start-runner-"));
  const runnerDir = join(work, "runner");
  const stubs = join(work, "bin");
  mkdirSync(runnerDir);
  mkdirSync(stubs);
  mkdirSync(join(work, "cloud-init"));
  writeFileSync(join(work, "cloud-init/user-data.txt"), "copy");
  // The fake runner records how it was started, then exits with the status the test chose.
  writeFileSync(
    join(runnerDir, "run.sh"),
    '#!/usr/bin/env bash\n{ echo "argc=$#"; echo "uid=$(id -u)"; env; } >"$FAKE_RUNNER_OUT"\nexit "$FAKE_RUNNER_EXIT"\n',
  );
  chmodSync(join(runnerDir, "run.sh"), 0o755);
  writeFileSync(join(stubs, "shutdown"), '#!/bin/sh\necho "$@" >"$FAKE_SHUTDOWN_OUT"\n');
  chmodSync(join(stubs, "shutdown"), 0o755);
});

function start(provider: string, extra: Record<string, string> = {}) {
  return runScript(script, [provider], {
    PATH: `${join(work, "bin")}:/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin`,
    SCALESET_RUNNER_DIR: join(work, "runner"),
    SCALESET_RUNNER_USER: userInfo().username,
    SCALESET_METADATA_ATTEMPTS: "1",
    SCALESET_CLOUD_INIT_DIR: join(work, "cloud-init"),
    GCE_METADATA_HOST: host,
    AWS_EC2_METADATA_SERVICE_ENDPOINT: `http://${host}/`,
    FAKE_RUNNER_OUT: join(work, "runner.out"),
    FAKE_SHUTDOWN_OUT: join(work, "shutdown.out"),
    FAKE_RUNNER_EXIT: "0",
    ...extra,
  });
}

function runnerStart(): { argc: string; env: Map<string, string> } | undefined {
  const path = join(work, "runner.out");
  if (!existsSync(path)) return undefined;
  const lines = readFileSync(path, "utf8").trim().split("\n");
  const env = new Map<string, string>();
  for (const line of lines.slice(1)) {
    const eq = line.indexOf("=");
    if (eq > 0) env.set(line.slice(0, eq), line.slice(eq + 1));
  }
  return { argc: lines[0] ?? "", env };
}

describe("start-runner.sh on GCE", () => {
  it("reads the metadata attribute and starts the runner with the JIT config only in its environment", async () => {
    const result = await start("gcp", { FAKE_RUNNER_EXIT: "0" });

    expect(result.code).toBe(0);
    const request = state.requests.find((r) => r.url.endsWith("/ACTIONS_RUNNER_INPUT_JITCONFIG"));
    expect(request?.headers["metadata-flavor"]).toBe("Google");
    const started = runnerStart();
    expect(started?.argc).toBe("argc=0");
    expect(started?.env.get("ACTIONS_RUNNER_INPUT_JITCONFIG")).toBe(JIT);
    expect(started?.env.get("ACTIONS_RUNNER_RETURN_VERSION_DEPRECATED_EXIT_CODE")).toBe("1");
    expect(started?.env.get("RUNNER_MANUALLY_TRAP_SIG")).toBe("1");
    expect(result.stdout + result.stderr).not.toContain(JIT);
  });

  it("exits with the runner's status, so a deprecated runner (7) still ends the unit", async () => {
    const result = await start("gcp", { FAKE_RUNNER_EXIT: "7" });
    expect(result.code).toBe(7);
    expect(runnerStart()).toBeDefined();
  });

  it("fails without starting the runner when the attribute is missing", async () => {
    state.gceAttribute = undefined;
    const result = await start("gcp");
    expect(result.code).toBe(1);
    expect(result.stderr).toContain("ACTIONS_RUNNER_INPUT_JITCONFIG");
    expect(runnerStart()).toBeUndefined();
  });

  it("refuses a value that is not base64 without echoing it", async () => {
    state.gceAttribute = "not base64; rm -rf /";
    const result = await start("gcp");
    expect(result.code).toBe(1);
    expect(result.stderr).toContain("not base64");
    expect(result.stderr).not.toContain("rm -rf");
    expect(runnerStart()).toBeUndefined();
  });

  it("warns when the image is older than three weeks", async () => {
    const built = new Date(Date.now() - 40 * 86_400_000).toISOString();
    const result = await start("gcp", {
      SCALESET_IMAGE_BUILT_AT: built,
      SCALESET_RUNNER_VERSION: "2.330.0",
    });
    expect(result.code).toBe(0);
    expect(result.stderr).toContain("actions runner 2.330.0");
    expect(result.stderr).toMatch(/image is 40 days old/);
  });
});

describe("start-runner.sh on EC2", () => {
  it("uses an IMDSv2 token, parses the marked user data and removes cloud-init's copy", async () => {
    const result = await start("ec2");

    expect(result.code).toBe(0);
    const tokenRequest = state.requests.find((r) => r.url === "/latest/api/token");
    expect(tokenRequest?.method).toBe("PUT");
    expect(tokenRequest?.headers["x-aws-ec2-metadata-token-ttl-seconds"]).toMatch(/^\d+$/);
    const userData = state.requests.find((r) => r.url === "/latest/user-data");
    expect(userData?.headers["x-aws-ec2-metadata-token"]).toBe(IMDS_TOKEN);
    const started = runnerStart();
    expect(started?.argc).toBe("argc=0");
    expect(started?.env.get("ACTIONS_RUNNER_INPUT_JITCONFIG")).toBe(JIT);
    expect(existsSync(join(work, "cloud-init/user-data.txt"))).toBe(false);
    expect(existsSync(join(work, "shutdown.out"))).toBe(false);
    expect(result.stdout + result.stderr).not.toContain(JIT);
  });

  it("schedules a power-off at scaleset-expires-at when the tag is visible", async () => {
    state.ec2ExpiresAt = new Date(Date.now() + 90 * 60_000).toISOString();
    const result = await start("ec2");

    expect(result.code).toBe(0);
    const args = readFileSync(join(work, "shutdown.out"), "utf8").trim();
    const minutes = Number(/^--poweroff \+(\d+) /.exec(args)?.[1]);
    expect(minutes).toBeGreaterThanOrEqual(90);
    expect(minutes).toBeLessThanOrEqual(91);
    expect(runnerStart()).toBeDefined();
  });

  it("powers off at once when scaleset-expires-at has passed", async () => {
    state.ec2ExpiresAt = new Date(Date.now() - 60_000).toISOString();
    await start("ec2");
    expect(readFileSync(join(work, "shutdown.out"), "utf8")).toMatch(/^--poweroff \+0 /);
  });

  it("rejects user data without the marker line and does not print it", async () => {
    state.ec2UserData = `#cloud-config\n${JIT}\n`;
    const result = await start("ec2");
    expect(result.code).toBe(1);
    expect(result.stderr).toContain("#scaleset-jit-config");
    expect(result.stderr).not.toContain(JIT);
    expect(runnerStart()).toBeUndefined();
  });
});

describe("start-runner.sh as root", () => {
  const isRoot = process.getuid?.() === 0;
  it.skipIf(!isRoot)(
    "drops to the runner user with setpriv and keeps the JIT environment",
    async () => {
      // `nobody` stands in for `runner`: the fake runner directory must be reachable for it.
      chmodSync(work, 0o777);
      chmodSync(join(work, "runner"), 0o755);
      const result = await start("gcp", { SCALESET_RUNNER_USER: "nobody" });

      expect(result.code).toBe(0);
      const started = runnerStart();
      expect(started?.env.get("uid")).not.toBe("0");
      expect(started?.env.get("USER")).toBe("nobody");
      expect(started?.env.get("ACTIONS_RUNNER_INPUT_JITCONFIG")).toBe(JIT);
      expect(started?.argc).toBe("argc=0");
    },
  );
});

describe("start-runner.sh arguments", () => {
  it("rejects an unknown provider", async () => {
    const result = await start("azure");
    expect(result.code).toBe(1);
    expect(result.stderr).toContain("unknown provider 'azure'");
    expect(runnerStart()).toBeUndefined();
  });
});
