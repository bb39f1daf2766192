import { describe, expect, it } from "vitest";
import { ScaleSetNotFoundError } from "../../src/github/errors.js";
import { apiError, job, makeListener, message, runUntil, ScriptedGitHub } from "./helpers.js";

describe("ScaleSetListener", () => {
  it("creates the scale set, applies session statistics, then acks first, acquires, dispatches and rescales", async () => {
    const github = new ScriptedGitHub();
    github.polls = [
      message(5, 3, {
        jobAvailable: [
          job("JobAvailable", 11),
          job("JobAvailable", 0),
          job("JobAvailable", 12),
        ] as never,
        jobStarted: [job("JobStarted", 0, "r1")] as never,
      }),
      null,
    ];
    const { listener } = makeListener(github);
    const calls = await runUntil(listener, github, () => github.calls.includes("poll:5:7"));
    expect(calls).toEqual([
      "getScaleSetByName",
      "createScaleSet",
      "createSession:10",
      "desired:2",
      "poll:0:7",
      "ack:5",
      "acquire:11,12", // runnerRequestId 0 is never acquired
      "started:r1",
      "desired:3",
      "poll:5:7",
      "desired:3", // an empty poll re-applies the last known count
      "poll:5:7",
      "deleteSession:10:s-10",
    ]);
  });

  it("waits out session conflicts and reports it in its status", async () => {
    const github = new ScriptedGitHub();
    github.conflicts = 3;
    const { listener } = makeListener(github);
    const calls = await runUntil(listener, github, () =>
      github.calls.some((c) => c.startsWith("poll")),
    );
    expect(calls.filter((c) => c.startsWith("createSession"))).toHaveLength(4);
    expect(listener.status().conflicts).toBe(3);
  });

  it("recreates a scale set deleted server-side and restarts from message id 0", async () => {
    const github = new ScriptedGitHub();
    github.polls = [message(40, 1), new ScaleSetNotFoundError({ ...apiError, status: 404 })];
    github.notFoundOnSession = 0;
    const { listener, scalerIds } = makeListener(github);
    const calls = await runUntil(
      listener,
      github,
      () =>
        github.calls.filter((c) => c === "createScaleSet").length === 2 &&
        github.calls.at(-1) === "poll:0:7",
    );
    expect(calls.filter((c) => c === "createScaleSet")).toHaveLength(2);
    expect(scalerIds).toEqual([10, 11]);
    // The session went with the scale set: no DELETE for it; the new set's session is closed.
    expect(calls).not.toContain("deleteSession:10:s-10");
    expect(calls.at(-1)).toBe("deleteSession:11:s-11");
    expect(calls.at(-2)).toBe("poll:0:7"); // the new scale set's messages start again
  });

  it("finishes a message it already received when shutdown arrives mid-handling", async () => {
    const github = new ScriptedGitHub();
    github.polls = [message(9, 4)];
    const { listener } = makeListener(github);
    const abort = new AbortController();
    const running = listener.run(abort.signal);
    while (!github.calls.includes("ack:9")) await new Promise((r) => setTimeout(r, 1));
    abort.abort(new Error("SIGTERM")); // the ack is in flight
    await running;
    const calls = github.calls;
    expect(calls.indexOf("desired:4")).toBeGreaterThan(calls.indexOf("ack:9"));
    expect(calls.at(-1)).toBe("deleteSession:10:s-10");
    expect(listener.status().phase).toBe("stopped");
  });

  it("restarts an iteration that hangs (watchdog) with a new session", async () => {
    const github = new ScriptedGitHub();
    github.polls = ["hang", null];
    const { listener } = makeListener(github, { watchdogMs: 50 });
    const calls = await runUntil(
      listener,
      github,
      () => github.calls.filter((c) => c.startsWith("createSession")).length >= 2,
    );
    expect(calls.filter((c) => c.startsWith("createSession")).length).toBeGreaterThanOrEqual(2);
    expect(calls).toContain("deleteSession:10:s-10");
    expect(listener.status().restarts).toBeGreaterThanOrEqual(1);
  });

  it("recovers from a poll error without losing its session state", async () => {
    const github = new ScriptedGitHub();
    github.polls = [new Error("socket hang up"), message(3, 1)];
    const { listener } = makeListener(github);
    const calls = await runUntil(listener, github, () => github.calls.includes("ack:3"));
    expect(calls).toContain("ack:3");
    expect(listener.status().restarts).toBe(1);
  });
});
