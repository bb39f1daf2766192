/** The `github:` section: where to register runners and how to authenticate. */
import { readFileSync } from "node:fs";
import * as z from "zod";
import { section, text, wholeNumber } from "./fields.js";
import type { GitHubConfig } from "./types.js";

const URL_FIX = "use an org, repo or enterprise URL such as https://github.com/my-org";

type UrlScope = "org" | "repo" | "enterprise";

/** Scope of a config URL, following the runner scale set client's rules; undefined if invalid. */
function urlScope(value: string): UrlScope | undefined {
  let url: URL;
  try {
    url = new URL(value.replace(/^\/+|\/+$/g, ""));
  } catch {
    return undefined;
  }
  if (url.protocol !== "https:" && url.protocol !== "http:") return undefined;
  const segments = url.pathname.split("/").filter((s) => s !== "");
  if (segments.length === 1) return "org";
  if (segments.length === 2)
    return segments[0]!.toLowerCase() === "enterprises" ? "enterprise" : "repo";
  return undefined;
}

const urlSchema = text("a URL").refine((value) => urlScope(value) !== undefined, {
  error: `must point to an organization, repository or enterprise — ${URL_FIX}`,
});

const CLIENT_ID_FIX = "copy the client ID (Iv1.…) or numeric app ID from the App's settings page";

/** YAML reads a numeric app ID as a number; text() turns it back into text. */
const clientIdSchema = text("the App's client ID or app ID").pipe(
  z.string().regex(/^\S+$/, { error: `must not contain spaces — ${CLIENT_ID_FIX}` }),
);

const PEM = /-----BEGIN [A-Z ]*PRIVATE KEY-----/;
const PEM_FIX = "give the App's .pem file contents (-----BEGIN … PRIVATE KEY-----)";

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
    if (!PEM.test(privateKey)) {
      const field = app.private_key === undefined ? "private_key_path" : "private_key";
      ctx.issues.push({
        code: "custom",
        input: undefined,
        path: [field],
        message: `is not a PEM private key — ${PEM_FIX}`,
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

type GitHubInput = { url?: unknown; token?: unknown; app?: unknown };

export const githubSchema = section({
  url: urlSchema,
  token: text("a token").optional(),
  app: appSchema.optional(),
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
  .refine(
    (gh: GitHubInput) =>
      !(gh.app !== undefined && typeof gh.url === "string" && urlScope(gh.url) === "enterprise"),
    {
      path: ["app"],
      error:
        "cannot be used for an enterprise URL (GitHub Apps cannot manage enterprise runners) — use a PAT in token",
      when: (payload) => typeof payload.value === "object" && payload.value !== null,
    },
  )
  .transform(
    (gh): GitHubConfig => ({
      url: gh.url,
      credentials: gh.app ?? { type: "pat", token: gh.token! },
    }),
  );
