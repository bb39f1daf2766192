import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { ActionsClient } from "../../src/github/client.js";
import {
  JobStillRunningError,
  ProtocolError,
  RunnerExistsError,
  ScaleSetNotFoundError,
  SessionConflictError,
} from "../../src/github/errors.js";
import {
  expectNoSecrets,
  FakeGitHub,
  PAT,
  type RecordedRequest,
  type Reply,
  rejection,
  ZERO_STATS,
} from "./helpers.js";

const SESSION = {
  sessionId: "6a9b5c4e-2f1d",
  ownerName: "host-1",
  runnerScaleSet: { id: 42, name: "my-set" },
  messageQueueUrl: "http://127.0.0.1:1/scalesets/message",
  messageQueueAccessToken: "mq-token-secret-1",
  statistics: ZERO_STATS,
};

let fake: FakeGitHub;
let client: ActionsClient;
let reply: (req: RecordedRequest) => Reply;
beforeEach(async () => {
  fake = await FakeGitHub.start();
  reply = () => ({ status: 500 });
  fake.actions = (req) => reply(req);
  client = fake.client();
});
afterEach(async () => {
  await client.close();
  await fake.close();
});

const last = () => fake.actionsRequests().at(-1)!;
const conflictBody = {
  typeName:
    "GitHub.Actions.Runtime.WebApi.RunnerScaleSetSessionConflictException, GitHub.Actions.Runtime.WebApi",
  message: "The actions runner scaleset my-set already has an active session.",
};

