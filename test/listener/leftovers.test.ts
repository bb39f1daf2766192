/**
 * GHES: at each session start the listener acquires what GET acquirablejobs lists (jobs an
 * earlier process acked but never acquired). Tolerant: nothing listed, or a failure, never
 * stops the loop.
 */
import { describe, expect, it } from "vitest";
import { capturingLogger, makeListener, runUntil, ScriptedGitHub } from "./helpers.js";

const listed = (...ids: number[]) =>
  ids.map((runnerRequestId) => ({ runnerRequestId, repositoryName: "r", jobWorkflowRef: "w" }));

describe("ScaleSetListener leftover jobs (GHES)", () => {
  it("acquires the listed jobs at session start, before the first poll", async () => {
    const github = new ScriptedGitHub();
    github.acquirable = [listed(5, 6, 5)];
    const { listener } = makeListener(github, { acquireLeftovers: true });
    const calls = await runUntil(listener, github, () => github.calls.includes("poll:0:7"));
    expect(calls.slice(0, 6)).toEqual([
      "getScaleSetByName",
      "createScaleSet",
      "createSession:10",
      "acquirable:10",
      "acquire:5,6",
      "desired:2",
    ]);
  });

  it("nothing listed → no acquire; a failing listing is logged and polling goes on", async () => {
    const github = new ScriptedGitHub();
    github.acquirable = [new Error("GET acquirablejobs returned 500")];
    const { logger, lines } = capturingLogger();
    const { listener } = makeListener(github, { acquireLeftovers: true, logger });
    const calls = await runUntil(listener, github, () => github.calls.includes("poll:0:7"));
    expect(calls).toContain("acquirable:10");
    expect(calls.some((c) => c.startsWith("acquire:"))).toBe(false);
    expect(
      lines().find((l) => l.msg === "could not acquire leftover jobs; going on"),
    ).toMatchObject({ level: 40 });
    expect(listener.status().restarts).toBe(0);
  });

  it("off the GHES path nothing is listed", async () => {
    const github = new ScriptedGitHub();
    github.acquirable = [listed(5)];
    const { listener } = makeListener(github, { acquireLeftovers: false });
    const calls = await runUntil(listener, github, () => github.calls.includes("poll:0:7"));
    expect(calls.some((c) => c.startsWith("acquirable"))).toBe(false);
  });
});
