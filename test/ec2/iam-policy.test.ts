/**
 * docs/aws/scaler-policy.json, evaluated by the EC2 fake against what the real SDK sends: a
 * deployment's identity runs its whole lifecycle, and cannot launch into, tag for, or terminate
 * another deployment's scope.
 */
import {
  type EC2Client,
  EC2ServiceException,
  RunInstancesCommand,
  TerminateInstancesCommand,
} from "@aws-sdk/client-ec2";
import { afterEach, describe, expect, it } from "vitest";
import type { PolicyDocument } from "../../src/sim/ec2/index.js";
import { useEc2Fake } from "./fixture.js";
import {
  AWS_TEST_ENV,
  launchTagged,
  machineRequest,
  rawEc2,
  rejection,
  scalerPolicy,
  unscopedTags,
} from "./helpers.js";

const PROD_KEY = AWS_TEST_ENV.AWS_ACCESS_KEY_ID ?? "";
const STAGING_KEY = "AKIDSTAGINGDEPLOY";
const ADMIN_KEY = "AKIDACCOUNTADMIN";

const ADMIN: PolicyDocument = {
  Version: "2012-10-17",
  Statement: [{ Effect: "Allow", Action: "*", Resource: "*" }],
};

const fake = useEc2Fake({ bootDelayMs: 20, shutdownDelayMs: 20 });
const clients: EC2Client[] = [];
afterEach(() => {
  for (const client of clients.splice(0)) client.destroy();
});

async function start() {
  const sim = await fake.start({
    subnets: { "subnet-a": "us-east-1a" },
    iam: {
      [PROD_KEY]: scalerPolicy("prod"),
      [STAGING_KEY]: scalerPolicy("staging"),
      [ADMIN_KEY]: ADMIN,
    },
  });
  const client = (key: string) => {
    const c = rawEc2(sim, key);
    clients.push(c);
    return c;
  };
  return { sim, client };
}

/** What the real SDK throws for a call, as `[name, HTTP status]`. */
async function sdkFailure(promise: Promise<unknown>): Promise<[string, number | undefined]> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(EC2ServiceException);
  const e = error as EC2ServiceException;
  return [e.name, e.$metadata.httpStatusCode];
}

const scoped = (deployment: string, runner: string) => ({
  ...unscopedTags(runner),
  "scaleset-deployment": deployment,
});

describe("the documented scaler policy, enforced by the EC2 fake", () => {
  it("lets a deployment launch, list and terminate its own runners, spot and on demand", async () => {
    const { sim } = await start();
    const engine = await fake.engine(
      {
        subnet_ids: ["subnet-a"],
        security_group_ids: ["sg-0abc"],
        spot: true,
        max_run_duration: "1h",
      },
      { deployment: "prod" },
    );
    const machine = await engine.create(machineRequest("ec2-linux-iam-1"));
    expect((await engine.list()).map((m) => m.id)).toEqual([machine.id]);
    await engine.delete(machine.id);
    expect(sim.requests().every((r) => r.status === 200)).toBe(true);
    expect(sim.requests().every((r) => r.accessKeyId === PROD_KEY)).toBe(true);
  });

  it("denies terminating another deployment's instance and launching with another scope", async () => {
    const { sim, client } = await start();
    const staging = await launchTagged(client(STAGING_KEY), scoped("staging", "ec2-linux-stg"));
    const prod = client(PROD_KEY);
    const terminate = prod.send(new TerminateInstancesCommand({ InstanceIds: [staging] }));
    expect(await sdkFailure(terminate)).toEqual(["UnauthorizedOperation", 403]);
    const denied = sim.requests("TerminateInstances")[0];
    expect(denied?.errorCode).toBe("UnauthorizedOperation");
    expect(await sdkFailure(launchTagged(prod, scoped("staging", "ec2-linux-x")))).toEqual([
      "UnauthorizedOperation",
      403,
    ]);
    // Without tags the launch is denied too: the scope tag is required at create.
    const untagged = prod.send(
      new RunInstancesCommand({ ImageId: "ami-0123456789abcdef0", MinCount: 1, MaxCount: 1 }),
    );
    expect(await sdkFailure(untagged)).toEqual(["UnauthorizedOperation", 403]);
    expect(sim.instances().map((i) => i.tags["scaleset-deployment"])).toEqual(["staging"]);
    expect(sim.instances()[0]?.state).not.toBe("shutting-down");
  });

  it("lets a deployment terminate its scale set's instances from before scopes, and no one else's", async () => {
    const { sim, client } = await start();
    const admin = client(ADMIN_KEY);
    const legacy = await launchTagged(admin, unscopedTags("ec2-linux-old"));
    const otherSet = await launchTagged(admin, unscopedTags("other-old", "other-set"));
    const engine = await fake.engine({}, { deployment: "prod" });
    await engine.delete(legacy);
    const prod = client(PROD_KEY);
    const terminate = prod.send(new TerminateInstancesCommand({ InstanceIds: [otherSet] }));
    expect(await sdkFailure(terminate)).toEqual(["UnauthorizedOperation", 403]);
    const state = (id: string) => sim.instances().find((i) => i.id === id)?.state;
    expect(state(legacy)).toMatch(/shutting-down|terminated/);
    expect(state(otherSet)).not.toMatch(/shutting-down|terminated/);
  });

  it("a tag key the policy does not list fails the launch with the permission and how to decode it", async () => {
    const { sim } = await start();
    const engine = await fake.engine({ tags: { team: "ci" } }, { deployment: "prod" });
    const error = await rejection(engine.create(machineRequest("ec2-linux-iam-2")));
    expect(error).toMatchObject({ code: "UnauthorizedOperation", retryable: false });
    expect(error.fix).toContain("aws:TagKeys");
    expect(error.fix).toContain("aws sts decode-authorization-message");
    // The whole encoded message survives, so the operator can decode it.
    const encoded = /Encoded authorization failure message: ([A-Za-z0-9_-]+)/.exec(error.message);
    const decoded = JSON.parse(Buffer.from(encoded?.[1] ?? "", "base64url").toString("utf8"));
    expect(decoded.context).toMatchObject({ action: "ec2:RunInstances" });
    expect(sim.liveInstances()).toHaveLength(0);
  });

  it("an access key the account does not know is AuthFailure (401)", async () => {
    const { client } = await start();
    const stranger = client("AKIDUNKNOWN");
    expect(await sdkFailure(launchTagged(stranger, scoped("prod", "x")))).toEqual([
      "AuthFailure",
      401,
    ]);
  });

  it("refuses to load a policy with a condition operator it cannot evaluate", async () => {
    const policy: PolicyDocument = {
      Version: "2012-10-17",
      Statement: [
        {
          Effect: "Allow",
          Action: "ec2:*",
          Resource: "*",
          Condition: { DateGreaterThan: { "aws:CurrentTime": "2020-01-01T00:00:00Z" } },
        },
      ],
    };
    await expect(fake.start({ iam: { AKIDANY: policy } })).rejects.toThrow(/not supported/);
  });
});
