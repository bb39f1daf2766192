import { describe, expect, it } from "vitest";
import { ProtocolError } from "../../src/github/errors.js";
import {
  MessageDecodeError,
  messageSnippet,
  parseScaleSetMessage,
  parseTime,
} from "../../src/github/messages.js";
import { ZERO_STATS } from "./helpers.js";

const stats = { ...ZERO_STATS, totalAssignedJobs: 3, totalRunningJobs: 1 };

function outer(body: unknown, extra: Record<string, unknown> = {}) {
  return {
    messageId: 100000171,
    messageType: "RunnerScaleSetJobMessages",
    body: typeof body === "string" ? body : JSON.stringify(body),
    statistics: stats,
    ...extra,
  };
}

const common = {
  jobId: "b1b39e2b-1",
  repositoryName: "repo",
  ownerName: "org",
  jobWorkflowRef: "org/repo/.github/workflows/ci.yml@refs/heads/main",
  jobDisplayName: "build",
  workflowRunId: 987654321,
  eventName: "push",
  requestLabels: ["my-set"],
};

describe("parseScaleSetMessage", () => {
  it("decodes all four job message types, in order, with type-specific fields", () => {
    const msg = parseScaleSetMessage(
      outer([
        {
          ...common,
          messageType: "JobAvailable",
          acquireJobUrl: "https://x/acquirejob",
          runnerRequestId: 1001,
          queueTime: "2026-05-01T10:00:00Z",
        },
        { ...common, messageType: "JobAssigned", runnerRequestId: 0, jobId: "j2" },
        {
          ...common,
          messageType: "JobStarted",
          runnerId: 5123,
          runnerName: "r-1",
          runnerAssignTime: "2026-05-01T10:00:20Z",
        },
        {
          ...common,
          messageType: "JobCompleted",
          result: "succeeded",
          runnerId: 5120,
          runnerName: "r-0",
        },
      ]),
    );
    expect(msg.messageId).toBe(100000171);
    expect(msg.statistics).toEqual(stats);
    expect(msg.jobAvailable).toHaveLength(1);
    expect(msg.jobAvailable[0]).toMatchObject({
      messageType: "JobAvailable",
      runnerRequestId: 1001,
      acquireJobUrl: "https://x/acquirejob",
      requestLabels: ["my-set"],
      workflowRunId: 987654321,
    });
    expect(msg.jobAvailable[0]!.queueTime?.toISOString()).toBe("2026-05-01T10:00:00.000Z");
    expect(msg.jobAssigned[0]).toMatchObject({ runnerRequestId: 0, jobId: "j2" });
    expect(msg.jobStarted[0]).toMatchObject({ runnerId: 5123, runnerName: "r-1" });
    expect(msg.jobStarted[0]!.runnerAssignTime).toBeInstanceOf(Date);
    expect(msg.jobCompleted[0]).toMatchObject({ result: "succeeded", runnerId: 5120 });
  });

  it("JobCompleted cancelled before assignment: empty runner, zero times → undefined", () => {
    const msg = parseScaleSetMessage(
      outer([
        {
          ...common,
          messageType: "JobCompleted",
          result: "canceled",
          runnerName: "",
          runnerAssignTime: "0001-01-01T00:00:00Z",
          finishTime: "2026-05-01T10:03:00Z",
        },
      ]),
    );
    const job = msg.jobCompleted[0]!;
    expect(job.runnerName).toBe("");
    expect(job.runnerId).toBe(0);
    expect(job.runnerAssignTime).toBeUndefined();
    expect(job.queueTime).toBeUndefined();
    expect(job.finishTime?.toISOString()).toBe("2026-05-01T10:03:00.000Z");
  });

  it("ignores unknown inner types and non-object entries", () => {
    const msg = parseScaleSetMessage(
      outer([
        { messageType: "JobFuture", x: 1 },
        42,
        null,
        { ...common, messageType: "JobAssigned" },
      ]),
    );
    expect(msg.jobAssigned).toHaveLength(1);
    expect(msg.jobAvailable.length + msg.jobStarted.length + msg.jobCompleted.length).toBe(0);
  });

  it.each([
    ["absent", undefined],
    ["empty", ""],
    ["whitespace", "  "],
  ])("%s body → no job messages", (_label, body) => {
    const json: Record<string, unknown> = outer("", {});
    if (body === undefined) delete json.body;
    else json.body = body;
    const msg = parseScaleSetMessage(json);
    expect(msg.jobAssigned).toEqual([]);
    expect(msg.statistics.totalAssignedJobs).toBe(3);
  });

  it("decodes keys case-insensitively", () => {
    const msg = parseScaleSetMessage({
      MessageId: 7,
      MessageType: "RunnerScaleSetJobMessages",
      Body: JSON.stringify([{ MessageType: "JobStarted", RunnerId: 3, RunnerName: "r" }]),
      Statistics: { TotalAssignedJobs: 2 },
    });
    expect(msg.messageId).toBe(7);
    expect(msg.statistics.totalAssignedJobs).toBe(2);
    expect(msg.statistics.totalIdleRunners).toBe(0);
    expect(msg.jobStarted[0]).toMatchObject({ runnerId: 3, runnerName: "r", jobId: "" });
  });

  it.each([
    ["unknown outer messageType", outer([], { messageType: "SomethingElse" }), /messageType/],
    ["missing statistics", outer([], { statistics: undefined }), /statistics/],
    ["null statistics", outer([], { statistics: null }), /statistics/],
    ["body not JSON", outer("[{not json"), /JSON/],
    ["body not an array", outer({ a: 1 }), /array/],
    ["missing messageId", outer([], { messageId: undefined }), /messageId/],
    ["not an object", [1, 2], /object/],
  ])("%s → ProtocolError", (_label, json, pattern) => {
    expect(() => parseScaleSetMessage(json)).toThrow(ProtocolError);
    expect(() => parseScaleSetMessage(json)).toThrow(pattern);
  });
});

