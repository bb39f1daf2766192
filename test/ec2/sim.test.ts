import { DescribeInstancesCommand, EC2ServiceException } from "@aws-sdk/client-ec2";
import { afterEach, describe, expect, it } from "vitest";
import { EC2_ERRORS, type Ec2Sim, startEc2Sim } from "../../src/sim/ec2/index.js";
import { rawEc2 } from "./helpers.js";

let sim: Ec2Sim | null = null;
afterEach(async () => {
  await sim?.stop();
  sim = null;
});

const SIGNED =
  "AWS4-HMAC-SHA256 Credential=AKIDTEST/20261126/us-east-1/ec2/aws4_request, SignedHeaders=host;x-amz-date, Signature=" +
  "0".repeat(64);

/** A raw Query API call, as the SDK would send it (the signature value is not checked). */
async function call(
  s: Ec2Sim,
  params: Record<string, string>,
  authorization: string | null = SIGNED,
) {
  const headers: Record<string, string> = { "content-type": "application/x-www-form-urlencoded" };
  if (authorization) headers.authorization = authorization;
  const response = await fetch(`${s.url}/`, {
    method: "POST",
    headers,
    body: new URLSearchParams({ Version: "2016-11-15", ...params }).toString(),
  });
  return {
    status: response.status,
    type: response.headers.get("content-type"),
    xml: await response.text(),
  };
}

const code = (xml: string) => /<Code>([^<]+)<\/Code>/.exec(xml)?.[1];
const run = (extra: Record<string, string> = {}) => ({
  Action: "RunInstances",
  ImageId: "ami-1",
  InstanceType: "m7i.large",
  MinCount: "1",
  MaxCount: "1",
  ...extra,
});

