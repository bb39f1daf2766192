/**
 * A poison message (its id is known, its content never decodes) is tried MAX_DECODE_ATTEMPTS
 * times with a new session each, then acked, logged at error level and counted; the loop goes on.
 */
import { describe, expect, it } from "vitest";
import { MessageDecodeError } from "../../src/github/messages.js";
import { MAX_DECODE_ATTEMPTS } from "../../src/listener/status.js";
import { capturingLogger, makeListener, message, runUntil, ScriptedGitHub } from "./helpers.js";

const poison = () =>
  new MessageDecodeError(
    "scale set message body: response body is not valid JSON (message 77)",
    77,
    "RunnerScaleSetJobMessages",
    '[{"messageType":"JobAvailable","runnerRequestId":10',
  );

describe("ScaleSetListener and undecodable messages", () => {
  it("acks and drops a message after 3 failed decodes, logs it at error level, counts it and goes on", async () => {
    expect(MAX_DECODE_ATTEMPTS).toBe(3);
    const github = new ScriptedGitHub();
    github.polls = [poison(), poison(), poison(), message(78, 5)];
    github.acquirable = [];
    const dropped: string[] = [];
    const { logger, lines } = capturingLogger();
    const { listener } = makeListener(github, {
      logger,
      acquireLeftovers: true,
      observer: { messageDropped: (type) => dropped.push(type) },
    });
    const calls = await runUntil(listener, github, () => github.calls.includes("desired:5"));

    const sessionsBeforeAck = calls
      .slice(0, calls.indexOf("ack:77"))
      .filter((c) => c.startsWith("createSession"));
    expect(sessionsBeforeAck).toHaveLength(3); // a new session after each of the first two
    expect(calls.filter((c) => c === "ack:77")).toHaveLength(1);
    // After the drop: the jobs it offered are looked up, and polling resumes after its id.
    expect(calls.slice(calls.indexOf("ack:77"))).toEqual(
      expect.arrayContaining(["acquirable:10", "poll:77:7", "ack:78", "desired:5"]),
    );
    expect(listener.status()).toMatchObject({ droppedMessages: 1, lastMessageId: 78 });
    expect(dropped).toEqual(["RunnerScaleSetJobMessages"]);

    const errorLine = lines().find((l) => l.msg === "dropping a message that cannot be decoded");
    expect(errorLine).toMatchObject({
      level: 50,
      messageId: 77,
      messageType: "RunnerScaleSetJobMessages",
      attempts: 3,
      snippet: '[{"messageType":"JobAvailable","runnerRequestId":10',
    });
  });

  it("a message that decodes on a later attempt is handled normally and not dropped", async () => {
    const github = new ScriptedGitHub();
    github.polls = [poison(), message(77, 2)];
    const dropped: string[] = [];
    const { listener } = makeListener(github, {
      observer: { messageDropped: (type) => dropped.push(type) },
    });
    const calls = await runUntil(listener, github, () => github.calls.includes("ack:77"));
    expect(calls.filter((c) => c === "ack:77")).toHaveLength(1);
    expect(dropped).toEqual([]);
    expect(listener.status().droppedMessages).toBe(0);
  });
});