describe("parseTime", () => {
  it("treats zero, absent and invalid values as unset", () => {
    expect(parseTime("0001-01-01T00:00:00Z")).toBeUndefined();
    expect(parseTime("0001-01-01T00:00:00.0000000+00:00")).toBeUndefined();
    expect(parseTime(undefined)).toBeUndefined();
    expect(parseTime("")).toBeUndefined();
    expect(parseTime("garbage")).toBeUndefined();
    expect(parseTime("2026-05-01T11:13:35.123-08:00")?.toISOString()).toBe(
      "2026-05-01T19:13:35.123Z",
    );
  });
});

describe("undecodable messages", () => {
  it.each([
    ["a corrupt inner body", outer('[{"messageType":"JobAvailable",'), "RunnerScaleSetJobMessages"],
    ["a body that is no array", outer('{"a":1}'), "RunnerScaleSetJobMessages"],
    ["missing statistics", outer("[]", { statistics: undefined }), "RunnerScaleSetJobMessages"],
    ["an unknown outer type", outer("[]", { messageType: "Mystery" }), "Mystery"],
  ])("%s with a known id → MessageDecodeError (ackable)", (_label, json, type) => {
    let error: unknown;
    try {
      parseScaleSetMessage(json);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(MessageDecodeError);
    expect(error).toMatchObject({ messageId: 100000171, messageType: type });
  });

  it("without a message id it is a plain ProtocolError: nothing to ack", () => {
    let error: unknown;
    try {
      parseScaleSetMessage({ messageType: "RunnerScaleSetJobMessages", body: "[" });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ProtocolError);
    expect(error).not.toBeInstanceOf(MessageDecodeError);
  });

  it("snippets are short, single-line and mask tokens", () => {
    const jwt = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2lnbmF0dXJlMTIz";
    const snippet = messageSnippet(`line1\nline2 ${jwt} ${"x".repeat(500)}`);
    expect(snippet).not.toContain(jwt);
    expect(snippet).not.toContain("\n");
    expect(snippet.length).toBeLessThanOrEqual(121);
  });
});
