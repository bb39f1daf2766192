import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { ActionsClient } from "../../src/github/client.js";
import {
  GitHubApiError,
  ProtocolError,
  RunnerGroupNotFoundError,
  ScaleSetNotFoundError,
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

const SET = {
  id: 42,
  name: "my-set",
  runnerGroupId: 1,
  runnerGroupName: "Default",
  labels: [{ type: "System", name: "my-set" }],
  RunnerSetting: { disableUpdate: true },
  createdOn: "2026-05-01T10:00:00Z",
  runnerJitConfigUrl: "https://x/generatejitconfig",
  statistics: { ...ZERO_STATS, totalAssignedJobs: 2 },
  extraField: "ignored",
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

describe("ActionsClient requests", () => {
  it("getScaleSetByName: base path, encoded name, headers, tolerant decoding", async () => {
    reply = () => ({ status: 200, body: { count: 1, value: [SET] }, bom: true });
    const set = await client.getScaleSetByName(1, "my set+1%/x");
    const req = last();
    expect(req.method).toBe("GET");
    expect(req.path).toBe("/tenant/123/_apis/runtime/runnerscalesets");
    expect(req.query.get("name")).toBe("my set+1%/x");
    expect(req.query.get("runnerGroupId")).toBe("1");
    expect(req.query.get("api-version")).toBe("6.0-preview");
    expect(req.headers["content-type"]).toBe("application/json");
    expect(set).toMatchObject({
      id: 42,
      runnerSetting: { disableUpdate: true },
      runnerJitConfigUrl: "https://x/generatejitconfig",
      statistics: { totalAssignedJobs: 2 },
    });
  });

  it("getScaleSetByName: count 0 → null, >1 → ProtocolError", async () => {
    reply = () => ({ status: 200, body: { count: 0, value: [] } });
    expect(await client.getScaleSetByName(1, "x")).toBeNull();
    reply = () => ({ status: 200, body: { count: 2, value: [SET, { ...SET, id: 43 }] } });
    await expect(client.getScaleSetByName(1, "x")).rejects.toBeInstanceOf(ProtocolError);
  });

  it("getRunnerGroupByName: default needs no request; others use groupName with trailing slash", async () => {
    expect(await client.getRunnerGroupByName("Default")).toMatchObject({
      id: 1,
      isDefaultGroup: true,
    });
    expect(fake.actionsRequests()).toHaveLength(0);

    reply = () => ({
      status: 200,
      body: { count: 1, value: [{ id: 3, name: "linux pool", size: 4 }] },
    });
    expect(await client.getRunnerGroupByName("linux pool")).toEqual({
      id: 3,
      name: "linux pool",
      isDefaultGroup: false,
    });
    expect(last().path).toBe("/tenant/123/_apis/runtime/runnergroups/");
    expect(last().query.get("groupName")).toBe("linux pool");

    reply = () => ({ status: 200, body: { count: 0, value: [] } });
    await expect(client.getRunnerGroupByName("nope")).rejects.toBeInstanceOf(
      RunnerGroupNotFoundError,
    );
  });

  it("getScaleSet: 404 → ScaleSetNotFoundError", async () => {
    reply = () => ({
      status: 404,
      body: { typeName: "X.RunnerScaleSetNotFoundException, X", message: "gone" },
    });
    const err = await rejection(client.getScaleSet(42));
    expect(err).toBeInstanceOf(ScaleSetNotFoundError);
    expect((err as ScaleSetNotFoundError).status).toBe(404);
  });

  it("createScaleSet sends the SDK body shape and expects 200", async () => {
    reply = () => ({ status: 200, body: SET });
    await client.createScaleSet({
      name: "my-set",
      runnerGroupId: 1,
      labels: [],
      disableUpdate: true,
    });
    expect(last().method).toBe("POST");
    expect(last().path).toBe("/tenant/123/_apis/runtime/runnerscalesets");
    expect(JSON.parse(last().body)).toEqual({
      name: "my-set",
      runnerGroupId: 1,
      labels: [{ type: "System", name: "my-set" }],
      RunnerSetting: { disableUpdate: true },
      createdOn: "0001-01-01T00:00:00Z",
    });

    await client.createScaleSet({ name: "s", runnerGroupId: 2, labels: ["s", "gpu"] });
    expect(JSON.parse(last().body)).toMatchObject({
      labels: [
        { type: "System", name: "s" },
        { type: "System", name: "gpu" },
      ],
      RunnerSetting: {},
    });

    reply = () => ({ status: 201, body: SET });
    await expect(
      client.createScaleSet({ name: "s", runnerGroupId: 1, labels: [] }),
    ).rejects.toThrow(/returned 201/);
  });

  it("updateScaleSet PATCHes a partial body; deleteScaleSet expects 204", async () => {
    reply = () => ({ status: 200, body: { ...SET, runnerGroupId: 5 } });
    const updated = await client.updateScaleSet(42, { runnerGroupId: 5 });
    expect(updated.runnerGroupId).toBe(5);
    expect(last().method).toBe("PATCH");
    expect(last().path).toBe("/tenant/123/_apis/runtime/runnerscalesets/42");
    expect(JSON.parse(last().body)).toEqual({
      runnerGroupId: 5,
      RunnerSetting: {},
      createdOn: "0001-01-01T00:00:00Z",
    });

    reply = () => ({ status: 204 });
    await client.deleteScaleSet(42);
    expect(last().method).toBe("DELETE");
  });

  it("User-Agent is JSON and carries the scale set id after setScaleSetId", async () => {
    await client.close();
    client = fake.client({
      userAgent: { system: "acme", version: "1.2.3", subsystem: "listener" },
    });
    reply = () => ({ status: 200, body: SET });
    await client.getScaleSet(42);
    expect(JSON.parse(String(last().headers["user-agent"]))).toMatchObject({
      system: "acme",
      version: "1.2.3",
      subsystem: "listener",
      scale_set_id: 0,
    });
    client.setScaleSetId(42);
    await client.getScaleSet(42);
    expect(JSON.parse(String(last().headers["user-agent"])).scale_set_id).toBe(42);
  });

  it("5xx is retried, then surfaces with status, body message and retry count, no secrets", async () => {
    reply = () => ({
      status: 503,
      body: { message: "unavailable" },
      headers: { "X-GitHub-Request-Id": "gh-1" },
    });
    const err = await rejection(client.getScaleSet(42));
    expect(err).toBeInstanceOf(GitHubApiError);
    expect(err).toMatchObject({
      status: 503,
      retryCount: 2,
      githubRequestId: "gh-1",
      method: "GET",
    });
    expect(fake.actionsRequests()).toHaveLength(3);
    expect(err.message).toContain("/tenant/123/_apis/runtime/runnerscalesets/42");
    expectNoSecrets(err, [PAT, "REGTOKENSECRET1", ...fake.adminTokens]);
  });
});
