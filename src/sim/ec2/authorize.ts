import { Ec2SimError } from "./errors.js";
import type { Fleet } from "./fleet.js";
import { type AuthQuestion, isAllowed, type PolicyDocument } from "./iam-policy.js";
import { indexedStructs, indexedValues, type QueryParams, struct } from "./query.js";

/** Who is calling, and which identity policy applies to them. */
export interface Caller {
  accessKeyId: string;
  policy: PolicyDocument;
}

export interface AuthorizeContext {
  region: string;
  ownerId: string;
  fleet: Fleet;
}

/**
 * The IAM questions EC2 asks for one request, in the shape of the service authorization
 * reference: RunInstances is authorized on every resource it uses or creates (instance, volume,
 * image, snapshot, subnet, network interface, security groups, launch template, spot request),
 * plus ec2:CreateTags (with ec2:CreateAction) for every resource type it tags and iam:PassRole for
 * an instance profile (the fake assumes the profile and its role share a name).
 * TerminateInstances is authorized per instance with its tags as ec2:ResourceTag/aws:ResourceTag;
 * DescribeInstances supports no resource-level permissions (resource `*`).
 */
export function authQuestions(
  action: string,
  params: QueryParams,
  ctx: AuthorizeContext,
): AuthQuestion[] {
  const arn = (type: string, id: string, account = ctx.ownerId) =>
    `arn:aws:ec2:${ctx.region}:${account}:${type}/${id}`;
  const ask = (a: string, resource: string, context: AuthQuestion["context"] = {}) => ({
    action: `ec2:${a}`,
    resource,
    context,
  });
  switch (action) {
    case "DescribeInstances":
      return [ask("DescribeInstances", "*")];
    case "DescribeSpotPriceHistory":
      return [ask("DescribeSpotPriceHistory", "*")];
    case "TerminateInstances":
      return indexedValues(params, "InstanceId").flatMap((id) => {
        const instance = ctx.fleet.byId.get(id);
        if (!instance) return []; // the action itself answers NotFound
        const context: Record<string, string> = {};
        for (const [k, v] of Object.entries(instance.tags)) {
          context[`ec2:ResourceTag/${k}`] = v;
          context[`aws:ResourceTag/${k}`] = v;
        }
        return [ask("TerminateInstances", arn("instance", id), context)];
      });
    case "RunInstances":
      return runInstancesQuestions(params, ctx, arn, ask);
    default:
      // Describe actions support no resource-level permissions.
      return action.startsWith("Describe") ? [ask(action, "*")] : [];
  }
}

function runInstancesQuestions(
  params: QueryParams,
  ctx: AuthorizeContext,
  arn: (type: string, id: string, account?: string) => string,
  ask: (a: string, resource: string, context?: AuthQuestion["context"]) => AuthQuestion,
): AuthQuestion[] {
  const market =
    struct(params, "InstanceMarketOptions")?.MarketType === "spot" ? "spot" : "on-demand";
  const tagged = new Map<string, Record<string, string>>();
  for (const spec of indexedStructs(params, "TagSpecification")) {
    const tags = tagged.get(spec.ResourceType ?? "") ?? {};
    for (const tag of indexedStructs(spec, "Tag")) tags[tag.Key ?? ""] = tag.Value ?? "";
    tagged.set(spec.ResourceType ?? "", tags);
  }
  const requestContext = (type: string) => {
    const tags = tagged.get(type);
    if (!tags) return {};
    const context: Record<string, string | string[]> = { "aws:TagKeys": Object.keys(tags) };
    for (const [k, v] of Object.entries(tags)) context[`aws:RequestTag/${k}`] = v;
    return context;
  };
  const template = struct(params, "LaunchTemplate");
  const groups = indexedValues(params, "SecurityGroupId");
  const questions: AuthQuestion[] = [
    ask("RunInstances", arn("instance", "*"), {
      ...requestContext("instance"),
      "ec2:InstanceType": params.InstanceType ?? "m5.large",
      "ec2:InstanceMarketType": market,
    }),
    ask("RunInstances", arn("volume", "*"), requestContext("volume")),
    ask("RunInstances", arn("image", params.ImageId ?? "ami-fromtemplate0000", "")),
    ask("RunInstances", arn("snapshot", "snap-0sim00000000000a", "")),
    ask("RunInstances", arn("subnet", params.SubnetId ?? "subnet-default")),
    ask("RunInstances", arn("network-interface", "*")),
    ...(groups.length > 0 ? groups : ["sg-default"]).map((g) =>
      ask("RunInstances", arn("security-group", g)),
    ),
  ];
  if (template) {
    const id =
      template.LaunchTemplateId ??
      `lt-${Buffer.from(template.LaunchTemplateName ?? "")
        .toString("hex")
        .slice(0, 17)}`;
    questions.push(ask("RunInstances", arn("launch-template", id)));
  }
  if (market === "spot") questions.push(ask("RunInstances", arn("spot-instances-request", "*")));
  for (const type of tagged.keys()) {
    questions.push(
      ask("CreateTags", arn(type, "*"), {
        ...requestContext(type),
        "ec2:CreateAction": "RunInstances",
      }),
    );
  }
  const profile = struct(params, "IamInstanceProfile");
  if (profile) {
    const role = profile.Name ?? profile.Arn?.split("/").at(-1) ?? "";
    questions.push({
      action: "iam:PassRole",
      resource: `arn:aws:iam::${ctx.ownerId}:role/${role}`,
      context: { "iam:PassedToService": "ec2.amazonaws.com" },
    });
  }
  return questions;
}

/** Throws EC2's 403 UnauthorizedOperation unless the caller's policy allows every question. */
export function authorize(
  caller: Caller,
  action: string,
  params: QueryParams,
  ctx: AuthorizeContext,
): void {
  for (const q of authQuestions(action, params, ctx)) {
    if (isAllowed(caller.policy, q)) continue;
    // Opaque to the caller, as EC2's is; `aws sts decode-authorization-message` would show this.
    const decoded = JSON.stringify({
      allowed: false,
      explicitDeny: false,
      context: {
        principal: { arn: `arn:aws:iam::${ctx.ownerId}:user/${caller.accessKeyId}` },
        action: q.action,
        resource: q.resource,
        conditions: { items: Object.entries(q.context).map(([key, values]) => ({ key, values })) },
      },
    });
    throw new Ec2SimError(
      "UnauthorizedOperation",
      `You are not authorized to perform this operation. Encoded authorization failure message: ${Buffer.from(decoded).toString("base64url")}`,
    );
  }
}
