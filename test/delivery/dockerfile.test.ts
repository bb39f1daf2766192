/**
 * Dockerfile lint that runs without a Docker engine: the syntax checks of dockerfile-utils (the
 * engine of the VS Code Docker linter) plus hadolint-style rules this image must keep. The GitHub
 * CI workflow also runs hadolint itself and a real multi-arch build.
 */
import { readFileSync } from "node:fs";
import { ValidationSeverity, validate } from "dockerfile-utils";
import { describe, expect, it } from "vitest";

const read = (path: string) => readFileSync(new URL(`../../${path}`, import.meta.url), "utf8");
const dockerfile = read("Dockerfile");

interface Instruction {
  keyword: string;
  args: string;
  line: number;
}

/** Instructions with continuation lines joined; comments and parser directives dropped. */
function parse(text: string): Instruction[] {
  const out: Instruction[] = [];
  let pending: { text: string; line: number } | null = null;
  text.split("\n").forEach((raw, index) => {
    const line = raw.trim();
    if (pending === null && (line === "" || line.startsWith("#"))) return;
    if (pending !== null && line.startsWith("#")) return; // comment inside a continuation
    const body = line.endsWith("\\") ? line.slice(0, -1) : line;
    pending = pending
      ? { ...pending, text: `${pending.text} ${body}` }
      : { text: body, line: index + 1 };
    if (line.endsWith("\\")) return;
    const [keyword = "", ...rest] = pending.text.trim().split(/\s+/);
    out.push({ keyword: keyword.toUpperCase(), args: rest.join(" "), line: pending.line });
    pending = null;
  });
  return out;
}

const instructions = parse(dockerfile);
const stages: Instruction[][] = [];
for (const ins of instructions) {
  if (ins.keyword === "FROM") stages.push([]);
  stages.at(-1)?.push(ins);
}
const finalStage = stages.at(-1) ?? [];
const all = (keyword: string, within = instructions) => within.filter((i) => i.keyword === keyword);

