import type { RunInstancesCommandInput } from "@aws-sdk/client-ec2";
import type { Ec2EngineConfig, ScaleSetConfig } from "../../config/types.js";
import { classifyEc2Error } from "../../engines/ec2/errors.js";
import { type LaunchOption, launchOptions } from "../../engines/ec2/launch-plan.js";
import { type CheckResult, fail, ok, type PreflightContext, skip } from "../types.js";
import { type Ec2PreflightApi, ec2Failure } from "./api.js";

/**
 * RunInstances with DryRun=true for every launch option the engine would try (market × type ×
 * subnet), with the very request the engine builds: tags, instance profile, metadata options.
 * DryRunOperation means allowed; UnauthorizedOperation is narrowed down by dry runs without the
 * instance profile, without the tags, without the spot request — whichever then passes names
 * what is missing. EC2's encoded message (for `aws sts decode-authorization-message`) is kept
 * as evidence in the JSON output.
 */

type Settings = Ec2EngineConfig["ec2"];
type DryRun = { code: string; message: string } | "ok";

const where = (o: LaunchOption) =>
  `${o.instanceType ?? "template type"} in ${o.subnetId ?? "the default subnet"} (${o.market})`;

async function dryRun(
  api: Ec2PreflightApi,
  input: RunInstancesCommandInput,
  ctx: PreflightContext,
): Promise<DryRun> {
  try {
    await api.runInstancesDryRun(input, ctx);
    // A dry run never succeeds: EC2 answers 412 DryRunOperation when it would have.
    return { code: "NoDryRunAnswer", message: "EC2 answered a dry run as if it had launched" };
  } catch (error) {
    const failure = ec2Failure(error);
    return failure.code === "DryRunOperation" ? "ok" : failure;
  }
}

/** What a refused dry run lacks, found by leaving parts of the request out. */
async function narrowDown(
  api: Ec2PreflightApi,
  option: LaunchOption,
  settings: Settings,
  ctx: PreflightContext,
): Promise<{ missing: string; fix: string } | undefined> {
  const input = option.input;
  const variants: Array<[RunInstancesCommandInput, string, string]> = [];
  if (input.IamInstanceProfile) {
    const profile = settings.instanceProfile ?? "";
    variants.push([
      { ...input, IamInstanceProfile: undefined },
      `iam:PassRole for the role of instance profile ${profile}`,
      `allow iam:PassRole on that role with iam:PassedToService=ec2.amazonaws.com (docs/aws/scaler-policy.json, statement PassRunnerRole)`,
    ]);
  }
  variants.push([
    { ...input, TagSpecifications: undefined },
    "ec2:CreateTags on the launch (instance and volume tags)",
    "allow ec2:CreateTags with ec2:CreateAction=RunInstances, and every tag key scaleset writes in aws:TagKeys (docs/aws/scaler-policy.json)",
  ]);
  if (input.InstanceMarketOptions) {
    variants.push([
      { ...input, InstanceMarketOptions: undefined },
      "ec2:RunInstances on spot-instances-request/*",
      "allow ec2:RunInstances on arn:aws:ec2:REGION:ACCOUNT:spot-instances-request/* (docs/aws/scaler-policy.json)",
    ]);
  }
  const answers = await Promise.all(variants.map(([variant]) => dryRun(api, variant, ctx)));
  const index = answers.indexOf("ok");
  const found = variants[index];
  return found ? { missing: found[1], fix: found[2] } : undefined;
}

export async function launchChecks(
  api: Ec2PreflightApi,
  settings: Settings,
  scaleSet: ScaleSetConfig,
  ctx: PreflightContext,
): Promise<CheckResult[]> {
  const request = {
    runnerName: `${scaleSet.name}-validate`,
    jitConfig: "validate-dry-run",
    scaleSetId: 0,
    scaleSetName: scaleSet.name,
    labels: scaleSet.labels,
  };
  const identity = { owner: "scaleset-validate", deployment: scaleSet.deployment };
  const options = launchOptions(settings, request, identity, ctx.now());
  const answers = await Promise.all(options.map((o) => dryRun(api, o.input, ctx)));
  const results: CheckResult[] = [];
  const passed = options.filter((_, i) => answers[i] === "ok");
  if (passed.length === options.length) {
    results.push(
      ok("launch (dry run)", `RunInstances allowed for ${passed.map(where).join(", ")}`),
    );
  }
  let passRoleMissing = false;
  let profileMissing = false;
  const seen = new Set<string>();
  for (const [i, option] of options.entries()) {
    const answer = answers[i];
    if (answer === undefined || answer === "ok" || seen.has(answer.code)) continue;
    seen.add(answer.code);
    const others = options.filter((_, j) => (answers[j] as DryRun) !== "ok" && j !== i).length;
    const also = others > 0 ? ` (and ${others} more option${others === 1 ? "" : "s"})` : "";
    const site = { operation: "RunInstances", region: settings.region };
    if (answer.code === "UnauthorizedOperation") {
      const narrowed = await narrowDown(api, option, settings, ctx);
      passRoleMissing ||= narrowed?.missing.startsWith("iam:PassRole") === true;
      // Without a narrower answer: the request without the profile, tags or spot request was
      // refused too (several permissions missing, or a tag condition on the launch itself).
      const detail = `${where(option)}${also}: UnauthorizedOperation: ${narrowed ? `missing ${narrowed.missing}` : "ec2:RunInstances, ec2:CreateTags or iam:PassRole is not allowed for this request (EC2's encoded message says which: see --json)"}`;
      const check = fail(
        "launch (dry run)",
        detail,
        narrowed?.fix ?? classifyEc2Error({ name: answer.code }, site).fix,
      );
      results.push({ ...check, evidence: answer.message });
      continue;
    }
    if (/iamInstanceProfile/i.test(answer.message)) profileMissing = true;
    const fix = classifyEc2Error({ name: answer.code, $fault: "client" }, site).fix;
    results.push(
      fail("launch (dry run)", `${where(option)}${also}: ${answer.code}: ${answer.message}`, fix),
    );
  }
  if (settings.instanceProfile)
    results.push(
      profileCheck(settings.instanceProfile, passed.length > 0, passRoleMissing, profileMissing),
    );
  return results;
}

function profileCheck(
  profile: string,
  launched: boolean,
  passRoleMissing: boolean,
  missing: boolean,
): CheckResult {
  const name = "instance profile";
  if (missing) {
    return fail(
      name,
      `${profile} does not exist (EC2 refused it in the dry run)`,
      `create it (aws iam create-instance-profile --instance-profile-name ${profile}; aws iam add-role-to-instance-profile …) or fix engine.ec2.instance_profile`,
    );
  }
  if (passRoleMissing) {
    return fail(
      name,
      `scaleset may not pass ${profile}'s role (iam:PassRole)`,
      `allow iam:PassRole on the role of ${profile} with iam:PassedToService=ec2.amazonaws.com`,
    );
  }
  if (launched) return ok(name, `${profile} exists and its role can be passed (dry run)`);
  return skip(name, "not determined: the dry run failed for another reason");
}
