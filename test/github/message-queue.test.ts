import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { ActionsClient } from "../../src/github/client.js";
import { MessageQueueTokenExpiredError } from "../../src/github/errors.js";
import { MessageQueueClient } from "../../src/github/message-queue.js";
import { MessageDecodeError } from "../../src/github/messages.js";
import type { MessageSession } from "../../src/github/types.js";
import {
  bearer,
  expectNoSecrets,
  FakeGitHub,
  type RecordedRequest,
  type Reply,
  rejection,
  ZERO_STATS,
} from "./helpers.js";

let fake: FakeGitHub;
let client: ActionsClient;
/** Answers for queue requests (GET/DELETE message) and acquirejobs; sessions are handled below. */
let queueReply: (req: RecordedRequest) => Reply;
let refreshCount = 0;

function session(n: number): MessageSession {
  return {
    sessionId: "sess-1",
    ownerName: "host",
    messageQueueUrl: `${fake.url}/tenant/123/queue${n}/message?sessionId=sess-1`,
    messageQueueAccessToken: `mq-token-${n}-secret`,
    statistics: ZERO_STATS,
  };
}

beforeEach(async () => {
  fake = await FakeGitHub.start();
  refreshCount = 0;
  queueReply = () => ({ status: 202 });
  fake.actions = (req) => {
    if (req.method === "PATCH" && req.path.endsWith("/runnerscalesets/42/sessions/sess-1")) {
      refreshCount++;
      return { status: 200, body: session(refreshCount + 1) };
    }
    return queueReply(req);
  };
  client = fake.client();
});
afterEach(async () => {
  await client.close();
  await fake.close();
});

const queueRequests = () => fake.requests.filter((r) => /\/queue\d\/|acquirejobs/.test(r.path));

const MESSAGE = {
  messageId: 11,
  messageType: "RunnerScaleSetJobMessages",
  body: JSON.stringify([{ messageType: "JobAvailable", runnerRequestId: 1001, jobId: "j" }]),
  statistics: { ...ZERO_STATS, totalAvailableJobs: 1 },
};