describe("ActionsClient sessions and runners", () => {
  it("createSession / refreshSession / deleteSession", async () => {
    reply = () => ({ status: 200, body: SESSION });
    const session = await client.createSession(42, "host-1");
    expect(session).toMatchObject({
      sessionId: "6a9b5c4e-2f1d",
      messageQueueAccessToken: "mq-token-secret-1",
    });
    expect(last().path).toBe("/tenant/123/_apis/runtime/runnerscalesets/42/sessions");
    expect(JSON.parse(last().body)).toEqual({ ownerName: "host-1" });

    reply = () => ({
      status: 200,
      body: { ...SESSION, messageQueueAccessToken: "mq-token-secret-2" },
    });
    const refreshed = await client.refreshSession(42, "6a9b5c4e-2f1d");
    expect(refreshed.messageQueueAccessToken).toBe("mq-token-secret-2");
    expect(last().method).toBe("PATCH");
    expect(last().path).toBe("/tenant/123/_apis/runtime/runnerscalesets/42/sessions/6a9b5c4e-2f1d");
    expect(last().body).toBe("");

    reply = () => ({ status: 204 });
    await client.deleteSession(42, "6a9b5c4e-2f1d", AbortSignal.timeout(5_000));
    expect(last().method).toBe("DELETE");
  });

  it("createSession: 409 → SessionConflictError (BOM body), 404 → ScaleSetNotFoundError", async () => {
    reply = () => ({ status: 409, body: conflictBody, bom: true, headers: { ActivityId: "a-1" } });
    const conflict = await rejection(client.createSession(42, "h"));
    expect(conflict).toBeInstanceOf(SessionConflictError);
    expect(conflict.message).toContain("already has an active session");
    expect((conflict as SessionConflictError).activityId).toBe("a-1");

    reply = () => ({ status: 409 }); // even without a body
    await expect(client.createSession(42, "h")).rejects.toBeInstanceOf(SessionConflictError);

    reply = () => ({
      status: 404,
      body: "scale set gone",
      headers: { "content-type": "text/plain" },
    });
    const gone = await rejection(client.createSession(42, "h"));
    expect(gone).toBeInstanceOf(ScaleSetNotFoundError);
    expect(gone.message).toContain("scale set gone");
  });

  it.each([
    ["empty messageQueueUrl", { ...SESSION, messageQueueUrl: "" }, /messageQueueUrl/],
    ["missing statistics", { ...SESSION, statistics: undefined }, /statistics/],
    ["empty token", { ...SESSION, messageQueueAccessToken: "" }, /messageQueueAccessToken/],
    ["bad JSON", "{not json", /not valid JSON/],
  ])("createSession with %s → ProtocolError", async (_label, body, pattern) => {
    reply = () => ({ status: 200, body });
    const err = await rejection(client.createSession(42, "h"));
    expect(err).toBeInstanceOf(ProtocolError);
    expect(err.message).toMatch(pattern);
    expectNoSecrets(err, ["mq-token-secret-1", PAT, ...fake.adminTokens]);
  });

  it("generateJitConfig: body, decoding, 409 AgentExists → RunnerExistsError", async () => {
    reply = () => ({
      status: 200,
      body: {
        runner: { id: 5123, name: "r-1", runnerScaleSetId: 42, status: "offline", busy: false },
        encodedJITConfig: "eyJzZWNyZXQiOnRydWV9",
      },
    });
    const jit = await client.generateJitConfig(42, "r-1");
    expect(jit).toEqual({
      runner: { id: 5123, name: "r-1", runnerScaleSetId: 42, status: "offline", busy: false },
      encodedJITConfig: "eyJzZWNyZXQiOnRydWV9",
    });
    expect(last().path).toBe("/tenant/123/_apis/runtime/runnerscalesets/42/generatejitconfig");
    expect(JSON.parse(last().body)).toEqual({ name: "r-1", workFolder: "" });

    reply = () => ({
      status: 409,
      body: {
        typeName: "GitHub.DistributedTask.WebApi.AgentExistsException, X",
        message: "exists",
      },
    });
    await expect(client.generateJitConfig(42, "r-1", "/w")).rejects.toBeInstanceOf(
      RunnerExistsError,
    );
    expect(JSON.parse(last().body)).toEqual({ name: "r-1", workFolder: "/w" });
  });

  it("getRunner / getRunnerByName / listRunners", async () => {
    reply = () => ({ status: 200, body: { id: 5, name: "r", runnerScaleSetId: 42 } });
    expect(await client.getRunner(5)).toEqual({ id: 5, name: "r", runnerScaleSetId: 42 });
    expect(last().path).toBe("/tenant/123/_apis/distributedtask/pools/0/agents/5");

    reply = () => ({
      status: 404,
      body: { typeName: "X.AgentNotFoundException, X", message: "no" },
    });
    expect(await client.getRunner(5)).toBeNull();

    reply = () => ({
      status: 200,
      body: { count: 1, value: [{ id: 6, name: "a b+c", runnerScaleSetId: 42 }] },
    });
    expect(await client.getRunnerByName("a b+c")).toMatchObject({ id: 6 });
    expect(last().query.get("agentName")).toBe("a b+c");
    reply = () => ({ status: 200, body: { count: 0, value: [] } });
    expect(await client.getRunnerByName("x")).toBeNull();

    reply = () => ({
      status: 200,
      body: {
        count: 3,
        value: [
          { id: 1, name: "a", runnerScaleSetId: 42 },
          { id: 2, name: "b", runnerScaleSetId: 7 },
          { id: 3, name: "c", runnerScaleSetId: 42 },
        ],
      },
    });
    expect((await client.listRunners(42)).map((r) => r.id)).toEqual([1, 3]);
    expect(last().path).toBe("/tenant/123/_apis/distributedtask/pools/0/agents");
    expect(last().query.has("agentName")).toBe(false);
  });

  it("removeRunner: 204 ok, 404 ok, 400 JobStillRunning → JobStillRunningError", async () => {
    reply = () => ({ status: 204 });
    await client.removeRunner(5);
    expect(last().method).toBe("DELETE");
    reply = () => ({
      status: 404,
      body: { typeName: "X.AgentNotFoundException, X", message: "no" },
    });
    await client.removeRunner(5);
    reply = () => ({
      status: 400,
      body: {
        typeName: "GitHub.DistributedTask.WebApi.JobStillRunningException, X",
        message: "busy",
      },
    });
    await expect(client.removeRunner(5)).rejects.toBeInstanceOf(JobStillRunningError);
  });

  it("getAcquirableJobs: the §4.13 list (admin token); 204, empty 200 and 404 mean none; other errors throw", async () => {
    reply = () => ({
      status: 200,
      body: {
        count: 3,
        value: [
          {
            acquireJobUrl: "https://x/acquirejob",
            messageType: "JobAvailable",
            runnerRequestId: 1001,
            repositoryName: "repo",
            ownerName: "org",
            jobWorkflowRef: "org/repo/.github/workflows/ci.yml@refs/heads/main",
            eventName: "push",
            requestLabels: ["my-set"],
          },
          { messageType: "JobAvailable", runnerRequestId: 0 },
          "junk",
        ],
      },
      bom: true,
    });
    const jobs = await client.getAcquirableJobs(42);
    expect(jobs).toEqual([
      {
        runnerRequestId: 1001,
        repositoryName: "repo",
        jobWorkflowRef: "org/repo/.github/workflows/ci.yml@refs/heads/main",
      },
    ]);
    expect(last().method).toBe("GET");
    expect(last().path).toBe("/tenant/123/_apis/runtime/runnerscalesets/42/acquirablejobs");
    expect(last().query.get("api-version")).toBe("6.0-preview");
    expect(String(last().headers.authorization)).toBe(`Bearer ${fake.adminTokens.at(-1)}`);

    for (const none of [{ status: 204 }, { status: 200, body: "" }, { status: 404 }]) {
      reply = () => none;
      expect(await client.getAcquirableJobs(42)).toEqual([]);
    }
    reply = () => ({ status: 400, body: { message: "bad" } });
    await expect(client.getAcquirableJobs(42)).rejects.toThrow(/returned 400/);
  });
});
