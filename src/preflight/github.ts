import type { GitHubConfig, ScaleSetConfig } from "../config/types.js";
import {
  ActionsClient,
  type AdminConnection,
  GitHubApiError,
  type GitHubConfigUrl,
  RunnerGroupNotFoundError,
} from "../github/index.js";
import { redactUrl } from "../github/url.js";
import { appPermissionFix, patPermissionFix, scopeName } from "./github-fixes.js";
import {
  type CheckGroup,
  type CheckResult,
  errorText,
  fail,
  ok,
  type PreflightContext,
  skip,
  warn,
} from "./types.js";

/**
 * GitHub: the auth chain once (credentials → registration token → Actions service), then per
 * scale set its runner group and whether its name is free or already this config's. The only
 * thing created is a registration token, which expires unused within the hour.
 */

/** Exposes the auth chain's result (the Actions-service URL) to the preflight. */
class PreflightClient extends ActionsClient {
  connect(): Promise<AdminConnection> {
    return this.auth.refresh();
  }
}

/** Which call of the chain an error came from, by the URL it names. */
function chainStep(error: unknown): "app" | "registration" | "actions" | undefined {
  const url = error instanceof GitHubApiError ? error.url : "";
  if (/\/app\/installations\/[^/]+\/access_tokens/.test(url)) return "app";
  if (/\/registration-token/.test(url)) return "registration";
  if (/\/actions\/runner-registration/.test(url)) return "actions";
  return undefined;
}

function credentialKind(github: GitHubConfig): string {
  const c = github.credentials;
  return c.type === "pat"
    ? "personal access token"
    : `GitHub App ${c.clientId}, installation ${c.installationId}`;
}

/** The three lines of the chain, from its one outcome. */
function chainResults(github: GitHubConfig, scope: GitHubConfigUrl, outcome: ChainOutcome) {
  const kind = credentialKind(github);
  const where = scopeName(scope);
  const credentials = github.credentials;
  const app = credentials.type === "app";
  const installation = credentials.type === "app" ? credentials.installationId : 0;
  if (outcome.ok) {
    return [
      ok("credentials", `credentials ok (${kind}${app ? ": installation token issued" : ""})`),
      ok("scope", `${where}: a registration token can be created (harmless: unused, it expires)`),
      ok("actions service", `connected: ${redactUrl(outcome.connection.actionsUrl)}`),
    ];
  }
  const { error } = outcome;
  const text = errorText(error);
  const status = error instanceof GitHubApiError ? error.status : undefined;
  const step = chainStep(error);
  const notChecked = (name: string) => skip(name, "not checked: the step before failed");
  if (step === "app" || (step === "registration" && status === 401) || step === undefined) {
    const fix =
      step === "app"
        ? status === 404
          ? `installation ${installation} does not belong to this App: check github.app.installation_id (the number in the installation's settings URL)`
          : "GitHub refused the App's JWT: check github.app.client_id (or app_id) and that private_key is the App's current key; also check this host's clock"
        : status === 401
          ? "GitHub refused the token (revoked, expired or mistyped): create a new one and update GITHUB_TOKEN / github.token"
          : "check github.url and the network path to it (proxy: HTTPS_PROXY / NO_PROXY; private CA: NODE_EXTRA_CA_CERTS)";
    return [fail("credentials", text, fix), notChecked("scope"), notChecked("actions service")];
  }
  const credentialsOk = ok("credentials", `credentials ok (${kind})`);
  if (step === "registration") {
    const fix = app ? appPermissionFix(scope) : patPermissionFix(scope);
    return [
      credentialsOk,
      fail("scope", `${where}: no registration token: ${text}`, fix),
      notChecked("actions service"),
    ];
  }
  return [
    credentialsOk,
    ok("scope", `${where}: a registration token can be created`),
    fail(
      "actions service",
      text,
      "GitHub did not hand out an Actions service connection for this URL: check that github.url names the org, repo or enterprise exactly (GHES: 3.9 or later)",
    ),
  ];
}

