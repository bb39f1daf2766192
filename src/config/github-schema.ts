/** The `github:` section: where to register runners and how to authenticate. */
import { readFileSync } from "node:fs";
import * as z from "zod";
import { configUrlProblem, type GitHubConfigUrl, parseConfigUrl } from "../github/config-url.js";
import { appPrivateKeyProblem } from "../github/jwt.js";
import { isLoopbackUrl } from "../util/loopback.js";
import { flag, section, text, wholeNumber } from "./fields.js";
import type { GitHubConfig } from "./types.js";

/** The URL's own checks (shape, credentials, https for github.com); the message never echoes it. */
const urlSchema = text("a URL").superRefine((value, ctx) => {
  const found = configUrlProblem(value);
  if (found) ctx.addIssue({ code: "custom", message: `${found.problem} — ${found.fix}` });
});

/** The parsed URL when it is valid (the url field reports it otherwise). */
function parsedUrl(value: unknown): GitHubConfigUrl | undefined {
  if (typeof value !== "string" || configUrlProblem(value) !== undefined) return undefined;
  return parseConfigUrl(value, {});
}

const isEnterpriseUrl = (value: unknown) => parsedUrl(value)?.scope === "enterprise";

/** Plain http to a GHES (loopback excepted: the local simulators) needs an explicit opt-in. */
const isInsecureRemote = (value: unknown) =>
  parsedUrl(value)?.apiBase.startsWith("http:") === true && !isLoopbackUrl(String(value).trim());

const CLIENT_ID_FIX = "copy the client ID (Iv1.…) or numeric app ID from the App's settings page";

/** YAML reads a numeric app ID as a number; text() turns it back into text. */
const clientIdSchema = text("the App's client ID or app ID").pipe(
  z.string().regex(/^\S+$/, { error: `must not contain spaces — ${CLIENT_ID_FIX}` }),
);

const KEY_PROBLEMS = {
  unreadable:
    "is not a valid PEM private key — give the App's unencrypted .pem file as downloaded (-----BEGIN … PRIVATE KEY-----)",
  "not-rsa":
    "is not an RSA key — GitHub App keys are RSA: generate a private key on the App's settings page",
} as const;

const appSchema = section({
  client_id: clientIdSchema,
  installation_id: wholeNumber({ min: 1, what: "the numeric installation ID" }),
  private_key: z.string().optional(),
  private_key_path: text("a file path").optional(),
})
  .refine((app) => (app.private_key === undefined) !== (app.private_key_path === undefined), {
    error: (issue) => {
      const app = issue.input as { private_key?: unknown };
      return app.private_key === undefined
        ? "needs private_key or private_key_path — set one, or the GITHUB_APP_PRIVATE_KEY(_PATH) env var"
        : "has both private_key and private_key_path — keep only one";
    },
  })
  .transform((app, ctx) => {
    let privateKey = app.private_key;
    if (privateKey === undefined) {
      try {
        privateKey = readFileSync(app.private_key_path!, "utf8");
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code ?? "read error";
        ctx.issues.push({
          code: "custom",
          input: undefined,
          path: ["private_key_path"],
          message: `cannot read the key file (${code}) — check the path and that scaleset may read it`,
        });
        return z.NEVER;
      }
    }
    const keyProblem = appPrivateKeyProblem(privateKey);
    if (keyProblem !== undefined) {
      ctx.issues.push({
        code: "custom",
        input: undefined,
        path: [app.private_key === undefined ? "private_key_path" : "private_key"],
        message: KEY_PROBLEMS[keyProblem],
      });
      return z.NEVER;
    }
    return {
      type: "app" as const,
      clientId: app.client_id,
      installationId: app.installation_id,
      privateKey,
    };
  });

type GitHubInput = { url?: unknown; token?: unknown; app?: unknown; allow_insecure_http?: unknown };

export const githubSchema = section({
  url: urlSchema,
  token: text("a token").optional(),
  app: appSchema.optional(),
  allow_insecure_http: flag().prefault(false),
})
  // These run even when a field failed, so one pass reports credential mix-ups too.
  .refine((gh: GitHubInput) => !(gh.token !== undefined && gh.app !== undefined), {
    error:
      "has both token and app — configure exactly one of token or app (remove the other, or unset GITHUB_TOKEN / GITHUB_APP_* env vars)",
    when: (payload) => typeof payload.value === "object" && payload.value !== null,
  })
  .refine((gh: GitHubInput) => !(gh.token === undefined && gh.app === undefined), {
    error: "has no credentials — configure exactly one of token or app (or set GITHUB_TOKEN)",
    when: (payload) => typeof payload.value === "object" && payload.value !== null,
  })
  .refine((gh: GitHubInput) => !(isInsecureRemote(gh.url) && gh.allow_insecure_http !== true), {
    path: ["url"],
    error:
      "uses http: the token and every runner's JIT config would cross the network unencrypted — write https://, or for a GHES reachable only over a trusted network set github.allow_insecure_http: true",
    when: (payload) => typeof payload.value === "object" && payload.value !== null,
  })
  .refine((gh: GitHubInput) => !(gh.app !== undefined && isEnterpriseUrl(gh.url)), {
    path: ["app"],
    error:
      "cannot be used for an enterprise URL (GitHub Apps cannot manage enterprise runners) — use a PAT in token",
    when: (payload) => typeof payload.value === "object" && payload.value !== null,
  })
  .transform(
    (gh): GitHubConfig => ({
      url: gh.url,
      credentials: gh.app ?? { type: "pat", token: gh.token! },
      allowInsecureHttp: gh.allow_insecure_http,
    }),
  );
