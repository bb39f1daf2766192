import { describe, expect, it } from "vitest";
import {
  apiErrorDetails,
  errorFromResponse,
  GitHubApiError,
  JobStillRunningError,
  MessageQueueTokenExpiredError,
  RunnerExistsError,
  RunnerNotFoundError,
  redactSecrets,
  ScaleSetNotFoundError,
  SessionConflictError,
} from "../../src/github/errors.js";
import type { HttpResponse } from "../../src/github/http.js";
import { expectNoSecrets } from "./helpers.js";

function response(
  status: number,
  body: string,
  headers: Record<string, string> = {},
): HttpResponse {
  return {
    method: "POST",
    url: "https://broker.example/rest/_apis/runtime/runnerscalesets/42/sessions?api-version=6.0-preview",
    status,
    headers: { "content-type": "application/json", ...headers },
    body,
    retries: 0,
  };
}

const typeBody = (name: string, message: string) =>
  JSON.stringify({
    $id: "1",
    innerException: null,
    message,
    typeName: `GitHub.Actions.Runtime.WebApi.${name}, GitHub.Actions.Runtime.WebApi`,
    typeKey: name,
    errorCode: 0,
    eventId: 3000,
  });

describe("errorFromResponse", () => {
  it.each([
    [409, "RunnerScaleSetSessionConflictException", SessionConflictError],
    [404, "RunnerScaleSetNotFoundException", ScaleSetNotFoundError],
    [409, "AgentExistsException", RunnerExistsError],
    [404, "AgentNotFoundException", RunnerNotFoundError],
    [400, "JobStillRunningException", JobStillRunningError],
  ])("%i %s → %s", (status, name, ErrorClass) => {
    const err = errorFromResponse(
      response(status, typeBody(name, `server says ${name}`), {
        activityid: "act-1",
        "x-github-request-id": "req-9",
      }),
    );
    expect(err).toBeInstanceOf(ErrorClass);
    expect(err).toBeInstanceOf(GitHubApiError);
    expect(err).toMatchObject({
      status,
      method: "POST",
      activityId: "act-1",
      githubRequestId: "req-9",
      serverMessage: `server says ${name}`,
    });
    expect(err.typeName).toContain(name);
    expect(err.message).toContain(`${status}`);
    expect(err.message).toContain(name);
    expect(err.message).toContain("act-1");
  });

  it("unknown typeName → plain GitHubApiError with typeName and status kept", () => {
    const err = errorFromResponse(response(500, typeBody("SomethingElseException", "nope")));
    expect(err.constructor).toBe(GitHubApiError);
    expect(err.typeName).toContain("SomethingElseException");
    expect(err.status).toBe(500);
  });

  it("route status class wins (401 on a queue call is token expiry whatever the body)", () => {
    const err = errorFromResponse(response(401, typeBody("AgentNotFoundException", "x")), {
      statusClass: MessageQueueTokenExpiredError,
    });
    expect(err).toBeInstanceOf(MessageQueueTokenExpiredError);
  });

  it("empty body → unknown error", () => {
    const details = apiErrorDetails(response(409, ""));
    expect(details.serverMessage).toBe("unknown error");
    expect(details.typeName).toBeUndefined();
  });

  it("text/plain body is the message", () => {
    const err = errorFromResponse(
      response(400, "Runner 5 is still running a job", {
        "content-type": "text/plain; charset=utf-8",
      }),
    );
    expect(err.serverMessage).toBe("Runner 5 is still running a job");
  });

  it("non-JSON body is kept as an excerpt; long bodies are cut", () => {
    const html = `<html>${"x".repeat(2000)}</html>`;
    const err = errorFromResponse(response(502, html, { "content-type": "text/html" }));
    expect(err.serverMessage!.length).toBeLessThan(600);
    expect(err.serverMessage).toMatch(/^<html>x+…$/);
  });

  it("REST-style {message, documentation_url} bodies", () => {
    const err = errorFromResponse(
      response(403, JSON.stringify({ message: "Resource not accessible by integration" })),
    );
    expect(err.message).toContain("Resource not accessible by integration");
  });

  it("lower-case typename/Message keys are accepted", () => {
    const err = errorFromResponse(
      response(409, JSON.stringify({ typename: "X.AgentExistsException, X", Message: "dup" })),
    );
    expect(err).toBeInstanceOf(RunnerExistsError);
    expect(err.serverMessage).toBe("dup");
  });

  it("never contains secrets: known tokens, JWTs, GitHub tokens, token fields, URL userinfo", () => {
    const jwt = "eyJhbGciOiJSUzI1NiJ9.eyJleHAiOjE3NDZ9.c2lnbmF0dXJlc2ln";
    const body = JSON.stringify({ detail: `echo ${jwt} ghs_abcdefghijklmnop1234 mySecretValue` });
    const res = response(500, body);
    res.url = "https://user:pw123secret@broker.example/rest/x?token=qtoken123";
    const err = errorFromResponse(res, { secrets: ["mySecretValue"] });
    expectNoSecrets(err, [
      jwt,
      "ghs_abcdefghijklmnop1234",
      "mySecretValue",
      "pw123secret",
      "qtoken123",
    ]);
    const withTokenField = errorFromResponse(
      response(500, JSON.stringify({ token: "abc-plain-secret" })),
    );
    expectNoSecrets(withTokenField, ["abc-plain-secret"]);
    expect(withTokenField.message).toContain("***");
  });

  it("unexpected 2xx statuses never include the body", () => {
    const err = errorFromResponse(response(200, JSON.stringify({ encodedJITConfig: "c2VjcmV0" })));
    expect(err.message).not.toContain("c2VjcmV0");
    expect(err.message).toContain("unexpected success status");
  });

  it("retry count appears on the error", () => {
    const res = response(503, "");
    res.retries = 4;
    const err = errorFromResponse(res);
    expect(err.retryCount).toBe(4);
    expect(err.message).toContain("after 4 retries");
  });
});

describe("redactSecrets", () => {
  it("masks given secrets and token shapes, leaves ordinary text", () => {
    expect(redactSecrets("a SECRETX b", ["SECRETX"])).toBe("a *** b");
    expect(redactSecrets("github_pat_11ABCDEFGHIJKLMNOP")).toBe("<token>");
    expect(redactSecrets("plain words stay")).toBe("plain words stay");
  });
});
