import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { ActionsClient } from "../../src/github/client.js";
import { GitHubApiError, ProtocolError } from "../../src/github/errors.js";
import {
  bearer,
  expectNoSecrets,
  FakeGitHub,
  PAT,
  rejection,
  rsaKeys,
  startServer,
} from "./helpers.js";

const SCALE_SET = {
  id: 42,
  name: "my-set",
  runnerGroupId: 1,
  runnerGroupName: "Default",
  labels: [{ type: "System", name: "my-set" }],
};

let fake: FakeGitHub;
let client: ActionsClient | undefined;
beforeEach(async () => {
  fake = await FakeGitHub.start();
  fake.actions = () => ({ status: 200, body: SCALE_SET });
});
afterEach(async () => {
  await client?.close();
  client = undefined;
  await fake.close();
});

describe("auth chain", () => {
  it("PAT: registration token → runner-registration → admin token on Actions calls", async () => {
    client = fake.client();
    await client.getScaleSet(42);

    const [regToken, registration, actionsCall] = fake.requests;
    expect(regToken!.path).toBe("/api/v3/orgs/my-org/actions/runners/registration-token");
    expect(regToken!.headers.authorization).toBe(`Bearer ${PAT}`);
    expect(regToken!.headers["content-type"]).toBe("application/vnd.github.v3+json");
    expect(registration!.path).toBe("/api/v3/actions/runner-registration");
    expect(registration!.headers.authorization).toBe("RemoteAuth REGTOKENSECRET1");
    expect(JSON.parse(registration!.body)).toEqual({
      url: `${fake.url}/my-org`,
      runner_event: "register",
    });
    expect(actionsCall!.path).toBe("/tenant/123/_apis/runtime/runnerscalesets/42");
    expect(bearer(actionsCall!)).toBe(fake.adminTokens[0]);
    expect(JSON.parse(String(actionsCall!.headers["user-agent"]))).toMatchObject({
      kind: "scaleset",
    });
  });

  it("uses the repo and enterprise registration-token paths", async () => {
    client = fake.client({ configUrl: `${fake.url}/my-org/my-repo` });
    await client.validateCredentials();
    await client.close();
    client = fake.client({ configUrl: `${fake.url}/enterprises/acme` });
    await client.validateCredentials();
    expect(fake.requests.map((r) => r.path)).toContain(
      "/api/v3/repos/my-org/my-repo/actions/runners/registration-token",
    );
    expect(fake.requests.map((r) => r.path)).toContain(
      "/api/v3/enterprises/acme/actions/runners/registration-token",
    );
  });

  it("App: signed JWT → installation token (201) → registration token", async () => {
    const { privateKey, publicKey } = rsaKeys();
    fake.appPublicKey = publicKey;
    client = fake.client({
      credentials: { type: "app", clientId: "Iv1.client", installationId: 77, privateKey },
    });
    await client.getScaleSet(42);

    expect(fake.count("/api/v3/app/installations/77/access_tokens")).toBe(1);
    expect(fake.appJwtClaims[0]).toMatchObject({ iss: "Iv1.client" });
    const regToken = fake.requests.find((r) => r.path.endsWith("/registration-token"))!;
    expect(bearer(regToken)).toBe("ghs_installationToken1xyz");
  });

  it("App with a numeric app id uses it as issuer", async () => {
    const { privateKey, publicKey } = rsaKeys();
    fake.appPublicKey = publicKey;
    client = fake.client({
      credentials: { type: "app", appId: 12345, installationId: 1, privateKey },
    });
    await client.validateCredentials();
    expect(fake.appJwtClaims[0]!.iss).toBe("12345");
  });

  it("reuses the admin token until now+60s passes exp, then refreshes", async () => {
    let now = Date.now();
    client = fake.client({ now: () => now });
    await client.getScaleSet(42);
    await client.getScaleSet(42);
    expect(fake.adminTokens).toHaveLength(1);

    now += (3600 - 59) * 1000; // inside the 60 s margin
    await client.getScaleSet(42);
    expect(fake.adminTokens).toHaveLength(2);
    expect(bearer(fake.actionsRequests().at(-1)!)).toBe(fake.adminTokens[1]);
  });

  it("refreshes once for many concurrent callers (single flight)", async () => {
    client = fake.client();
    await Promise.all(Array.from({ length: 10 }, () => client!.getScaleSet(42)));
    expect(fake.count("/api/v3/actions/runner-registration")).toBe(1);
    expect(fake.actionsRequests()).toHaveLength(10);
  });

  it("retries runner-registration on 401 and 403", async () => {
    fake.registrationFailures = [401, 403];
    client = fake.client();
    await client.validateCredentials();
    expect(fake.count("/api/v3/actions/runner-registration")).toBe(3);
  });

  it("gives up on runner-registration after the retries with a typed error", async () => {
    fake.registrationFailures = [403, 403, 403, 403];
    client = fake.client();
    const err = await rejection(client.validateCredentials());
    expect(err).toBeInstanceOf(GitHubApiError);
    expect((err as GitHubApiError).status).toBe(403);
    expect((err as GitHubApiError).retryCount).toBe(2);
    expectNoSecrets(err, [PAT, "REGTOKENSECRET1"]);
  });

  it("refresh failure keeps the old token while it is still valid, then fails", async () => {
    let now = Date.now();
    client = fake.client({ now: () => now });
    await client.getScaleSet(42);
    const oldToken = fake.adminTokens[0]!;

    fake.registrationTokenReply = { status: 500, body: { message: "boom" } };
    now += (3600 - 30) * 1000; // needs refresh, but the old token has 30 s left
    await client.getScaleSet(42);
    expect(bearer(fake.actionsRequests().at(-1)!)).toBe(oldToken);
    expect(fake.adminTokens).toHaveLength(1);

    now += 60_000; // expired now
    const err = await rejection(client.getScaleSet(42));
    expect(err).toBeInstanceOf(GitHubApiError);
    expect((err as GitHubApiError).status).toBe(500);
    expect(fake.actionsRequests()).toHaveLength(2);

    fake.registrationTokenReply = undefined; // recovers on the next call
    await client.getScaleSet(42);
    expect(fake.adminTokens).toHaveLength(2);
  });

  it("bad PAT: validateCredentials rejects with the REST message and no secret", async () => {
    client = fake.client({ credentials: { type: "pat", token: "ghp_wrongTokenValue123456789" } });
    const err = await rejection(client.validateCredentials());
    expect(err).toBeInstanceOf(GitHubApiError);
    expect((err as GitHubApiError).status).toBe(401);
    expect(err.message).toContain("Bad credentials");
    expectNoSecrets(err, ["ghp_wrongTokenValue123456789"]);
  });

  it("registration token must be exactly 201", async () => {
    fake.registrationTokenReply = { status: 200, body: { token: "REGTOKENSECRET1" } };
    client = fake.client();
    const err = await rejection(client.validateCredentials());
    expect((err as GitHubApiError).status).toBe(200);
    expectNoSecrets(err, ["REGTOKENSECRET1", PAT]);
  });

  it.each([
    [
      "an admin token without exp",
      { url: "http://127.0.0.1:1/tenant/", token: "opaque-admin-secret" },
    ],
    ["an empty url", { url: "", token: "opaque-admin-secret" }],
  ])("runner-registration with %s is a ProtocolError", async (_label, body) => {
    const server = await startServer((req) =>
      req.path.endsWith("/registration-token")
        ? { status: 201, body: { token: "REGTOKENSECRET1" } }
        : { status: 200, body },
    );
    try {
      client = fake.client({ configUrl: `${server.url}/my-org` });
      const err = await rejection(client.validateCredentials());
      expect(err).toBeInstanceOf(ProtocolError);
      expect(err.message).toContain("runner-registration");
      expectNoSecrets(err, ["opaque-admin-secret", "REGTOKENSECRET1"]);
    } finally {
      await server.close();
    }
  });

  it("rejects incomplete App credentials up front", () => {
    expect(() =>
      fake.client({ credentials: { type: "app", installationId: 1, privateKey: "x" } }),
    ).toThrow(/clientId or appId/);
  });
});
