import { describe, expect, it } from "vitest";
import { ConfigError } from "../../src/config/index.js";
import { loadError, PEM, TOKEN, writeTemp } from "./helpers.js";

const GH = "github: { url: https://github.com/o, token: env:GITHUB_TOKEN }";

describe("config errors", () => {
  it("lists every problem at once, one `path: problem — fix` per line", async () => {
    const error = await loadError(`
${GH}
scalesets:
  - { name: "bad name!", min_runners: 5, max_runners: 2 }
  - { name: ok, max_runners: -1 }
scaler: { create_concurrency: many }
server: { port: 70000 }
logging: { level: loud, format: xml }
`);
    const lines = error.message.split("\n").slice(1);
    expect(lines).toEqual([
      "  - scalesets[0].name: may only contain letters, digits, '.', '_' and '-' — rename it, e.g. linux-x64",
      "  - scalesets[0].max_runners: must be ≥ min_runners (5) — raise max_runners or lower min_runners",
      "  - scalesets[1].max_runners: must be between 0 and 2147483647 — raise it to at least 0",
      "  - scaler.create_concurrency: must be a whole number between 1 and 10000 — write a plain number such as 2",
      "  - server.port: must be between 0 and 65535 — lower it to at most 65535",
      "  - logging.level: is not a log level — use one of: fatal, error, warn, info, debug, trace, silent",
      "  - logging.format: is not a log format — use one of: json, pretty",
    ]);
    expect(error.message.split("\n")[0]).toBe("invalid configuration (7 problems):");
    expect(error.problems[1]).toEqual({
      path: "scalesets[0].max_runners",
      problem: "must be ≥ min_runners (5)",
      fix: "raise max_runners or lower min_runners",
    });
  });

  it("names unknown keys and suggests the intended one", async () => {
    const error = await loadError(`
${GH}
scalesets:
  - { name: a, idle_timout: 5m, maxRunners: 3, engine: { type: sim, sim: { boot_dealy: 1s } } }
scaler: { frobnicate: 1 }
extra: true
`);
    expect(error.message).toContain(
      "scalesets[0].idle_timout: unknown key — did you mean idle_timeout?",
    );
    expect(error.message).toContain(
      "scalesets[0].maxRunners: unknown key — did you mean max_runners?",
    );
    expect(error.message).toContain(
      "scalesets[0].engine.sim.boot_dealy: unknown key — did you mean boot_delay?",
    );
    expect(error.message).toContain(
      "scaler.frobnicate: unknown key — remove it (known keys: create_concurrency, delete_concurrency, reconcile_interval, shutdown_grace, session_conflict_wait, poll_timeout)",
    );
    expect(error.message).toContain(
      "extra: unknown key — remove it (known keys: github, scalesets, scaler, server, logging, telemetry)",
    );
    expect(error.problems).toHaveLength(5);
  });

  it("gives line:column for YAML syntax errors without echoing the line", async () => {
    const error = await loadError(`github:\n  token: "${TOKEN}\nscalesets: [`, {
      path: "scaleset.yaml",
    });
    expect(error.problems).toHaveLength(1);
    expect(error.problems[0]!.path).toMatch(/^scaleset\.yaml:\d+:\d+$/);
    expect(error.message).toContain("YAML syntax error");
    expect(error.message).toContain("fix the YAML at that line and column");
  });

  it("reports duplicate keys with their position", async () => {
    const error = await loadError(
      `${GH}\nscalesets: [{ name: a, engine: { type: sim } }]\nscalesets: [{ name: b }]\n`,
    );
    expect(error.message).toContain("config:3:1: YAML syntax error: Map keys must be unique");
  });

  it("rejects a YAML document that is not a mapping", async () => {
    const error = await loadError("- just\n- a list\n");
    expect(error.message).toContain(
      "config: is not a YAML mapping — start the file with top-level keys",
    );
  });

  it("requires github.url, scalesets and scale set names", async () => {
    const error = await loadError("github: { token: env:GITHUB_TOKEN }\n");
    expect(error.message).toContain("github.url: is required — add it");
    expect(error.message).toContain("scalesets: is required — add a `scalesets:` list");
    const names = await loadError(`${GH}\nscalesets: [{ max_runners: 3 }]\n`);
    expect(names.message).toContain("scalesets[0].name: is required — add it");
    const empty = await loadError(`${GH}\nscalesets: []\n`);
    expect(empty.message).toContain("scalesets: is empty — add at least one scale set with a name");
  });

  it("rejects a URL that is not an org, repo or enterprise", async () => {
    const cases: Array<[string, string]> = [
      ["https://github.com", "names no organization, repository or enterprise"],
      ["https://github.com/a/b/c", "has more path segments than an organization"],
      ["not a url", "is not an absolute URL"],
      ["ftp://github.com/o", "must be an https:// URL"],
    ];
    for (const [url, problem] of cases) {
      const error = await loadError(
        `github: { url: "${url}", token: x }\nscalesets: [{ name: a, engine: { type: sim } }]\n`,
      );
      expect(error.message).toContain(`github.url: ${problem}`);
      expect(error.message).toContain("e.g. https://github.com/my-org");
    }
  });

  it("requires exactly one of token and app", async () => {
    const both = await loadError(
      `github: { url: https://github.com/o, token: x, app: { client_id: Iv1.a, installation_id: 1, private_key: "${PEM.replace(/\n/g, "\\n")}" } }\nscalesets: [{ name: a, engine: { type: sim } }]\n`,
    );
    expect(both.message).toContain(
      "github: has both token and app — configure exactly one of token or app",
    );
    const neither = await loadError(
      "github: { url: https://github.com/o }\nscalesets: [{ name: a, engine: { type: sim } }]\n",
      { env: {} },
    );
    expect(neither.message).toContain(
      "github: has no credentials — configure exactly one of token or app (or set GITHUB_TOKEN)",
    );
  });

  it("checks App fields: ids, exactly one key source, readable PEM file", async () => {
    const noKey = await loadError(
      "github: { url: https://github.com/o, app: { client_id: Iv1.a, installation_id: abc } }\nscalesets: [{ name: a, engine: { type: sim } }]\n",
      { env: {} },
    );
    expect(noKey.message).toContain(
      "github.app.installation_id: must be the numeric installation ID ≥ 1 — write a plain number",
    );
    const bothKeys = await loadError(
      `github: { url: https://github.com/o, app: { client_id: Iv1.a, installation_id: 1, private_key: x, private_key_path: /k.pem } }\nscalesets: [{ name: a, engine: { type: sim } }]\n`,
      { env: {} },
    );
    expect(bothKeys.message).toContain(
      "github.app: has both private_key and private_key_path — keep only one",
    );
    const missingFile = await loadError(
      "github: { url: https://github.com/o, app: { client_id: 1, installation_id: 1, private_key_path: /nonexistent/app.pem } }\nscalesets: [{ name: a, engine: { type: sim } }]\n",
      { env: {} },
    );
    expect(missingFile.message).toContain(
      "github.app.private_key_path: cannot read the key file (ENOENT) — check the path and that scaleset may read it",
    );
    const notPem = writeTemp("key.txt", "hello");
    const badPem = await loadError(
      `github: { url: https://github.com/o, app: { client_id: 1, installation_id: 1, private_key_path: ${notPem} } }\nscalesets: [{ name: a, engine: { type: sim } }]\n`,
      { env: {} },
    );
    expect(badPem.message).toContain(
      "github.app.private_key_path: is not a valid PEM private key — give the App's unencrypted .pem file",
    );
  });

  it("requires a client id and forbids spaces in it", async () => {
    const error = await loadError(
      `github: { url: https://github.com/o, app: { client_id: "a b", installation_id: 1, private_key: "${PEM.replace(/\n/g, "\\n")}" } }\nscalesets: [{ name: a, engine: { type: sim } }]\n`,
      { env: {} },
    );
    expect(error.message).toContain(
      "github.app.client_id: must not contain spaces — copy the client ID",
    );
  });

  it("refuses a GitHub App for an enterprise URL", async () => {
    const error = await loadError(
      `github: { url: https://github.com/enterprises/acme, app: { client_id: 1, installation_id: 1, private_key: "${PEM.replace(/\n/g, "\\n")}" } }\nscalesets: [{ name: a, engine: { type: sim } }]\n`,
      { env: {} },
    );
    expect(error.message).toContain(
      "github.app: cannot be used for an enterprise URL (GitHub Apps cannot manage enterprise runners) — use a PAT",
    );
  });

  it("validates scale sets: unique names, name length, labels, engine type", async () => {
    const error = await loadError(`
${GH}
scalesets:
  - { name: dup }
  - { name: dup }
  - { name: "${"x".repeat(101)}" }
  - { name: l, labels: [] }
  - { name: e1, engine: { type: azure } }
  - { name: e2, engine: { sim: {} } }
  - { name: t, boot_timeout: 0 }
`);
    expect(error.message).toContain(
      "scalesets[1].name: duplicates scalesets[0].name (GitHub ignores case in scale set names) — give every scale set a unique name",
    );
    expect(error.message).toContain(
      "scalesets[2].name: is longer than 100 characters — shorten it",
    );
    expect(error.message).toContain(
      "scalesets[3].labels: must not be empty — list at least one label",
    );
    expect(error.message).toContain(
      "scalesets[4].engine.type: unknown engine type — use one of: sim, gcp, ec2",
    );
    expect(error.message).toContain(
      "scalesets[5].engine.type: is required — set type to one of: sim",
    );
    expect(error.message).toContain("scalesets[6].boot_timeout: must be longer than zero");
  });

  it("explains wrong types for sections", async () => {
    const error = await loadError(`${GH}\nscalesets: { name: a }\nserver: 5\n`);
    expect(error.message).toContain(
      "scalesets: must be a list of scale sets — write `scalesets:` then `- name: …` items",
    );
    expect(error.message).toContain(
      "server: must be a mapping (key: value pairs) — fix the indentation",
    );
  });

  it("never echoes a secret put in the wrong place", async () => {
    const error = await loadError(
      `${GH}\nscalesets: [{ name: a, max_runners: "${TOKEN}", runner_group: [1] }]\n`,
    );
    expect(error.message).toContain("scalesets[0].max_runners: must be a whole number");
    expect(error.message).not.toContain(TOKEN);
  });

  it("is an Error with a readable name", () => {
    const error = new ConfigError([{ path: "a.b", problem: "is bad", fix: "make it good" }]);
    expect(error).toBeInstanceOf(Error);
    expect(error.name).toBe("ConfigError");
    expect(error.message).toBe(
      "invalid configuration (1 problem):\n  - a.b: is bad — make it good",
    );
  });
});
