import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { taskResult } from "../../src/telemetry/attributes.js";
import { classifyGitHubRequest } from "../../src/telemetry/github-operations.js";
import { METRICS, type MetricDefinition } from "../../src/telemetry/metric-definitions.js";
import { nameWithUnit, prometheusUnit } from "../../src/telemetry/prometheus-names.js";
import { prometheusName } from "./prometheus-name.js";

describe("metric naming", () => {
  it("adds Prometheus unit suffixes the exporter does not", () => {
    expect(prometheusUnit("s")).toBe("seconds");
    expect(prometheusUnit("By")).toBe("bytes");
    expect(prometheusUnit("{runner}")).toBe("");
    expect(prometheusUnit("")).toBe("");
    expect(nameWithUnit("scaleset.job.duration", "s")).toBe("scaleset.job.duration.seconds");
    expect(nameWithUnit("x.seconds", "s")).toBe("x.seconds");
    expect(nameWithUnit("scaleset.runners", "{runner}")).toBe("scaleset.runners");
  });

  it("keeps every name under scaleset.*, with a unit and bounded attributes", () => {
    const names = new Set<string>();
    for (const def of Object.values(METRICS) as MetricDefinition[]) {
      expect(def.name).toMatch(/^scaleset\.[a-z_.]+$/);
      expect(names.has(def.name)).toBe(false);
      names.add(def.name);
      expect(def.description.length).toBeGreaterThan(10);
      for (const attribute of def.attributes) {
        // Job ids and runner names stay on spans: they would explode series cardinality.
        expect(attribute).not.toMatch(/run\.id|worker\.name|machine\.id|job_id|runner\.name/);
      }
      // Durations in seconds; the one money histogram in US dollars.
      if (def.kind === "histogram") expect(["s", "{USD}"]).toContain(def.unit);
      if (prometheusName(def).includes("seconds")) expect(def.unit).toBe("s");
    }
  });

  it("docs/telemetry.md lists every metric with its Prometheus name and unit", () => {
    const doc = readFileSync(new URL("../../docs/telemetry.md", import.meta.url), "utf8");
    for (const def of Object.values(METRICS) as MetricDefinition[]) {
      const row = doc.split("\n").find((line) => line.includes(`\`${def.name}\``));
      expect(row, `docs row for ${def.name}`).toBeDefined();
      expect(row).toContain(`\`${prometheusName(def)}\``);
      if (def.unit) expect(row).toContain(`\`${def.unit}\``);
    }
  });
});

describe("GitHub operation names", () => {
  const base = "https://pipelines.example/abc/_apis";
  it.each([
    [
      "POST",
      `${base}/runtime/runnerscalesets/7/generatejitconfig?api-version=6`,
      "generate_jit_config",
    ],
    ["DELETE", `${base}/distributedtask/pools/0/agents/42`, "remove_runner"],
    ["GET", `${base}/distributedtask/pools/0/agents?agentName=x`, "list_runners"],
    ["POST", `${base}/runtime/runnerscalesets/7/sessions`, "create_session"],
    ["PATCH", `${base}/runtime/runnerscalesets/7/sessions/5f2a-uuid`, "refresh_session"],
    ["GET", `${base}/runtime/runnergroups/?groupName=Default`, "get_runner_group"],
    [
      "POST",
      "https://api.github.com/orgs/o/actions/runners/registration-token",
      "registration_token",
    ],
    ["POST", "https://api.github.com/actions/runner-registration", "runner_registration"],
    ["GET", "https://example/unknown", "other"],
  ])("%s %s → %s", (method, url, operation) => {
    expect(classifyGitHubRequest(method, url).operation).toBe(operation);
  });

  it("never puts ids, names or query strings in the template", () => {
    const { template, host, port } = classifyGitHubRequest(
      "PATCH",
      "https://pipelines.example/tenant/_apis/runtime/runnerscalesets/12/sessions/secret-session?x=token",
    );
    expect(template).toBe("/_apis/runtime/runnerscalesets/{id}/sessions/{session}");
    expect({ host, port }).toEqual({ host: "pipelines.example", port: 443 });
    expect(classifyGitHubRequest("GET", "https://b/q?sessionId=s&token=t", "get_message")).toEqual(
      expect.objectContaining({ operation: "get_message", template: "/{queue}/message" }),
    );
  });

  it.each([
    ["http://127.0.0.1:8080/_apis/runtime/runnergroups/?groupName=x", "127.0.0.1", 8080],
    ["http://[::1]:9000/_apis/runtime/runnerscalesets", "::1", 9000],
    ["http://ghes.internal/api/v3/actions/runner-registration", "ghes.internal", 80],
    ["https://ghes.internal?x=1", "ghes.internal", 443],
  ])("reads server.address and server.port from %s", (url, host, port) => {
    expect(classifyGitHubRequest("GET", url)).toEqual(expect.objectContaining({ host, port }));
  });

  it("never takes credentials in a URL for a host", () => {
    const call = classifyGitHubRequest("GET", "https://user:secret@ghes.internal/_apis/x");
    expect(call.host).toBeUndefined();
    expect(JSON.stringify(call)).not.toContain("secret");
  });

  it("maps GitHub job results onto the cicd semantic-convention values", () => {
    expect(["succeeded", "failed", "canceled", "skipped", "weird"].map(taskResult)).toEqual([
      "success",
      "failure",
      "cancellation",
      "skip",
      "error",
    ]);
  });
});
