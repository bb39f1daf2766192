/**
 * Bad inputs through the real CLI: each exits 2 before touching any API, printing every problem
 * with its field and fix (the full table of messages is test/config/bad-inputs.test.ts). Also the
 * start-up notices a valid but risky config gets, logged once.
 */
import { chmodSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { type GitHubSim, startGitHubSim } from "../../src/sim/github/index.js";
import { configYaml, SCALE_SET, SIM_TOKEN } from "../e2e/harness.js";
import { runCli, startCli } from "./cli-process.js";

const dir = mkdtempSync(join(tmpdir(), "scaleset-bad-"));
let sim: GitHubSim | null = null;
afterEach(async () => {
  await sim?.stop();
  sim = null;
});

let files = 0;
function writeConfig(yaml: string, mode = 0o600): string {
  const path = join(dir, `config-${files++}.yaml`);
  writeFileSync(path, yaml);
  chmodSync(path, mode);
  return path;
}

const SETS = "scalesets: [{ name: a, engine: { type: sim } }]\n";
const gh = (url: string) => `github: { url: "${url}", token: env:GITHUB_TOKEN }\n`;
const FAKE_PEM =
  "-----BEGIN RSA PRIVATE KEY-----\nMIIEsecretKeyBodyDoNotLeak\n-----END RSA PRIVATE KEY-----\n";

type Case = [name: string, yaml: string, flags: string[], problem: string];

const CASES: Case[] = [
  [
    "http to github.com",
    gh("http://github.com/o") + SETS,
    [],
    "github.url: uses http: the token would cross the internet unencrypted — write https:// (github.com and GHE.com serve https only)",
  ],
  [
    "http to a GHES without allow_insecure_http",
    gh("http://ghes.example.com/o") + SETS,
    [],
    "github.url: uses http: the token and every runner's JIT config would cross the network unencrypted — write https://, or for a GHES reachable only over a trusted network set github.allow_insecure_http: true",
  ],
  [
    "a URL with credentials",
    gh("https://x-access-token:s3cretpass@github.com/o") + SETS,
    [],
    "github.url: must not contain credentials (user:password@) — remove them; give the token in github.token or the GITHUB_TOKEN env var",
  ],
  [
    "…/enterprises/ without a name",
    gh("https://github.com/enterprises/") + SETS,
    [],
    "github.url: names no enterprise — write https://HOST/enterprises/NAME",
  ],
  [
    "a .git URL",
    gh("https://github.com/o/r.git") + SETS,
    [],
    "github.url: ends in .git (a clone URL) — use the repository's web address without .git, e.g. https://github.com/ORG/REPO",
  ],
  [
    "an App key that is not a valid PEM",
    `github: { url: https://github.com/o, app: { client_id: Iv1.a, installation_id: 1, private_key: ${JSON.stringify(FAKE_PEM)} } }\n${SETS}`,
    [],
    "github.app.private_key: is not a valid PEM private key — give the App's unencrypted .pem file as downloaded (-----BEGIN … PRIVATE KEY-----)",
  ],
  [
    "a GCP project name instead of its id",
    `${gh("https://github.com/o")}scalesets: [{ name: a, engine: { type: gcp, gcp: { project: "My Project", zones: [us-central1-a], image: projects/p/global/images/family/f } } }]\n`,
    [],
    "scalesets[0].engine.gcp.project: is not a GCP project id — use the project ID (not its name or number): 6–30 lowercase letters, digits and hyphens, starting with a letter, e.g. acme-ci",
  ],
  [
    "a GCP region as a zone",
    `${gh("https://github.com/o")}scalesets: [{ name: a, engine: { type: gcp, gcp: { project: acme-ci, zones: [us-central1], image: projects/p/global/images/family/f } } }]\n`,
    [],
    "scalesets[0].engine.gcp.zones[0]: is not a Compute Engine zone — write a zone name such as us-central1-a",
  ],
  [
    "scale set names that differ only in case",
    `${gh("https://github.com/o")}scalesets: [{ name: Linux, engine: { type: sim } }, { name: linux, engine: { type: sim } }]\n`,
    [],
    "scalesets[1].name: duplicates scalesets[0].name (GitHub ignores case in scale set names) — give every scale set a unique name",
  ],
  [
    "an OTLP header as a flag",
    gh("https://github.com/o") + SETS,
    ["--telemetry.otlp.headers.authorization=Bearer s3cretpass"],
    "--telemetry.otlp.headers.authorization: secrets must not be passed as command-line flags (other processes can read them) — write the header in the config file as an env:NAME or file:/path reference (headers: { authorization: env:OTLP_AUTH }), or set OTEL_EXPORTER_OTLP_HEADERS",
  ],
];

describe("bad inputs through the CLI", () => {
  it.each(CASES)(
    "%s: run and validate exit 2 with the field and the fix",
    async (_n, yaml, flags, problem) => {
      const path = writeConfig(yaml);
      for (const command of ["run", "validate"]) {
        // The App case has no token: GITHUB_TOKEN would add a "both token and app" problem.
        const env: Record<string, string> = yaml.includes("env:GITHUB_TOKEN")
          ? { GITHUB_TOKEN: SIM_TOKEN }
          : {};
        const { code, stdout, stderr } = await runCli([command, "--config", path, ...flags], env);
        expect(code, command).toBe(2);
        expect(stderr, command).toBe(`invalid configuration (1 problem):\n  - ${problem}\n`);
        expect(stdout, command).toBe(""); // nothing started, nothing logged
        for (const secret of ["s3cretpass", "MIIEsecret", SIM_TOKEN])
          expect(stderr).not.toContain(secret);
      }
    },
  );

  it("an empty ec2 instance_types is reported with the section's other problems", async () => {
    const path = writeConfig(
      `${gh("https://github.com/o")}scalesets: [{ name: a, engine: { type: ec2, ec2: { image_id: ami-1, instance_types: [], disk_size_gb: 1 } } }]\n`,
    );
    const { code, stderr } = await runCli(["--config", path], { GITHUB_TOKEN: SIM_TOKEN });
    expect(code).toBe(2);
    expect(stderr).toBe(
      [
        "invalid configuration (3 problems):",
        "  - scalesets[0].engine.ec2.region: is required — add it",
        "  - scalesets[0].engine.ec2.instance_types: must not be empty — list at least one instance type, e.g. [m7i.large], or remove it to use the launch template's",
        "  - scalesets[0].engine.ec2.disk_size_gb: must be between 8 and 65536 — raise it to at least 8",
        "",
      ].join("\n"),
    );
  });

  it("a paused scale set and a readable inline secret are each warned about once at start", async () => {
    sim = await startGitHubSim({ pat: SIM_TOKEN, longPollMs: 300 });
    const yaml = configYaml(sim.configUrl(), { maxRunners: 0 })
      .replace("token: env:GITHUB_TOKEN", `token: ${SIM_TOKEN}`)
      .replace("level: warn", "level: info");
    const path = writeConfig(yaml, 0o644);
    const run = startCli(["--config", path]);
    const paused = await run.logLine(
      "scale set is paused (max_runners: 0): it keeps its session and registration but starts no runners, so its jobs wait in the queue; raise max_runners to resume",
      30_000,
    );
    expect(paused).toMatchObject({ level: "warn", scaleSet: SCALE_SET });
    const readable = await run.logLine(
      "the config file holds secrets inline and other users may read it: chmod 600 it, or write the secrets as env:NAME or file:/path references",
    );
    expect(readable).toMatchObject({
      level: "warn",
      path,
      mode: "0644",
      secrets: ["github.token"],
    });
    // Paused keeps its session: queued jobs wait and no runner is created.
    await run.logLine("session created", 30_000);
    sim.enqueueJobs(SCALE_SET, 2, { durationMs: 100 });
    await sim.waitFor((s) => (s.requests.getMessage ?? 0) >= 3, 15_000);
    expect(sim.snapshot().runners).toHaveLength(0);
    expect(sim.snapshot().scaleSets[0]!.maxCapacity).toBe(0);
    run.child.kill("SIGTERM");
    expect(await run.exited).toBe(0);
    const warnings = run
      .stdout()
      .split("\n")
      .filter((l) => l.includes('"level":"warn"'));
    expect(warnings).toHaveLength(2);
    expect(run.stdout()).not.toContain(SIM_TOKEN);
  }, 60_000);
});
