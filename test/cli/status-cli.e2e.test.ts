/** `scaleset status` as a user runs it: the built CLI against a running scaler's status port. */
import { createServer } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { eventually, SCALE_SET, type Stack, startStack } from "../e2e/harness.js";
import { runCli, startCli } from "./cli-process.js";

let stack: Stack | undefined;
afterEach(async () => {
  await stack?.stop();
  stack = undefined;
});

/** A loopback port nothing listens on (bound once, then released). */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

describe("scaleset status (CLI)", () => {
  it("prints one block per scale set and exits 0; --json is /status itself", {
    timeout: 60_000,
  }, async () => {
    stack = await startStack();
    const app = await stack.startApp();
    await eventually("polling", () => app.ready().ready, 20_000);
    const url = app.url ?? "";

    const text = await runCli(["status", "--url", url]);
    expect(text.stderr).toBe("");
    expect(text.code).toBe(0);
    const lines = text.stdout.split("\n");
    expect(lines[0]).toMatch(/^scaleset \S+ · owner \S+ · up \d+s$/);
    expect(lines).toContain(`${SCALE_SET} (sim)`);
    expect(text.stdout).toMatch(/\n {2}listener {2}polling · session \d+s · last poll \d+s ago/);
    expect(text.stdout).toMatch(/\n {2}jobs {6}waiting 0 · running 0 · done 0/);
    expect(text.stdout).toMatch(/\n {2}runners {3}pending 0 · booting 0 · idle 0 · busy 0/);

    const json = await runCli(["status", "--url", url, "--json"]);
    expect(json.code).toBe(0);
    const listener = JSON.parse(json.stdout).scalesets[0].listener;
    expect(listener.sessionOpenedAt).toBeGreaterThan(0);
    expect(listener.recentErrors).toEqual([]);
  });

  it("exits 1 with one line on stderr when nothing listens", { timeout: 30_000 }, async () => {
    const port = await closedPort();
    const { code, stdout, stderr } = await runCli(["status", "--url", `http://127.0.0.1:${port}`]);
    expect(code).toBe(1);
    expect(stdout).toBe("");
    expect(stderr).toBe(
      `scaleset status: no scaler answers at http://127.0.0.1:${port} (ECONNREFUSED) — is it running, and is --url its status port?\n`,
    );
  });

  it("--watch redraws until interrupted, with a time stamp per block when not on a terminal", {
    timeout: 60_000,
  }, async () => {
    stack = await startStack();
    const app = await stack.startApp();
    await eventually("polling", () => app.ready().ready, 20_000);
    const run = startCli(["status", "--url", app.url ?? "", "--watch"]);
    const blocks = () => run.stdout().match(/^--- \d{4}-\d\d-\d\dT\S+Z$/gm)?.length ?? 0;
    await eventually("two redraws", () => blocks() >= 2, 20_000);
    run.child.kill("SIGINT");
    expect(await run.exited).toBe(0);
    expect(run.stdout().split(`${SCALE_SET} (sim)`).length - 1).toBeGreaterThanOrEqual(2);
  });
});
