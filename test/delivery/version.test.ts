/**
 * The version a release reports: the release job refuses a tag that is not v + package.json's
 * version, and the image build stamps the tag's version into the build. The build stage is
 * simulated without Docker: the Dockerfile's own stamp command runs on a copy of the built
 * package, then the real CLI says its version.
 */
import { spawnSync } from "node:child_process";
import { cpSync, mkdirSync, mkdtempSync, readFileSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";

const root = fileURLToPath(new URL("../../", import.meta.url));
const read = (path: string) => readFileSync(join(root, path), "utf8");
const pkg = JSON.parse(read("package.json")) as { version: string };

function run(command: string, args: string[], cwd: string, env: Record<string, string> = {}) {
  const result = spawnSync(command, args, {
    cwd,
    encoding: "utf8",
    env: { PATH: process.env.PATH ?? "", ...env },
  });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

/** The Dockerfile's build-stage RUN, split into its `&&` steps (continuations joined). */
function buildStageSteps(): string[] {
  const dockerfile = read("Dockerfile").replace(/\\\n/g, " ");
  const buildStage = dockerfile.split(/^FROM /m)[1] ?? "";
  return [...buildStage.matchAll(/^RUN (.*)$/gm)].flatMap((m) =>
    m[1]!.split("&&").map((step) => step.replace(/\s+/g, " ").trim()),
  );
}

/** A copy of what the build stage has after `npm run build`: package.json, dist, the script. */
function builtPackage(): string {
  const dir = mkdtempSync(join(tmpdir(), "scaleset-image-build-"));
  cpSync(join(root, "package.json"), join(dir, "package.json"));
  cpSync(join(root, "dist"), join(dir, "dist"), { recursive: true });
  mkdirSync(join(dir, "scripts"));
  cpSync(join(root, "scripts/version.mjs"), join(dir, "scripts/version.mjs"));
  symlinkSync(join(root, "node_modules"), join(dir, "node_modules"), "dir");
  return dir;
}

describe("release version", () => {
  it("the image build stamps --build-arg VERSION and `scaleset version` reports it", () => {
    const stamp = buildStageSteps().find((step) => step.includes("scripts/version.mjs"));
    expect(stamp).toBe('node scripts/version.mjs stamp "$VERSION"');
    const dir = builtPackage();
    // What release.yml passes for tag v1.4.0-rc.1: metadata-action's version, without the v.
    const stamped = run("bash", ["-c", stamp!], dir, { VERSION: "1.4.0-rc.1" });
    expect(stamped.code, stamped.stderr).toBe(0);
    const cli = run(process.execPath, [join(dir, "dist/cli/bin.js"), "version"], dir);
    expect(cli.stdout).toBe("scaleset 1.4.0-rc.1\n");
    // The default of a local `docker build` says it is no release.
    run("bash", ["-c", stamp!], dir, { VERSION: "0.0.0-dev" });
    expect(run(process.execPath, [join(dir, "dist/cli/bin.js"), "version"], dir).stdout).toBe(
      "scaleset 0.0.0-dev\n",
    );
  });

  it("stamping refuses a value that is not a semantic version", () => {
    const dir = builtPackage();
    const bad = run(process.execPath, ["scripts/version.mjs", "stamp", "latest"], dir);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('"latest" is not a semantic version');
    expect(JSON.parse(readFileSync(join(dir, "package.json"), "utf8")).version).toBe(pkg.version);
  });

  it("the release check passes for v + package.json's version and fails otherwise, saying why", () => {
    const script = join(root, "scripts/version.mjs");
    const ok = run(process.execPath, [script, "check", `v${pkg.version}`], root);
    expect(ok.code, ok.stderr).toBe(0);
    const dir = mkdtempSync(join(tmpdir(), "scaleset-version-"));
    writeFileSync(join(dir, "package.json"), JSON.stringify({ version: "0.1.0" }));
    const bad = run(process.execPath, [script, "check", "v0.2.0"], dir);
    expect(bad.code).toBe(1);
    expect(bad.stderr.trim().split("\n")).toEqual([
      'version: tag v0.2.0 does not match package.json version 0.1.0: set "version": "0.2.0" in package.json and tag again, or tag v0.1.0',
    ]);
  });

  it("release.yml checks the tag before building, and builds with the tag's version", () => {
    const release = parse(read(".github/workflows/release.yml")) as {
      jobs: Record<
        string,
        { needs?: string[]; steps?: Array<{ run?: string; with?: Record<string, unknown> }> }
      >;
    };
    const check = release.jobs.version?.steps?.map((s) => s.run ?? "").join("\n");
    expect(check).toContain('node scripts/version.mjs check "$GITHUB_REF_NAME"');
    expect(release.jobs.image?.needs).toEqual(expect.arrayContaining(["ci", "version"]));
    const build = release.jobs.image?.steps?.find((s) => s.with?.["build-args"]);
    expect(String(build?.with?.["build-args"])).toContain(
      // biome-ignore lint/suspicious/noTemplateCurlyInString: a GitHub expression
      "VERSION=${{ steps.meta.outputs.version }}",
    );
  });
});

describe("the scaleset executable checks the Node.js version first", () => {
  const bin = join(root, "dist/cli/bin.js");

  it("passes a supported Node through to the CLI", () => {
    const ok = run(process.execPath, [bin, "version"], root);
    expect(ok.stdout).toBe(`scaleset ${pkg.version}\n`);
  });

  it("prints one line naming the version found, the version needed and how to get it", () => {
    // A copy of bin.js next to a package.json that needs a Node from the future, and a main.js
    // that must never load.
    const dir = mkdtempSync(join(tmpdir(), "scaleset-bin-"));
    mkdirSync(join(dir, "dist/cli"), { recursive: true });
    cpSync(bin, join(dir, "dist/cli/bin.js"));
    writeFileSync(join(dir, "dist/cli/main.js"), 'console.log("main loaded");\n');
    writeFileSync(
      join(dir, "package.json"),
      JSON.stringify({ type: "module", engines: { node: ">=99.1" } }),
    );
    const old = run(process.execPath, [join(dir, "dist/cli/bin.js"), "demo"], dir);
    expect(old.code).toBe(1);
    expect(old.stdout).toBe("");
    const lines = old.stderr.trim().split("\n");
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain(`Node.js ${process.versions.node}`);
    expect(lines[0]).toContain("needs Node.js >=99.1");
    expect(lines[0]).toMatch(/Install Node\.js 99\.1 or newer .*nodejs\.org/);
  });

  // The machine's own Node (20 on the build machines), when it is older than engines allows.
  const machineNode = ["/usr/bin/node", "/usr/local/bin/node"].find((path) => {
    const major = Number(
      (run(path, ["-p", "process.versions.node"], root).stdout ?? "").split(".")[0],
    );
    return major > 0 && major < 22;
  });
  it.skipIf(!machineNode)("on the machine's old Node: one line, no stack trace", () => {
    const old = run(machineNode!, [bin, "demo", "--jobs", "20"], root);
    expect(old.code).toBe(1);
    expect(old.stderr).toMatch(
      /^scaleset needs Node\.js >=22\.19 .* is Node\.js 2\d\.\d+\.\d+\. Install Node\.js 22\.19 or newer /,
    );
    expect(old.stderr.trim().split("\n")).toHaveLength(1);
    expect(old.stderr).not.toMatch(/\n\s+at /);
  });
});