describe("MessageQueueClient.getMessage", () => {
  it("sends the queue headers, keeps the URL's query and adds lastMessageId only when > 0", async () => {
    const mq = new MessageQueueClient(client, 42, session(1));
    expect(await mq.getMessage(0, 10)).toBeNull();
    await mq.getMessage(100003863, 0);

    const [first, second] = queueRequests();
    expect(first!.method).toBe("GET");
    expect(first!.path).toBe("/tenant/123/queue1/message");
    expect(first!.query.get("sessionId")).toBe("sess-1");
    expect(first!.query.has("lastMessageId")).toBe(false);
    expect(first!.query.has("api-version")).toBe(false);
    expect(first!.headers.accept).toBe("application/json; api-version=6.0-preview");
    expect(first!.headers["x-scalesetmaxcapacity"]).toBe("10");
    expect(first!.headers["content-type"]).toBeUndefined();
    expect(bearer(first!)).toBe("mq-token-1-secret");
    expect(second!.query.get("lastMessageId")).toBe("100003863");
    expect(second!.query.get("sessionId")).toBe("sess-1");
    expect(second!.headers["x-scalesetmaxcapacity"]).toBe("0");
    // Queue calls never need the admin token chain.
    expect(fake.count("/api/v3/actions/runner-registration")).toBe(0);
  });

  it("decodes a 200 message (with BOM)", async () => {
    queueReply = () => ({ status: 200, body: MESSAGE, bom: true });
    const msg = await new MessageQueueClient(client, 42, session(1)).getMessage(0, 5);
    expect(msg?.messageId).toBe(11);
    expect(msg?.jobAvailable[0]?.runnerRequestId).toBe(1001);
  });

  it.each([
    ["empty", ""],
    ["whitespace", " \r\n "],
  ])("%s 200 body → null", async (_l, body) => {
    queueReply = () => ({ status: 200, body });
    expect(await new MessageQueueClient(client, 42, session(1)).getMessage(3, 5)).toBeNull();
  });

  it("401 → refresh session (new token and URL) → retry once", async () => {
    queueReply = (req) =>
      bearer(req) === "mq-token-1-secret" ? { status: 401 } : { status: 200, body: MESSAGE };
    const refreshed: MessageSession[] = [];
    const mq = new MessageQueueClient(client, 42, session(1), {
      onSessionRefreshed: (s) => refreshed.push(s),
    });
    const msg = await mq.getMessage(7, 3);
    expect(msg?.messageId).toBe(11);
    expect(refreshCount).toBe(1);
    const [first, retry] = queueRequests();
    expect(first!.path).toBe("/tenant/123/queue1/message");
    expect(retry!.path).toBe("/tenant/123/queue2/message");
    expect(bearer(retry!)).toBe("mq-token-2-secret");
    expect(retry!.query.get("lastMessageId")).toBe("7");
    expect(mq.session.messageQueueAccessToken).toBe("mq-token-2-secret");
    expect(refreshed.map((s) => s.messageQueueAccessToken)).toEqual(["mq-token-2-secret"]);
    // The refresh PATCH used the admin token, not the queue token.
    const patch = fake.requests.find((r) => r.method === "PATCH")!;
    expect(bearer(patch)).toBe(fake.adminTokens[0]);
  });

  it("a second 401 after the refresh propagates as MessageQueueTokenExpiredError", async () => {
    queueReply = () => ({ status: 401, body: "" });
    const mq = new MessageQueueClient(client, 42, session(1));
    const err = await rejection(mq.getMessage(0, 1));
    expect(err).toBeInstanceOf(MessageQueueTokenExpiredError);
    expect((err as MessageQueueTokenExpiredError).status).toBe(401);
    expect(refreshCount).toBe(1);
    expect(queueRequests()).toHaveLength(2);
    expectNoSecrets(err, ["mq-token-1-secret", "mq-token-2-secret", ...fake.adminTokens]);
  });

  it("concurrent 401s share one session refresh", async () => {
    queueReply = (req) =>
      bearer(req) === "mq-token-1-secret"
        ? { status: 401 }
        : { status: req.method === "DELETE" ? 204 : 202 };
    const mq = new MessageQueueClient(client, 42, session(1));
    await Promise.all([mq.getMessage(0, 1), mq.getMessage(0, 1), mq.deleteMessage(4)]);
    expect(refreshCount).toBe(1);
  });

  it("other errors are not treated as token expiry", async () => {
    queueReply = () => ({ status: 403, body: { message: "forbidden" } });
    const err = await rejection(new MessageQueueClient(client, 42, session(1)).getMessage(0, 1));
    expect(err).not.toBeInstanceOf(MessageQueueTokenExpiredError);
    expect(refreshCount).toBe(0);
  });

  it("a message with a corrupt inner body throws MessageDecodeError with its id, type and a masked snippet", async () => {
    const secret = "ghp_leakedTokenInBody0123456789";
    queueReply = () => ({
      status: 200,
      body: { ...MESSAGE, messageId: 77, body: `[{"messageType":"JobAvailable","x":"${secret}"` },
    });
    const err = await rejection(new MessageQueueClient(client, 42, session(1)).getMessage(0, 5));
    expect(err).toBeInstanceOf(MessageDecodeError);
    const decode = err as MessageDecodeError;
    expect(decode.messageId).toBe(77);
    expect(decode.messageType).toBe("RunnerScaleSetJobMessages");
    expect(decode.snippet).toContain('[{"messageType":"JobAvailable"');
    expect(decode.snippet).not.toContain(secret);
    expect(decode.message).toContain("message 77");
    expectNoSecrets(err, [secret, "mq-token-1-secret"]);
  });

  it("an outer body that is not JSON at all is a plain ProtocolError (no id to ack)", async () => {
    queueReply = () => ({ status: 200, body: '{"messageId": 5, "body": ' });
    const err = await rejection(new MessageQueueClient(client, 42, session(1)).getMessage(0, 5));
    expect(err).not.toBeInstanceOf(MessageDecodeError);
    expect(err.message).toMatch(/not valid JSON/);
  });

  it("the caller's signal aborts the long poll", async () => {
    queueReply = () => ({ status: 200, hang: true });
    const controller = new AbortController();
    setTimeout(() => controller.abort(new Error("shutting down")), 50);
    const err = await rejection(
      new MessageQueueClient(client, 42, session(1)).getMessage(0, 1, controller.signal),
    );
    expect(err.message).toBe("shutting down");
  });
});

