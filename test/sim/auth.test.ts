import { generateKeyPairSync, type KeyObject, sign } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type GitHubSim, startGitHubSim } from "../../src/sim/github/index.js";
import { actions, connect, createScaleSet, createSession, send } from "./helpers.js";

function appJwt(key: KeyObject, claims: Record<string, unknown>): string {
  const enc = (v: unknown) => Buffer.from(JSON.stringify(v)).toString("base64url");
  const input = `${enc({ alg: "RS256", typ: "JWT" })}.${enc(claims)}`;
  return `${input}.${sign("sha256", Buffer.from(input), key).toString("base64url")}`;
}

describe("github sim: authentication", () => {
  const appKeys = generateKeyPairSync("rsa", { modulusLength: 2048 });
  let sim: GitHubSim;

  beforeAll(async () => {
    sim = await startGitHubSim({
      longPollMs: 300,
      app: {
        clientId: "Iv1.simapp",
        installationId: 42,
        publicKeyPem: appKeys.publicKey.export({ type: "spki", format: "pem" }).toString(),
      },
    });
  });
  afterAll(() => sim.stop());

  it("rejects a wrong PAT on registration-token with 401 and a REST error body", async () => {
    const res = await send(
      "POST",
      `${sim.url}/api/v3/orgs/my-org/actions/runners/registration-token`,
      {
        auth: "Bearer ghp_wrong",
      },
    );
    expect(res.status).toBe(401);
    expect(res.body.message).toBe("Bad credentials");
    expect(res.headers.get("x-github-request-id")).toBeTruthy();
  });

  it("issues registration tokens (201) for org, repo and enterprise scopes", async () => {
    for (const path of ["orgs/o", "repos/o/r", "enterprises/e"]) {
      const res = await send(
        "POST",
        `${sim.url}/api/v3/${path}/actions/runners/registration-token`,
        {
          auth: "Bearer ghp_simtoken",
        },
      );
      expect(res.status).toBe(201);
      expect(typeof res.body.token).toBe("string");
      expect(Date.parse(res.body.expires_at)).toBeGreaterThan(Date.now());
    }
  });

  it("runner-registration needs RemoteAuth with a token for the same scope", async () => {
    const reg = await send(
      "POST",
      `${sim.url}/api/v3/repos/o/r/actions/runners/registration-token`,
      {
        auth: "token ghp_simtoken",
      },
    );
    const url = `${sim.url}/api/v3/actions/runner-registration`;
    const bearer = await send("POST", url, {
      auth: `Bearer ${reg.body.token}`,
      body: { url: sim.configUrl("o/r"), runner_event: "register" },
    });
    expect(bearer.status).toBe(401);
    const otherScope = await send("POST", url, {
      auth: `RemoteAuth ${reg.body.token}`,
      body: { url: sim.configUrl("other-org"), runner_event: "register" },
    });
    expect(otherScope.status).toBe(404);
    const ok = await send("POST", url, {
      auth: `RemoteAuth ${reg.body.token}`,
      body: { url: `${sim.configUrl("o/r")}`, runner_event: "register" },
    });
    expect(ok.status).toBe(201);
    expect(ok.body.url).toBe(`${sim.url}/tenant/123/`);
    const claims = JSON.parse(Buffer.from(ok.body.token.split(".")[1], "base64url").toString());
    expect(claims.exp).toBeGreaterThan(Date.now() / 1000 + 3000);
  });

  it("exchanges a valid App JWT for an installation token (201) usable on REST", async () => {
    const now = Math.floor(Date.now() / 1000);
    const jwt = appJwt(appKeys.privateKey, { iat: now - 60, exp: now + 480, iss: "Iv1.simapp" });
    const res = await send("POST", `${sim.url}/api/v3/app/installations/42/access_tokens`, {
      auth: `Bearer ${jwt}`,
    });
    expect(res.status).toBe(201);
    expect(res.body.token).toMatch(/^ghs_/);
    const reg = await send(
      "POST",
      `${sim.url}/api/v3/orgs/my-org/actions/runners/registration-token`,
      {
        auth: `Bearer ${res.body.token}`,
      },
    );
    expect(reg.status).toBe(201);
    const wrongInstallation = await send(
      "POST",
      `${sim.url}/api/v3/app/installations/7/access_tokens`,
      {
        auth: `Bearer ${jwt}`,
      },
    );
    expect(wrongInstallation.status).toBe(404);
  });

  it("rejects App JWTs with a wrong issuer, expired, too long-lived or signed by another key", async () => {
    const now = Math.floor(Date.now() / 1000);
    const otherKey = generateKeyPairSync("rsa", { modulusLength: 2048 }).privateKey;
    const bad = [
      appJwt(appKeys.privateKey, { iat: now - 60, exp: now + 480, iss: "someone-else" }),
      appJwt(appKeys.privateKey, { iat: now - 900, exp: now - 10, iss: "Iv1.simapp" }),
      appJwt(appKeys.privateKey, { iat: now, exp: now + 3600, iss: "Iv1.simapp" }),
      appJwt(otherKey, { iat: now - 60, exp: now + 480, iss: "Iv1.simapp" }),
    ];
    for (const jwt of bad) {
      const res = await send("POST", `${sim.url}/api/v3/app/installations/42/access_tokens`, {
        auth: `Bearer ${jwt}`,
      });
      expect(res.status).toBe(401);
    }
  });

  it("Actions routes need the admin token and api-version", async () => {
    const admin = await connect(sim);
    const groups = "_apis/runtime/runnergroups/";
    const noAuth = await send("GET", actions(admin.base, groups, "groupName=Default"));
    expect(noAuth.status).toBe(401);
    expect(noAuth.body.typeName).toMatch(
      /^GitHub\.Actions\.Runtime\.WebApi\.\w+Exception, GitHub\.Actions\.Runtime\.WebApi$/,
    );
    expect(noAuth.headers.get("activityid")).toBeTruthy();
    const pat = await send("GET", actions(admin.base, groups), { auth: "Bearer ghp_simtoken" });
    expect(pat.status).toBe(401);
    const noVersion = await send(
      "GET",
      `${admin.base}_apis/runtime/runnergroups/?groupName=Default`,
      {
        auth: admin.auth,
      },
    );
    expect(noVersion.status).toBe(400);
    const ok = await send("GET", actions(admin.base, groups, "groupName=Default"), {
      auth: admin.auth,
    });
    expect(ok.status).toBe(200);
    expect(ok.body).toEqual({
      count: 1,
      value: [{ id: 1, name: "Default", isDefaultGroup: true, size: 0 }],
    });
  });

  it("acquirejobs takes the message-queue token, not the admin token", async () => {
    const admin = await connect(sim);
    const set = await createScaleSet(admin, "auth-acquire");
    const session = await createSession(admin, set.id);
    const url = actions(admin.base, `_apis/runtime/runnerscalesets/${set.id}/acquirejobs`);
    expect((await send("POST", url, { auth: admin.auth, body: [] })).status).toBe(401);
    const ok = await send("POST", url, {
      auth: `Bearer ${session.messageQueueAccessToken}`,
      body: [],
    });
    expect(ok.status).toBe(200);
    expect(ok.body).toEqual({ count: 0, value: [] });
  });

  it("GET message checks the queue token, X-ScaleSetMaxCapacity and Accept", async () => {
    const admin = await connect(sim);
    const set = await createScaleSet(admin, "auth-broker");
    const session = await createSession(admin, set.id);
    const accept = "application/json; api-version=6.0-preview";
    const get = (headers: Record<string, string>) =>
      fetch(session.messageQueueUrl, { headers }).then(async (r) => ({
        status: r.status,
        text: await r.text(),
      }));
    const token = `Bearer ${session.messageQueueAccessToken}`;
    expect(
      (await get({ Accept: accept, "X-ScaleSetMaxCapacity": "5", Authorization: admin.auth }))
        .status,
    ).toBe(401);
    expect((await get({ Accept: accept, Authorization: token })).status).toBe(400);
    expect((await get({ "X-ScaleSetMaxCapacity": "5", Authorization: token })).status).toBe(400);
    expect(
      (await get({ Accept: accept, "X-ScaleSetMaxCapacity": "-1", Authorization: token })).status,
    ).toBe(400);
    expect(
      (await get({ Accept: accept, "X-ScaleSetMaxCapacity": "5", Authorization: token })).status,
    ).toBe(202);
  });

  it("expired admin and message-queue tokens answer 401", async () => {
    const shortSim = await startGitHubSim({ adminTokenTtlSeconds: 0 });
    try {
      const admin = await connect(shortSim);
      const res = await send("GET", actions(admin.base, "_apis/runtime/runnergroups/"), {
        auth: admin.auth,
      });
      expect(res.status).toBe(401);
    } finally {
      await shortSim.stop();
    }
    const queueSim = await startGitHubSim({ queueTokenTtlSeconds: 0 });
    try {
      const admin = await connect(queueSim);
      const set = await createScaleSet(admin, "short-mq");
      const session = await createSession(admin, set.id);
      const res = await fetch(session.messageQueueUrl, {
        headers: {
          Authorization: `Bearer ${session.messageQueueAccessToken}`,
          Accept: "application/json; api-version=6.0-preview",
          "X-ScaleSetMaxCapacity": "1",
        },
      });
      expect(res.status).toBe(401);
    } finally {
      await queueSim.stop();
    }
  });

  it("tokens of one fake are not accepted by another", async () => {
    const other = await startGitHubSim();
    try {
      const admin = await connect(sim);
      const res = await send(
        "GET",
        actions(`${other.url}/tenant/123/`, "_apis/runtime/runnergroups/"),
        {
          auth: admin.auth,
        },
      );
      expect(res.status).toBe(401);
    } finally {
      await other.stop();
    }
  });

  it("prefixes bodies with a BOM when asked", async () => {
    const bomSim = await startGitHubSim({ bom: true });
    try {
      const res = await fetch(`${bomSim.url}/api/v3/orgs/o/actions/runners/registration-token`, {
        method: "POST",
        headers: { Authorization: "Bearer ghp_simtoken" },
      });
      const bytes = Buffer.from(await res.arrayBuffer());
      expect([...bytes.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
      expect(JSON.parse(bytes.subarray(3).toString()).token).toBeTruthy();
    } finally {
      await bomSim.stop();
    }
  });
});
