import type { GitHubSim } from "../../src/sim/github/index.js";

/** A minimal protocol driver over plain fetch (deliberately not the real client). */

export const API = "api-version=6.0-preview";

export interface Reply {
  status: number;
  headers: Headers;
  text: string;
  // biome-ignore lint/suspicious/noExplicitAny: test convenience for reading JSON bodies
  body: any;
}

export async function send(
  method: string,
  url: string,
  opts: { auth?: string; body?: unknown; headers?: Record<string, string> } = {},
): Promise<Reply> {
  const headers: Record<string, string> = { "Content-Type": "application/json", ...opts.headers };
  if (opts.auth) headers.Authorization = opts.auth;
  const res = await fetch(url, {
    method,
    headers,
    body: opts.body === undefined ? undefined : JSON.stringify(opts.body),
  });
  const text = (await res.text()).replace(/^\uFEFF/, "");
  let body: unknown;
  try {
    body = text ? JSON.parse(text) : undefined;
  } catch {
    body = undefined;
  }
  return { status: res.status, headers: res.headers, text, body };
}

/** Actions-service URL: A + path, with api-version. */
export function actions(base: string, path: string, query = ""): string {
  const sep = query ? `&${query}` : "";
  return `${base.replace(/\/+$/, "")}/${path.replace(/^\/+/, "")}?${API}${sep}`;
}

export interface Admin {
  base: string;
  token: string;
  auth: string;
}

/** PAT → registration token → runner-registration → admin connection. */
export async function connect(
  sim: GitHubSim,
  pat = "ghp_simtoken",
  scope = "my-org",
): Promise<Admin> {
  const reg = await send(
    "POST",
    `${sim.url}/api/v3/orgs/${scope}/actions/runners/registration-token`,
    {
      auth: `Bearer ${pat}`,
    },
  );
  if (reg.status !== 201) throw new Error(`registration-token: ${reg.status} ${reg.text}`);
  const admin = await send("POST", `${sim.url}/api/v3/actions/runner-registration`, {
    auth: `RemoteAuth ${reg.body.token}`,
    body: { url: sim.configUrl(scope), runner_event: "register" },
  });
  if (admin.status !== 201) throw new Error(`runner-registration: ${admin.status} ${admin.text}`);
  return { base: admin.body.url, token: admin.body.token, auth: `Bearer ${admin.body.token}` };
}

export async function createScaleSet(admin: Admin, name: string, labels: string[] = [name]) {
  const res = await send("POST", actions(admin.base, "_apis/runtime/runnerscalesets"), {
    auth: admin.auth,
    body: {
      name,
      runnerGroupId: 1,
      labels: labels.map((l) => ({ name: l, type: "System" })),
      RunnerSetting: {},
      createdOn: "0001-01-01T00:00:00Z",
    },
  });
  if (res.status !== 200) throw new Error(`create scale set: ${res.status} ${res.text}`);
  return res.body as { id: number; name: string };
}

export interface Session {
  sessionId: string;
  messageQueueUrl: string;
  messageQueueAccessToken: string;
  // biome-ignore lint/suspicious/noExplicitAny: raw wire object
  statistics: any;
}

export async function createSession(admin: Admin, scaleSetId: number): Promise<Session> {
  const res = await send(
    "POST",
    actions(admin.base, `_apis/runtime/runnerscalesets/${scaleSetId}/sessions`),
    {
      auth: admin.auth,
      body: { sessionId: "00000000-0000-0000-0000-000000000000", ownerName: "test-host" },
    },
  );
  if (res.status !== 200) throw new Error(`create session: ${res.status} ${res.text}`);
  return res.body as Session;
}

export async function getMessage(session: Session, lastMessageId = 0, capacity = 10) {
  const url = new URL(session.messageQueueUrl);
  if (lastMessageId > 0) url.searchParams.set("lastMessageId", String(lastMessageId));
  const res = await fetch(url, {
    headers: {
      Authorization: `Bearer ${session.messageQueueAccessToken}`,
      Accept: "application/json; api-version=6.0-preview",
      "X-ScaleSetMaxCapacity": String(capacity),
    },
  });
  const text = (await res.text()).replace(/^\uFEFF/, "");
  const message = res.status === 200 && text ? JSON.parse(text) : undefined;
  return {
    status: res.status,
    text,
    message,
    // biome-ignore lint/suspicious/noExplicitAny: decoded job messages
    events: (message ? JSON.parse(message.body) : []) as any[],
  };
}

export async function ack(session: Session, messageId: number): Promise<number> {
  const res = await fetch(`${session.messageQueueUrl}/${messageId}`, {
    method: "DELETE",
    headers: {
      Authorization: `Bearer ${session.messageQueueAccessToken}`,
      "Content-Type": "application/json",
    },
  });
  await res.arrayBuffer();
  return res.status;
}

export async function acquire(admin: Admin, session: Session, scaleSetId: number, ids: number[]) {
  return send(
    "POST",
    actions(admin.base, `_apis/runtime/runnerscalesets/${scaleSetId}/acquirejobs`),
    {
      auth: `Bearer ${session.messageQueueAccessToken}`,
      body: ids,
    },
  );
}

export async function jit(admin: Admin, scaleSetId: number, name: string) {
  return send(
    "POST",
    actions(admin.base, `_apis/runtime/runnerscalesets/${scaleSetId}/generatejitconfig`),
    {
      auth: admin.auth,
      body: { name, workFolder: "" },
    },
  );
}
