import { describe, expect, it } from "vitest";
import yargs from "yargs";
import { applyOverrides, ConfigError, pickConfigOverrides } from "../../src/config/index.js";
import { load, loadError, MINIMAL_YAML, PEM, writeTemp } from "./helpers.js";

function thrown(fn: () => unknown): ConfigError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return err as ConfigError;
  }
  throw new Error("expected a ConfigError");
}

describe("applyOverrides", () => {
  it("deep-merges nested objects without dropping siblings", () => {
    const raw = { github: { url: "a", token: "t" }, logging: { level: "info", format: "json" } };
    expect(applyOverrides(raw, { github: { url: "b" }, logging: { level: "debug" } })).toEqual({
      github: { url: "b", token: "t" },
      logging: { level: "debug", format: "json" },
    });
    expect(raw.github.url).toBe("a"); // input untouched
  });

  it("merges numeric-keyed objects into lists by index and can append", () => {
    const raw = { scalesets: [{ name: "a", max_runners: 3 }, { name: "b" }] };
    const merged = applyOverrides(raw, {
      scalesets: { 1: { max_runners: "5" }, 2: { name: "c" } },
    });
    expect(merged).toEqual({
      scalesets: [{ name: "a", max_runners: 3 }, { name: "b", max_runners: "5" }, { name: "c" }],
    });
  });

  it("creates a list from numeric keys when the file has none", () => {
    expect(applyOverrides({}, { scalesets: { 0: { name: "x" } } })).toEqual({
      scalesets: [{ name: "x" }],
    });
  });

  it("replaces lists given as lists (repeated flags)", () => {
    const merged = applyOverrides(
      { scalesets: [{ name: "a", labels: ["x"] }] },
      { scalesets: { 0: { labels: ["y", "z"] } } },
    );
    expect(merged).toEqual({ scalesets: [{ name: "a", labels: ["y", "z"] }] });
  });

  it("accepts dotted keys, kebab-case and camelCase spellings, ignores yargs' own keys", () => {
    const merged = applyOverrides(
      { scalesets: [{ name: "a" }] },
      {
        _: ["run"],
        $0: "scaleset",
        "logging.level": "warn",
        scalesets: { 0: { "max-runners": 4, maxRunners: 4, "idle-timeout": "1m" } },
        server: undefined,
      },
    );
    expect(merged).toEqual({
      scalesets: [{ name: "a", max_runners: 4, idle_timeout: "1m" }],
      logging: { level: "warn" },
    });
  });

  it("rejects an index past the end of the list", () => {
    const error = thrown(() =>
      applyOverrides({ scalesets: [{ name: "a" }] }, { scalesets: { 3: { name: "x" } } }),
    );
    expect(error.message).toContain(
      "--scalesets.3: index is past the end of the list (it has 1 item) — use an index from 0 to 1 (1 adds a new item)",
    );
  });

  it("rejects non-numeric keys for a list", () => {
    const error = thrown(() =>
      applyOverrides({ scalesets: [{ name: "a" }] }, { scalesets: { name: "x" } }),
    );
    expect(error.message).toContain(
      "--scalesets.name: is not a list index — use --scalesets.<index>.<field>",
    );
  });

  it.each([
    [{ github: { token: "ghp_flagSecret" } }, "--github.token", "set the GITHUB_TOKEN env var"],
    [{ "github.token": "ghp_flagSecret" }, "--github.token", "env:NAME"],
    [
      { github: { app: { private_key: "ghp_flagSecret" } } },
      "--github.app.private_key",
      "GITHUB_APP_PRIVATE_KEY",
    ],
    [
      { github: { app: { "private-key": "ghp_flagSecret", privateKey: "ghp_flagSecret" } } },
      "--github.app.private_key",
      "file:/path",
    ],
  ])("refuses secret flag %j", (overrides, flag, hint) => {
    const error = thrown(() => applyOverrides({}, overrides));
    expect(error.problems).toHaveLength(1);
    expect(error.problems[0]!.path).toBe(flag);
    expect(error.problems[0]!.problem).toContain("must not be passed as command-line flags");
    expect(error.problems[0]!.fix).toContain(hint);
    expect(error.message).not.toContain("ghp_flagSecret");
  });

  it("lets --github.app.private_key_path replace a key written in the file", () => {
    const merged = applyOverrides(
      { github: { app: { client_id: 1, private_key: "x" } } },
      { github: { app: { private_key_path: "/k.pem" } } },
    );
    expect(merged).toEqual({ github: { app: { client_id: 1, private_key_path: "/k.pem" } } });
  });
});