describe("MessageQueueClient.deleteMessage", () => {
  it("DELETEs {queueUrl}/{id} keeping the query; refreshes on 401", async () => {
    queueReply = (req) => (bearer(req) === "mq-token-1-secret" ? { status: 401 } : { status: 204 });
    const mq = new MessageQueueClient(client, 42, session(1));
    await mq.deleteMessage(100003864);
    const [first, retry] = queueRequests();
    expect(first!.method).toBe("DELETE");
    expect(first!.path).toBe("/tenant/123/queue1/message/100003864");
    expect(first!.query.get("sessionId")).toBe("sess-1");
    expect(first!.headers["content-type"]).toBe("application/json");
    expect(retry!.path).toBe("/tenant/123/queue2/message/100003864");
    expect(bearer(retry!)).toBe("mq-token-2-secret");
  });
});

describe("MessageQueueClient call deadlines", () => {
  it("a hung ack and a hung acquire end at their class deadlines; the caller's signal ends them sooner", async () => {
    queueReply = () => ({ status: 200, hang: true });
    const slow = fake.client({ deadlines: { ack: 200, acquire: 300 } });
    try {
      const mq = new MessageQueueClient(slow, 42, session(1));
      expect((await rejection(mq.deleteMessage(1))).message).toMatch(/200 ms deadline/);
      expect((await rejection(mq.acquireJobs([5]))).message).toMatch(/300 ms deadline/);
      const controller = new AbortController();
      setTimeout(() => controller.abort(new Error("grace over")), 20);
      expect((await rejection(mq.deleteMessage(2, controller.signal))).message).toBe("grace over");
    } finally {
      slow.abortAll("test done");
      await slow.close();
    }
  });
});

describe("MessageQueueClient.acquireJobs", () => {
  it("POSTs the ids with the queue token (not the admin token)", async () => {
    queueReply = () => ({ status: 200, body: { count: 1, value: [1001] } });
    const acquired = await new MessageQueueClient(client, 42, session(1)).acquireJobs([1001, 1002]);
    expect(acquired).toEqual([1001]);
    const req = queueRequests()[0]!;
    expect(req.method).toBe("POST");
    expect(req.path).toBe("/tenant/123/_apis/runtime/runnerscalesets/42/acquirejobs");
    expect(req.query.get("api-version")).toBe("6.0-preview");
    expect(JSON.parse(req.body)).toEqual([1001, 1002]);
    expect(bearer(req)).toBe("mq-token-1-secret");
  });

  it("401 → refresh → retry with the new token", async () => {
    queueReply = (req) =>
      bearer(req) === "mq-token-1-secret"
        ? { status: 401 }
        : { status: 200, body: { count: 2, value: [1, 2] } };
    const mq = new MessageQueueClient(client, 42, session(1));
    expect(await mq.acquireJobs([1, 2])).toEqual([1, 2]);
    expect(queueRequests().map(bearer)).toEqual(["mq-token-1-secret", "mq-token-2-secret"]);
  });

  it("no ids → no request", async () => {
    expect(await new MessageQueueClient(client, 42, session(1)).acquireJobs([])).toEqual([]);
    expect(queueRequests()).toHaveLength(0);
  });
});
