import { describe, expect, it } from "vitest";
import { runCli } from "../cli/cli-process.js";

/** The demo with the gcp engine: the built CLI starts the GCE fake itself and runs jobs on it. */
describe("scaleset demo --engine gcp", () => {
  it("`scaleset demo --engine gcp` runs on the GCE fake with nothing left behind", async () => {
    const { code, stderr } = await runCli([
      "demo",
      "--engine",
      "gcp",
      "--jobs",
      "4",
      "--rate",
      "20",
      "--duration",
      "50ms-100ms",
      "--port",
      "0",
      "--quiet",
    ]);
    expect(code).toBe(0);
    expect(stderr).toMatch(
      /demo finished: 4 jobs completed; left behind: 0 machines, 0 runner registrations, 0 sessions/,
    );
  });
});