type ChainOutcome = { ok: true; connection: AdminConnection } | { ok: false; error: unknown };

export interface GitHubChecks {
  /** The chain's three lines, in the GitHub section. */
  chain: CheckGroup;
  /** Runner group and scale set name of one scale set (after the chain). */
  scaleSet(scaleSet: ScaleSetConfig, section: number, index: number): CheckGroup;
  /** Ends the calls in flight: the run's budget is spent. */
  abort(): void;
  close(): Promise<void>;
}

export function githubChecks(github: GitHubConfig, section: number): GitHubChecks {
  let client: PreflightClient | undefined;
  let chain: Promise<ChainOutcome> | undefined;
  const start = (ctx: PreflightContext): Promise<ChainOutcome> => {
    chain ??= (async () => {
      client = new PreflightClient({
        configUrl: github.url,
        credentials: github.credentials,
        retry: { maxRetries: 1, minDelayMs: 200, maxDelayMs: 1_000 },
        requestTimeoutMs: ctx.callTimeoutMs,
        deadlines: { api: ctx.callTimeoutMs },
        env: ctx.env,
        userAgent: { subsystem: "validate" },
      });
      try {
        return { ok: true as const, connection: await client.connect() };
      } catch (error) {
        return { ok: false as const, error };
      }
    })();
    return chain;
  };
  return {
    chain: {
      section,
      label: "GitHub credentials",
      async run(ctx) {
        const outcome = await start(ctx);
        if (!client) throw new Error("GitHub client not created");
        return chainResults(github, client.config, outcome);
      },
    },
    scaleSet(scaleSet, sectionIndex, index) {
      return {
        section: sectionIndex,
        label: `GitHub scale set ${scaleSet.name}`,
        async run(ctx) {
          const outcome = await start(ctx);
          if (!outcome.ok || !client) {
            const why = "not checked: the GitHub credentials failed";
            return [skip("runner group", why), skip("scale set name", why)];
          }
          return await scaleSetResults(client, scaleSet, index);
        },
      };
    },
    abort() {
      client?.abortAll("the validate budget ran out");
    },
    async close() {
      await client?.close();
    },
  };
}

async function scaleSetResults(
  client: ActionsClient,
  scaleSet: ScaleSetConfig,
  index: number,
): Promise<CheckResult[]> {
  const field = `scalesets[${index}]`;
  let groupId: number;
  const results: CheckResult[] = [];
  try {
    const group = await client.getRunnerGroupByName(scaleSet.runnerGroup);
    groupId = group.id;
    results.push(ok("runner group", `"${group.name}" (id ${group.id})`));
  } catch (error) {
    const fix =
      error instanceof RunnerGroupNotFoundError
        ? `create the runner group "${scaleSet.runnerGroup}" (settings → Actions → Runner groups) or fix ${field}.runner_group`
        : undefined;
    return [
      fail("runner group", errorText(error), fix),
      skip("scale set name", "not checked: the runner group failed"),
    ];
  }
  try {
    const existing = await client.getScaleSetByName(groupId, scaleSet.name);
    const wanted = scaleSet.labels.length > 0 ? scaleSet.labels : [scaleSet.name];
    if (!existing) {
      results.push(ok("scale set name", "free: will be created on first run"));
      return results;
    }
    const have = existing.labels.map((l) => l.name);
    const same = have.length === wanted.length && wanted.every((l) => have.includes(l));
    results.push(
      same
        ? ok("scale set name", `exists (id ${existing.id}) with this config's labels`)
        : warn(
            "scale set name",
            `exists (id ${existing.id}) with labels [${have.join(", ")}], not [${wanted.join(", ")}]: scaleset would change its labels`,
            `if another deployment owns "${scaleSet.name}", choose another ${field}.name; if it is this one's, nothing to do`,
          ),
    );
  } catch (error) {
    results.push(fail("scale set name", errorText(error)));
  }
  return results;
}
