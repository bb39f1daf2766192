import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadConfig } from "../../src/config/index.js";
import type { ScalesetConfig } from "../../src/config/types.js";
import { renderReport } from "../../src/preflight/render.js";
import { runPreflight } from "../../src/preflight/run.js";
import type { CheckResult, PreflightReport } from "../../src/preflight/types.js";
import {
  DEFAULT_VPC,
  type Ec2Sim,
  type PolicyDocument,
  type PolicyStatement,
  startEc2Sim,
} from "../../src/sim/ec2/index.js";
import {
  type GceSim,
  startGceSim,
  writeExternalAccountCredentials,
} from "../../src/sim/gce/index.js";
import {
  type GitHubSim,
  type GitHubSimOptions,
  startGitHubSim,
} from "../../src/sim/github/index.js";
import { AWS_TEST_ENV, scalerPolicy } from "../ec2/helpers.js";
import { adcEnv } from "../gcp/helpers.js";

/**
 * The three fakes set up so that every validate check passes: a GitHub with a "linux" runner
 * group, a GCE project with a fresh image family, a runner service account and the default
 * network, an EC2 account with a fresh AMI, two subnets, a security group, an instance profile
 * and docs/aws/scaler-policy.json plus validate's read-only statement. Tests break one thing.
 */

export const TOKEN = "ghp_validate_secret_token_0123456789";
export const PROJECT = "scaleset-test";
export const ZONES = ["us-central1-a", "us-central1-b"];
export const RUNNER_SA = `scaleset-runner@${PROJECT}.iam.gserviceaccount.com`;
export const AMI = "ami-0123456789abcdef0";
export const EC2_DEPLOYMENT = "validate-test";
const DAY = 86_400_000;
export const daysAgo = (n: number) => new Date(Date.now() - n * DAY);

/** What validate itself reads on EC2, in the statement the fix text tells operators to add. */
export const VALIDATE_READS: PolicyStatement = {
  Sid: "ValidateReads",
  Effect: "Allow",
  Action: [
    "ec2:DescribeImages",
    "ec2:DescribeSubnets",
    "ec2:DescribeSecurityGroups",
    "ec2:DescribeInstanceTypeOfferings",
    "ec2:DescribeInstanceTypes",
  ],
  Resource: "*",
};

/** A policy's statements as a list (IAM allows a single statement object too). */
export const statements = (policy: PolicyDocument): PolicyStatement[] =>
  Array.isArray(policy.Statement) ? policy.Statement : [policy.Statement];

/** The documented scaler policy, which carries validate's reads (statement ValidateReads). */
export function ec2Policy(): PolicyDocument {
  const policy = scalerPolicy(EC2_DEPLOYMENT, "ec2-linux");
  const has = statements(policy).some((s) => s.Sid === VALIDATE_READS.Sid);
  return has ? policy : { ...policy, Statement: [...statements(policy), VALIDATE_READS] };
}

const idle = (_jit: string, signal: AbortSignal) =>
  new Promise<void>((resolve) => signal.addEventListener("abort", () => resolve(), { once: true }));

export interface Fakes {
  github: GitHubSim;
  gce: GceSim;
  ec2: Ec2Sim;
  dir: string;
  /** What the CLI (or this process) needs: the token, ADC on the GCE fake, AWS test keys. */
  env: Record<string, string>;
  stop(): Promise<void>;
}