describe("Dockerfile", () => {
  it("passes dockerfile-utils validation with every optional check turned to error", () => {
    const E = ValidationSeverity.ERROR;
    const problems = validate(dockerfile, {
      deprecatedMaintainer: E,
      directiveCasing: E,
      emptyContinuationLine: E,
      instructionCasing: E,
      instructionCmdMultiple: E,
      instructionEntrypointMultiple: E,
      instructionHealthcheckMultiple: E,
      instructionJSONInSingleQuotes: E,
      instructionWorkdirRelative: E,
    });
    expect(problems.map((p) => `line ${p.range.start.line + 1}: ${p.message}`)).toEqual([]);
  });

  it("is multi-stage: npm ci + build + prune in the builder, distroless non-root Node 22/24 on Debian 13+ at run time", () => {
    expect(stages.length).toBeGreaterThanOrEqual(2);
    const builder = stages[0]!.map((i) => i.args).join("\n");
    expect(builder).toMatch(/npm ci --ignore-scripts/);
    expect(builder).toMatch(/npm run build/);
    expect(builder).toMatch(/npm prune --omit=dev --ignore-scripts/);
    expect(builder).not.toMatch(/npm install/); // DL3016 spirit: lockfile installs only
    // debian12 distroless images no longer receive updates.
    const base = /^gcr\.io\/distroless\/nodejs(\d+)-debian(\d+):nonroot@/.exec(finalStage[0]!.args);
    expect(base, finalStage[0]!.args).not.toBeNull();
    expect(Number(base![2])).toBeGreaterThanOrEqual(13);
    expect(["22", "24"]).toContain(base![1]);
    // The builder compiles with the Node.js major the image runs.
    expect(stages[0]![0]!.args).toContain(`node:${base![1]}-`);
  });

  it("pins every base image by digest, literally (Dependabot cannot update an ARG-built name)", () => {
    const stageNames = new Set<string>();
    for (const from of all("FROM")) {
      const words = from.args.split(/\s+/).filter((w) => !w.startsWith("--"));
      const image = words[0]!;
      if (words[1]?.toUpperCase() === "AS") stageNames.add(words[2]!);
      if (stageNames.has(image)) continue;
      expect(image, `line ${from.line}`).toMatch(/^[a-z0-9./-]+:[\w.-]+@sha256:[0-9a-f]{64}$/);
      expect(image, `line ${from.line}`).not.toMatch(/:latest@/);
    }
  });

  it("stamps the build-arg VERSION into the build stage's package.json, which the image copies", () => {
    const globalArgs = instructions.slice(
      0,
      instructions.findIndex((i) => i.keyword === "FROM"),
    );
    expect(globalArgs.map((i) => i.args)).toContain("VERSION=0.0.0-dev");
    for (const stage of stages) expect(all("ARG", stage).map((i) => i.args)).toContain("VERSION");
    const run = all("RUN", stages[0])
      .map((i) => i.args)
      .join("\n");
    expect(run).toMatch(/npm run build && node scripts\/version\.mjs stamp "\$VERSION" &&/);
    expect(all("COPY", finalStage).map((i) => i.args)).toContain(
      "--from=build /app/package.json ./package.json",
    );
    const labels = all("LABEL", finalStage)
      .map((l) => l.args)
      .join(" ");
    // biome-ignore lint/suspicious/noTemplateCurlyInString: Dockerfile syntax
    expect(labels).toContain('org.opencontainers.image.version="${VERSION}"');
  });

  it("runs as a non-root user with exec-form ENTRYPOINT/CMD and no RUN in the final stage (DL3002, DL3025)", () => {
    const user = all("USER", finalStage).at(-1)?.args ?? "";
    expect(user).not.toBe("");
    expect(user).not.toMatch(/^(root|0)(:|$)/);
    for (const keyword of ["ENTRYPOINT", "CMD"]) {
      const [ins, ...extra] = all(keyword, finalStage);
      expect(extra, keyword).toHaveLength(0);
      const argv = JSON.parse(ins!.args) as unknown;
      expect(Array.isArray(argv), keyword).toBe(true);
    }
    const entrypoint = JSON.parse(all("ENTRYPOINT", finalStage)[0]!.args) as string[];
    expect(entrypoint[0]).toBe("/nodejs/bin/node");
    // bin.js checks the Node.js version first; package.json's bin is the same file.
    const pkg = JSON.parse(read("package.json")) as { bin: { scaleset: string } };
    expect(entrypoint.at(-1)).toBe(`/app/${pkg.bin.scaleset}`);
    expect(pkg.bin.scaleset).toBe("dist/cli/bin.js");
    // Distroless has no shell; a RUN there would also force QEMU for the arm64 build.
    expect(all("RUN", finalStage)).toHaveLength(0);
    const healthcheck = all("HEALTHCHECK", finalStage)[0]?.args ?? "";
    expect(healthcheck).toMatch(/CMD \["\/nodejs\/bin\/node"/); // exec form: works without a shell
  });

  it("uses COPY, absolute WORKDIRs, and has no secrets in ARG or ENV (DL3000, DL3020)", () => {
    expect(all("ADD")).toHaveLength(0);
    for (const workdir of all("WORKDIR")) expect(workdir.args).toMatch(/^\//);
    for (const ins of [...all("ARG"), ...all("ENV")]) {
      expect(ins.args, `line ${ins.line}`).not.toMatch(/TOKEN|SECRET|PASSWORD|PRIVATE|_KEY\b/i);
    }
    expect(dockerfile).not.toMatch(/--mount=type=secret/);
  });

  it("carries the OCI image-spec labels", () => {
    const labels = all("LABEL", finalStage)
      .map((l) => l.args)
      .join(" ");
    for (const key of [
      "title",
      "description",
      "source",
      "url",
      "documentation",
      "licenses",
      "version",
      "revision",
      "created",
      "base.name",
    ]) {
      expect(labels).toContain(`org.opencontainers.image.${key}=`);
    }
    const pkg = JSON.parse(read("package.json")) as { license: string };
    expect(labels).toContain(`org.opencontainers.image.licenses="${pkg.license}"`);
  });

  it("exposes the default status port", () => {
    const port = /^\s*port: (\d+)/m.exec(read("config.example.yaml"))?.[1];
    expect(all("EXPOSE", finalStage).map((i) => i.args)).toEqual([port]);
  });
});

describe(".dockerignore", () => {
  const lines = read(".dockerignore")
    .split("\n")
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith("#"));

  it("is an allow-list that admits exactly what COPY takes from the context", () => {
    expect(lines[0]).toBe("*");
    const allowed = lines
      .filter((l) => l.startsWith("!"))
      .map((l) => l.slice(1).replace(/\/$/, ""));
    const fromContext = all("COPY")
      .filter((c) => !c.args.startsWith("--from"))
      .flatMap((c) => c.args.split(/\s+/).slice(0, -1))
      .filter((src) => !src.startsWith("--"));
    for (const src of fromContext) expect(allowed, src).toContain(src.replace(/\/$/, ""));
    for (const secretish of [".env", "config.yaml", ".git", "node_modules"])
      expect(allowed).not.toContain(secretish);
    expect(allowed.some((a) => a.endsWith(".pem"))).toBe(false);
  });
});
