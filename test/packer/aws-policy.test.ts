/** docs/aws/scaler-policy.json: valid JSON and the least-privilege conditions the docs promise. */
import { describe, expect, it } from "vitest";
import { MACHINE_LABELS } from "../../src/engines/engine.js";
import { readRepoFile } from "./shell.js";

interface Statement {
  Sid: string;
  Effect: string;
  Action: string | string[];
  Resource: string | string[];
  Condition?: Record<string, Record<string, string | string[]>>;
}

const policy = JSON.parse(readRepoFile("docs/aws/scaler-policy.json")) as {
  Version: string;
  Statement: Statement[];
};
const actions = (s: Statement) => (Array.isArray(s.Action) ? s.Action : [s.Action]);
const resources = (s: Statement) => (Array.isArray(s.Resource) ? s.Resource : [s.Resource]);
const statementsFor = (action: string) =>
  policy.Statement.filter((s) => actions(s).includes(action));

describe("docs/aws/scaler-policy.json", () => {
  it("is an IAM policy document that only allows", () => {
    expect(policy.Version).toBe("2012-10-17");
    expect(policy.Statement.length).toBeGreaterThan(0);
    for (const s of policy.Statement) {
      expect(s.Effect).toBe("Allow");
      expect(actions(s).every((a) => !a.includes("*"))).toBe(true);
    }
  });

  it("launches instances and volumes only with scaleset's tags", () => {
    const tagged = statementsFor("ec2:RunInstances").filter((s) =>
      resources(s).some((r) => r.includes(":instance/")),
    );
    expect(tagged).toHaveLength(1);
    const s = tagged[0]!;
    expect(resources(s).sort()).toEqual([
      "arn:aws:ec2:*:ACCOUNT_ID:instance/*",
      "arn:aws:ec2:*:ACCOUNT_ID:volume/*",
    ]);
    expect(s.Condition?.StringEquals?.[`aws:RequestTag/${MACHINE_LABELS.managedBy}`]).toBe(
      "scaleset",
    );
    // Only with this deployment's scope (the DEPLOYMENT placeholder) on the new instance.
    expect(s.Condition?.StringEquals?.[`aws:RequestTag/${MACHINE_LABELS.deployment}`]).toBe(
      "DEPLOYMENT",
    );
    const keys = s.Condition?.["ForAllValues:StringEquals"]?.["aws:TagKeys"];
    expect(keys).toEqual(expect.arrayContaining([...Object.values(MACHINE_LABELS), "Name"]));
    // The untagged statement must not cover what the tagged one protects.
    for (const other of statementsFor("ec2:RunInstances").filter((x) => x !== s)) {
      expect(resources(other).some((r) => /:(instance|volume)\//.test(r))).toBe(false);
    }
  });

  it("tags only as part of RunInstances, and only with this deployment's scope", () => {
    const [s, ...rest] = statementsFor("ec2:CreateTags");
    expect(rest).toEqual([]);
    expect(s?.Condition?.StringEquals?.["ec2:CreateAction"]).toBe("RunInstances");
    expect(s?.Condition?.StringEquals?.[`aws:RequestTag/${MACHINE_LABELS.deployment}`]).toBe(
      "DEPLOYMENT",
    );
  });

  it("terminates only this deployment's instances, or its scale set's from before scopes", () => {
    const terminate = statementsFor("ec2:TerminateInstances");
    expect(terminate).toHaveLength(2);
    for (const s of terminate) {
      expect(resources(s)).toEqual(["arn:aws:ec2:*:ACCOUNT_ID:instance/*"]);
      const equals = s.Condition?.StringEquals ?? {};
      expect(equals[`ec2:ResourceTag/${MACHINE_LABELS.managedBy}`]).toBe("scaleset");
      const scoped = equals[`ec2:ResourceTag/${MACHINE_LABELS.deployment}`] === "DEPLOYMENT";
      const unscopedOfThisSet =
        equals[`ec2:ResourceTag/${MACHINE_LABELS.scaleSet}`] === "SCALE_SET" &&
        s.Condition?.Null?.[`ec2:ResourceTag/${MACHINE_LABELS.deployment}`] === "true";
      expect(scoped || unscopedOfThisSet, s.Sid).toBe(true);
    }
  });

  it("passes one role, to EC2 only, and allows * only for read-only Describe calls", () => {
    const [pass] = statementsFor("iam:PassRole");
    expect(resources(pass!)).toEqual(["arn:aws:iam::ACCOUNT_ID:role/scaleset-runner"]);
    expect(pass?.Condition?.StringEquals?.["iam:PassedToService"]).toBe("ec2.amazonaws.com");
    const wildcard = policy.Statement.filter((s) => resources(s).includes("*"));
    // Listing, spot prices (issue 16) and what `scaleset validate` reads; nothing that changes.
    expect(wildcard.flatMap(actions)).toEqual([
      "ec2:DescribeInstances",
      "ec2:DescribeSpotPriceHistory",
      "ec2:DescribeImages",
      "ec2:DescribeSubnets",
      "ec2:DescribeSecurityGroups",
      "ec2:DescribeInstanceTypeOfferings",
      "ec2:DescribeInstanceTypes",
    ]);
  });
});