export async function startFakes(github_: GitHubSimOptions = {}): Promise<Fakes> {
  const dir = mkdtempSync(join(tmpdir(), "scaleset-validate-"));
  const github = await startGitHubSim({ pat: TOKEN, runnerGroups: ["linux"], ...github_ });
  const gce = await startGceSim({ zones: ZONES, launchRunner: idle });
  gce.catalog.addImage({
    project: PROJECT,
    name: "scaleset-runner-20261201",
    family: "scaleset-runner",
    createdAt: daysAgo(3),
  });
  gce.catalog.serviceAccounts.add(RUNNER_SA);
  const ec2 = await startEc2Sim({
    subnets: { "subnet-a": "us-east-1a", "subnet-b": "us-east-1b" },
    iam: { [AWS_TEST_ENV.AWS_ACCESS_KEY_ID as string]: ec2Policy() },
    runVm: idle,
  });
  ec2.catalog.addImage(AMI, { name: "scaleset-runner-20261129", creationDate: daysAgo(5) });
  ec2.catalog.securityGroups = new Map([["sg-0abc", DEFAULT_VPC]]);
  ec2.catalog.instanceProfiles = new Set(["scaleset-runner"]);
  const credentials = writeExternalAccountCredentials(dir, gce.tokenUrl, "scaleset-validate");
  return {
    github,
    gce,
    ec2,
    dir,
    env: { GITHUB_TOKEN: TOKEN, ...adcEnv(credentials), ...AWS_TEST_ENV },
    async stop() {
      await Promise.all([github.stop(), gce.stop(), ec2.stop()]);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export interface ConfigOptions {
  /** Fields of the gcp and ec2 sections (YAML values), over the passing defaults. */
  gcp?: Record<string, string>;
  ec2?: Record<string, string>;
  /** Extra top-level YAML. */
  top?: string;
  /** The `server:` mapping (flow YAML). */
  server?: string;
  githubUrl?: string;
  /** The whole `github:` mapping (flow YAML), replacing the PAT one. */
  github?: string;
  maxRunners?: number;
  /** Extra YAML lines of the sim scale set (indented 4). */
  sim?: string;
  /** Only these scale sets (default all three). */
  only?: Array<"gcp" | "ec2" | "sim">;
}

const flow = (fields: Record<string, string>) =>
  `{ ${Object.entries(fields)
    .map(([k, v]) => `${k}: ${v}`)
    .join(", ")} }`;

/** A config with a gcp, an ec2 and a sim scale set on the fakes. */
export function configYaml(f: Fakes, o: ConfigOptions = {}): string {
  const max = o.maxRunners ?? 4;
  const gcp = {
    project: PROJECT,
    zones: `[${ZONES.join(", ")}]`,
    machine_type: "e2-standard-2",
    image: `projects/${PROJECT}/global/images/family/scaleset-runner`,
    service_account: RUNNER_SA,
    api_endpoint: `"${f.gce.url}"`,
    ...o.gcp,
  };
  const ec2 = {
    region: "us-east-1",
    endpoint: `"${f.ec2.url}"`,
    image_id: AMI,
    instance_types: "[m7i.large]",
    subnet_ids: "[subnet-a, subnet-b]",
    security_group_ids: "[sg-0abc]",
    instance_profile: "scaleset-runner",
    ...o.ec2,
  };
  const sets = {
    gcp: `  - name: gcp-linux
    runner_group: linux
    max_runners: ${max}
    engine: { type: gcp, gcp: ${flow(gcp)} }
`,
    ec2: `  - name: ec2-linux
    max_runners: ${max}
    deployment: ${EC2_DEPLOYMENT}
    engine: { type: ec2, ec2: ${flow(ec2)} }
`,
    sim: `  - name: sim-linux
    max_runners: ${max}
${o.sim ?? ""}    engine: { type: sim }
`,
  };
  const only = o.only ?? ["gcp", "ec2", "sim"];
  const github =
    o.github ?? `{ url: "${o.githubUrl ?? f.github.configUrl()}", token: env:GITHUB_TOKEN }`;
  return `github: ${github}
scalesets:
${only.map((k) => sets[k]).join("")}server: ${o.server ?? "{ port: 0, host: 127.0.0.1 }"}
logging: { level: warn, format: json }
${o.top ?? ""}`;
}

export function writeConfig(f: Fakes, name: string, o: ConfigOptions = {}): string {
  const path = join(f.dir, name);
  writeFileSync(path, configYaml(f, o));
  return path;
}

/** Runs the preflight in this process (real SDK clients over HTTP to the fakes). */
export async function preflight(
  f: Fakes,
  o: ConfigOptions = {},
  options: {
    callTimeoutMs?: number;
    budgetMs?: number;
    env?: Record<string, string | undefined>;
  } = {},
): Promise<PreflightReport> {
  for (const [key, value] of Object.entries({ ...f.env, ...options.env })) {
    if (value === undefined) delete process.env[key];
    else process.env[key] = value;
  }
  const config: ScalesetConfig = await loadConfig({ path: writeConfig(f, "config.yaml", o) });
  // Far above loopback latency, so a loaded machine never trips a deadline by accident; the
  // deadline tests pass their own.
  const callTimeoutMs = options.callTimeoutMs ?? 60_000;
  return await runPreflight(config, {
    callTimeoutMs,
    budgetMs: options.budgetMs ?? callTimeoutMs * 4,
    env: process.env,
  });
}

/** The check named `name` in the section whose title contains `section`. */
export function check(report: PreflightReport, section: string, name: string): CheckResult {
  const found = report.sections
    .find((s) => s.title.includes(section))
    ?.checks.find((c) => c.name === name);
  if (!found) throw new Error(`no check "${name}" in "${section}":\n${renderReport(report)}`);
  return found;
}

/** The printed line of a check and its fix line, as validate prints them. */
export function printed(report: PreflightReport, name: string, detail: string): string {
  const lines = renderReport(report).split("\n");
  // "  ✗ NAME<padding>  DETAIL": the name column starts after the symbol.
  const at = lines.findIndex((l) => l.slice(4).startsWith(`${name} `) && l.includes(detail));
  if (at < 0) throw new Error(`no line "${name} … ${detail}" in:\n${lines.join("\n")}`);
  const next = lines[at + 1] ?? "";
  return next.includes(" → ") ? `${lines[at]}\n${next}` : (lines[at] as string);
}