describe("EC2 fake: the Query protocol", () => {
  it("answers in EC2's XML, with error documents and EC2's HTTP statuses", async () => {
    sim = await startEc2Sim({ bootDelayMs: 60_000 });
    const ok = await call(
      sim,
      run({
        "TagSpecification.1.ResourceType": "instance",
        "TagSpecification.1.Tag.1.Key": "a",
        "TagSpecification.1.Tag.1.Value": "b<&>",
      }),
    );
    expect(ok.status).toBe(200);
    expect(ok.type).toContain("text/xml");
    expect(ok.xml).toContain(
      '<RunInstancesResponse xmlns="http://ec2.amazonaws.com/doc/2016-11-15/">',
    );
    expect(ok.xml).toMatch(/<instanceState><code>0<\/code><name>pending<\/name><\/instanceState>/);
    expect(ok.xml).toContain(
      "<tagSet><item><key>a</key><value>b&lt;&amp;&gt;</value></item></tagSet>",
    );

    const unsigned = await call(sim, run(), null);
    expect([unsigned.status, code(unsigned.xml)]).toEqual([401, "AuthFailure"]);
    expect(unsigned.xml).toMatch(/^<\?xml[^>]*>\n<Response><Errors><Error><Code>/);
    const unknown = await call(sim, { Action: "RebootInstances" });
    expect([unknown.status, code(unknown.xml)]).toEqual([400, "InvalidAction"]);
    const missing = await call(sim, { Action: "RunInstances", MinCount: "1", MaxCount: "1" });
    expect(code(missing.xml)).toBe("MissingParameter");
    const badUserData = await call(sim, run({ UserData: "not base64!" }));
    expect(code(badUserData.xml)).toBe("InvalidParameterValue");
    const spotStop = await call(sim, run({ "InstanceMarketOptions.MarketType": "spot" }));
    expect(code(spotStop.xml)).toBe("InvalidParameterCombination");
    const badFilter = await call(sim, {
      Action: "DescribeInstances",
      "Filter.1.Name": "colour",
      "Filter.1.Value.1": "x",
    });
    expect([badFilter.status, code(badFilter.xml)]).toEqual([400, "InvalidParameterValue"]);
    const notFound = await call(sim, {
      Action: "TerminateInstances",
      "InstanceId.1": "i-0123456789abcdef0",
    });
    expect([notFound.status, code(notFound.xml)]).toEqual([400, "InvalidInstanceID.NotFound"]);
    const malformed = await call(sim, { Action: "TerminateInstances", "InstanceId.1": "web-1" });
    expect(code(malformed.xml)).toBe("InvalidInstanceID.Malformed");

    sim.faults.failLaunches({ instanceType: "m7i.large", times: 1 });
    const stockout = await call(sim, run());
    expect([stockout.status, code(stockout.xml)]).toEqual([500, "InsufficientInstanceCapacity"]);
    sim.faults.throttle(1);
    const throttled = await call(sim, { Action: "DescribeInstances" });
    expect([throttled.status, code(throttled.xml)]).toEqual([503, "RequestLimitExceeded"]);
    expect(sim.instances()).toHaveLength(1);
  });

  it("launches idempotently per ClientToken and filters with wildcards", async () => {
    sim = await startEc2Sim({ bootDelayMs: 60_000 });
    const first = await call(sim, run({ ClientToken: "tok-1" }));
    const again = await call(sim, run({ ClientToken: "tok-1" }));
    const id = /<instanceId>([^<]+)</.exec(first.xml)?.[1];
    expect(id).toMatch(/^i-[0-9a-f]{17}$/);
    expect(/<instanceId>([^<]+)</.exec(again.xml)?.[1]).toBe(id);
    await call(sim, run({ InstanceType: "c7i.large" }));
    expect(sim.instances()).toHaveLength(2);
    const m7 = await call(sim, {
      Action: "DescribeInstances",
      "Filter.1.Name": "instance-type",
      "Filter.1.Value.1": "m7?.*",
    });
    expect(m7.xml.match(/<instanceId>/g)).toHaveLength(1);
    const both = await call(sim, {
      Action: "DescribeInstances",
      "Filter.1.Name": "instance-type",
      "Filter.1.Value.1": "m7i.large",
      "Filter.1.Value.2": "c7i.large",
      "Filter.2.Name": "instance-state-name",
      "Filter.2.Value.1": "pending",
    });
    expect(both.xml.match(/<instanceId>/g)).toHaveLength(2);
  });

  it("keeps terminated instances visible for a while, then forgets them", async () => {
    sim = await startEc2Sim({ bootDelayMs: 10, shutdownDelayMs: 20, terminatedRetentionMs: 150 });
    const launched = await call(sim, run());
    const id = /<instanceId>([^<]+)</.exec(launched.xml)?.[1] ?? "";
    await sim.waitFor((s) => s.instances()[0]?.state === "running");
    const terminated = await call(sim, { Action: "TerminateInstances", "InstanceId.1": id });
    expect(terminated.xml).toContain(
      "<currentState><code>32</code><name>shutting-down</name></currentState>",
    );
    expect(terminated.xml).toContain(
      "<previousState><code>16</code><name>running</name></previousState>",
    );
    await sim.waitFor((s) => s.instances()[0]?.state === "terminated");
    expect(sim.liveInstances()).toHaveLength(0);
    const visible = await call(sim, { Action: "DescribeInstances", "InstanceId.1": id });
    expect(visible.xml).toContain("<name>terminated</name>");
    const twice = await call(sim, { Action: "TerminateInstances", "InstanceId.1": id });
    expect(twice.status).toBe(200);
    await sim.waitFor((s) => s.instances().length === 0, 2000);
    const gone = await call(sim, { Action: "DescribeInstances", "InstanceId.1": id });
    expect(code(gone.xml)).toBe("InvalidInstanceID.NotFound");
  });

  it("boots the runner from #scaleset-jit-config user data and powers off when it exits", async () => {
    const seen: string[] = [];
    sim = await startEc2Sim({
      bootDelayMs: 10,
      shutdownDelayMs: 10,
      runVm: async (jit) => {
        seen.push(jit);
      },
    });
    const userData = Buffer.from("#scaleset-jit-config\nJITVALUE\n").toString("base64");
    await call(sim, run({ UserData: userData, InstanceInitiatedShutdownBehavior: "terminate" }));
    await call(sim, run({ UserData: Buffer.from("#!/bin/bash\necho hi\n").toString("base64") }));
    await sim.waitFor((s) => s.instances().some((i) => i.state === "terminated"));
    expect(seen).toEqual(["JITVALUE"]);
    const [runner, plain] = sim.instances();
    expect(runner).toMatchObject({ vm: "exited", state: "terminated" });
    expect(plain).toMatchObject({ vm: "idle", state: "running" }); // not a runner image
  });

  it("answers every catalogued error in EC2's document shape and status, as the SDK reads it", async () => {
    sim = await startEc2Sim({ bootDelayMs: 60_000 });
    const client = rawEc2(sim);
    try {
      for (const [code, entry] of Object.entries(EC2_ERRORS)) {
        sim.faults.failNext(code, 1, { action: "DescribeInstances" });
        const raw = await call(sim, { Action: "DescribeInstances" });
        expect([raw.status, code], code).toEqual([entry.status, code]);
        expect(raw.xml).toMatch(
          new RegExp(
            `^<\\?xml version="1.0" encoding="UTF-8"\\?>\\n<Response><Errors><Error><Code>${code.replace(/\./g, "\\.")}</Code><Message>[^<]+</Message></Error></Errors><RequestID>[0-9a-f-]{36}</RequestID></Response>$`,
          ),
        );
        sim.faults.failNext(code, 1, { action: "DescribeInstances" });
        const error = await client.send(new DescribeInstancesCommand({})).then(
          () => undefined,
          (e: unknown) => e,
        );
        expect(error, code).toBeInstanceOf(EC2ServiceException);
        const e = error as EC2ServiceException;
        expect([e.name, e.$metadata.httpStatusCode, e.$fault], code).toEqual([
          code,
          entry.status,
          entry.status >= 500 ? "server" : "client",
        ]);
      }
    } finally {
      client.destroy();
    }
    // A code the fake does not know the status of cannot be scripted.
    expect(() => sim?.faults.failNext("SomethingMadeUp")).toThrow(/unknown error code/);
  });

  it("filters like EC2: tag:KEY and values exact and case-sensitive, an absent tag never matches", async () => {
    sim = await startEc2Sim({ bootDelayMs: 60_000 });
    const tag = (n: number, key: string, value: string) => ({
      [`TagSpecification.1.Tag.${n}.Key`]: key,
      [`TagSpecification.1.Tag.${n}.Value`]: value,
    });
    const spec = { "TagSpecification.1.ResourceType": "instance" };
    await call(
      sim,
      run({
        ...spec,
        ...tag(1, "scaleset-scale-set", "ci"),
        ...tag(2, "scaleset-deployment", "prod"),
      }),
    );
    await call(sim, run({ ...spec, ...tag(1, "scaleset-scale-set", "ci") }));
    await call(
      sim,
      run({
        ...spec,
        ...tag(1, "scaleset-scale-set", "CI"),
        ...tag(2, "scaleset-deployment", "prod-2"),
      }),
    );
    const count = async (filters: Array<[string, string[]]>) => {
      const params: Record<string, string> = { Action: "DescribeInstances" };
      filters.forEach(([name, values], i) => {
        params[`Filter.${i + 1}.Name`] = name;
        values.forEach((v, j) => {
          params[`Filter.${i + 1}.Value.${j + 1}`] = v;
        });
      });
      return ((await call(sim as Ec2Sim, params)).xml.match(/<instanceId>/g) ?? []).length;
    };
    expect(await count([["tag:scaleset-scale-set", ["ci"]]])).toBe(2);
    expect(await count([["tag:Scaleset-Scale-Set", ["ci"]]])).toBe(0);
    expect(await count([["tag:scaleset-deployment", ["prod"]]])).toBe(1); // not prod-2, not absent
    expect(await count([["tag:scaleset-deployment", ["prod*"]]])).toBe(2);
    expect(await count([["tag-key", ["scaleset-deployment"]]])).toBe(2);
    expect(
      await count([
        ["tag:scaleset-scale-set", ["ci", "CI"]],
        ["instance-state-name", ["pending", "running"]],
        ["tag:scaleset-deployment", ["prod", "prod-2"]],
      ]),
    ).toBe(2);
  });
});