describe("flag overrides through loadConfig", () => {
  it("overrides any field, coercing numeric strings where numbers are wanted", async () => {
    const config = await load(MINIMAL_YAML, {
      overrides: {
        github: { url: "https://github.com/other" },
        scalesets: { 0: { max_runners: "5", min_runners: 2, idle_timeout: "30s" } },
        logging: { level: "debug" },
        scaler: { create_concurrency: "8" },
      },
    });
    expect(config.github.url).toBe("https://github.com/other");
    expect(config.scalesets[0]).toMatchObject({
      maxRunners: 5,
      minRunners: 2,
      idleTimeout: 30_000,
    });
    expect(config.logging.level).toBe("debug");
    expect(config.scaler.createConcurrency).toBe(8);
  });

  it("can add a second scale set", async () => {
    const config = await load(MINIMAL_YAML, {
      overrides: { scalesets: { 1: { name: "arm64", max_runners: 2, engine: { type: "sim" } } } },
    });
    expect(config.scalesets.map((s) => [s.name, s.maxRunners])).toEqual([
      ["linux-x64", 10],
      ["arm64", 2],
    ]);
  });

  it("validates overridden values like file values", async () => {
    const error = await loadError(MINIMAL_YAML, {
      overrides: { scalesets: { 0: { max_runners: "abc", typo: 1 } } },
    });
    expect(error.message).toContain("scalesets[0].max_runners: must be a whole number");
    expect(error.message).toContain("scalesets[0].typo: unknown key");
  });

  it("refuses --github.token even when the file is otherwise valid", async () => {
    const error = await loadError(MINIMAL_YAML, {
      overrides: { github: { token: "ghp_flagSecret" } },
    });
    expect(error.message).toContain(
      "--github.token: secrets must not be passed as command-line flags",
    );
    expect(error.message).not.toContain("ghp_flagSecret");
  });

  it("uses a flag over the matching env var", async () => {
    const keyPath = writeTemp("flag.pem", PEM);
    const config = await load(
      MINIMAL_YAML.replace(
        "token: env:GITHUB_TOKEN",
        "app: { client_id: Iv1.file, installation_id: 1, private_key: x }",
      ),
      {
        env: {
          GITHUB_APP_CLIENT_ID: "Iv1.env",
          GITHUB_APP_PRIVATE_KEY_PATH: "/nonexistent.pem",
          PORT: "9000",
        },
        overrides: {
          github: { app: { client_id: "Iv1.flag", private_key_path: keyPath } },
          server: { port: 9100 },
        },
      },
    );
    expect(config.github.credentials).toMatchObject({
      type: "app",
      clientId: "Iv1.flag",
      privateKey: PEM,
    });
    expect(config.server.port).toBe(9100);
  });
});

describe("pickConfigOverrides", () => {
  it("keeps only config sections from a yargs argv", () => {
    const argv = {
      _: [],
      $0: "x",
      config: "c.yaml",
      verbose: true,
      github: { url: "u" },
      "logging.level": "debug",
    };
    expect(pickConfigOverrides(argv)).toEqual({ github: { url: "u" }, "logging.level": "debug" });
  });
});

describe("with a real yargs argv", () => {
  const parse = (args: string[]) => yargs(args).parseSync() as Record<string, unknown>;

  it("applies dot-notation flags, including a list index", async () => {
    const argv = parse([
      "--config",
      "scaleset.yaml",
      "--github.url",
      "https://github.com/flag-org",
      "--scalesets.0.max_runners",
      "5",
      "--scalesets.0.idle-timeout",
      "90",
      "--logging.level",
      "debug",
    ]);
    const config = await load(MINIMAL_YAML, { overrides: pickConfigOverrides(argv) });
    expect(config.github.url).toBe("https://github.com/flag-org");
    expect(config.scalesets[0]).toMatchObject({ maxRunners: 5, idleTimeout: 90_000 });
    expect(config.logging.level).toBe("debug");
  });

  it("rejects --github.token", async () => {
    const argv = parse(["--github.token", "ghp_flagSecret"]);
    const error = await loadError(MINIMAL_YAML, { overrides: pickConfigOverrides(argv) });
    expect(error.message).toContain(
      "--github.token: secrets must not be passed as command-line flags",
    );
  });
});
