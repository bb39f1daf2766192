/**
 * The deployment manifests keep the promises the docs make: one instance, shutdown inside the
 * platform's kill timeout, liveness (never readiness) on /healthz, secrets from the platform's
 * secret store, the image through Artifact Registry on Cloud Run.
 */
import { generateKeyPairSync } from "node:crypto";
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { parseDuration } from "../../src/config/duration.js";
import { loadConfig } from "../../src/config/index.js";

const read = (path: string) => readFileSync(new URL(`../../${path}`, import.meta.url), "utf8");
const CLOUD_RUN_KILL_AFTER_MS = 10_000;
/** Time after the grace for session delete, telemetry flush and exit. */
const EXIT_BUDGET_MS = 2_500;

function flagValue(args: string[], flag: string): string | undefined {
  const at = args.indexOf(flag);
  return at >= 0 ? args[at + 1] : undefined;
}

describe("Cloud Run", () => {
  const setup = read("deploy/cloud-run/setup.sh");
  const terraform = read("deploy/cloud-run/terraform/main.tf");
  const variables = read("deploy/cloud-run/terraform/variables.tf");
  const service = parse(read("deploy/cloud-run/service.yaml")) as {
    spec: {
      template: {
        metadata: { annotations: Record<string, string> };
        spec: {
          containers: Array<{
            image: string;
            args: string[];
            startupProbe?: { httpGet?: { path: string } };
            livenessProbe?: { httpGet?: { path: string } };
            readinessProbe?: unknown;
          }>;
          volumes: Array<{ secret?: { secretName: string } }>;
        };
      };
    };
  };
  const container = service.spec.template.spec.containers[0]!;

  it("fits the shutdown into the 10 s between SIGTERM and SIGKILL", () => {
    const graces = [
      flagValue(container.args, "--scaler.shutdown_grace"),
      /SHUTDOWN_GRACE="\$\{SHUTDOWN_GRACE:-([^}]+)\}"/.exec(setup)?.[1],
      /variable "shutdown_grace"[\s\S]*?default\s*=\s*"([^"]+)"/.exec(variables)?.[1],
    ];
    for (const grace of graces) {
      expect(grace).toBeDefined();
      expect(parseDuration(grace!) + EXIT_BUDGET_MS).toBeLessThanOrEqual(CLOUD_RUN_KILL_AFTER_MS);
    }
    // biome-ignore lint/suspicious/noTemplateCurlyInString: shell syntax in setup.sh
    expect(setup).toContain("--scaler.shutdown_grace,${SHUTDOWN_GRACE}");
    expect(terraform).toContain('"--scaler.shutdown_grace", var.shutdown_grace');
  });

  it("runs exactly one instance: worker pool scaling 1, or a service with min = max = 1 and CPU always on", () => {
    // gcloud's GA flag; `--scaling` was its beta name.
    expect(setup).toMatch(/run worker-pools deploy[\s\S]*--instances 1 /);
    expect(setup).not.toMatch(/--scaling /);
    expect(setup).toMatch(/--no-cpu-throttling --min-instances 1 --max-instances 1/);
    expect(terraform).toMatch(/manual_instance_count\s*=\s*1/);
    const annotations = service.spec.template.metadata.annotations;
    expect(annotations["autoscaling.knative.dev/minScale"]).toBe("1");
    expect(annotations["autoscaling.knative.dev/maxScale"]).toBe("1");
    expect(annotations["run.googleapis.com/cpu-throttling"]).toBe("false");
  });

  it("probes liveness on /healthz and never gates startup or readiness on /readyz", () => {
    expect(container.livenessProbe?.httpGet?.path).toBe("/healthz");
    expect(container.readinessProbe).toBeUndefined();
    expect(container.startupProbe?.httpGet?.path ?? "/healthz").toBe("/healthz");
    expect(terraform).toMatch(/liveness_probe\s*{\s*http_get\s*{\s*path\s*=\s*"\/healthz"/);
    for (const text of [setup, terraform, read("deploy/cloud-run/service.yaml")])
      expect(text).not.toMatch(/path[:=\s"]*\/readyz/);
  });

  it("pulls through an Artifact Registry remote repository of ghcr.io and reads secrets from Secret Manager", () => {
    expect(setup).toMatch(/--mode remote-repository[\s\S]*--remote-docker-repo https:\/\/ghcr\.io/);
    expect(terraform).toMatch(
      /mode\s*=\s*"REMOTE_REPOSITORY"[\s\S]*uri\s*=\s*"https:\/\/ghcr\.io"/,
    );
    expect(container.image).toMatch(/^REGION-docker\.pkg\.dev\/PROJECT\/ghcr\/OWNER\/scaleset:/);
    expect(service.spec.template.spec.volumes.map((v) => v.secret?.secretName)).toEqual([
      "scaleset-config",
      "scaleset-github-app-key",
    ]);
    expect(setup).toContain("roles/secretmanager.secretAccessor");
    expect(terraform).toContain("roles/secretmanager.secretAccessor");
    expect(`${setup}${terraform}`).not.toMatch(/ghp_|BEGIN [A-Z ]*PRIVATE KEY/);
  });

  it("asks for a Google provider that has every worker-pool field main.tf uses", () => {
    const floor = /version\s*=\s*">=\s*(\d+)\.(\d+)\.(\d+)"/.exec(
      read("deploy/cloud-run/terraform/versions.tf"),
    );
    expect(floor).not.toBeNull();
    const [major, minor] = [Number(floor![1]), Number(floor![2])];
    // liveness_probe on google_cloud_run_v2_worker_pool arrived in 7.5.0 (provider changelog).
    expect(terraform).toMatch(/liveness_probe\s*{/);
    expect(major > 7 || (major === 7 && minor >= 5)).toBe(true);
  });
});

describe("GCE (Container-Optimized OS)", () => {
  const cloudInit = read("deploy/gce/cloud-init.yaml");
  const doc = parse(cloudInit) as {
    write_files: Array<{ path: string; content: string }>;
    runcmd: string[];
  };
  const file = (path: string) => doc.write_files.find((f) => f.path === path)?.content ?? "";

  it("is a cloud-config whose embedded fetch-secrets.sh equals deploy/gce/fetch-secrets.sh", () => {
    expect(cloudInit.startsWith("#cloud-config\n")).toBe(true);
    expect(file("/etc/scaleset/fetch-secrets.sh")).toBe(read("deploy/gce/fetch-secrets.sh"));
  });

  it("stops the container with SIGTERM and more time than the default shutdown grace", () => {
    const unit = file("/etc/systemd/system/scaleset.service");
    const stopSeconds = Number(/docker stop --time (\d+)/.exec(unit)?.[1]);
    expect(stopSeconds * 1000).toBeGreaterThan(parseDuration("25s"));
    expect(Number(/TimeoutStopSec=(\d+)/.exec(unit)?.[1])).toBeGreaterThan(stopSeconds);
    expect(unit).toMatch(/Restart=always/);
    expect(unit).toMatch(/docker run --rm --name scaleset --init/);
    expect(doc.runcmd).toContain("systemctl enable --now scaleset.service");
  });

  it("never makes the container's start depend on a logging role (no gcplogs driver)", () => {
    const unit = file("/etc/systemd/system/scaleset.service");
    expect(unit).not.toMatch(/--log-driver[= ]gcplogs/);
    expect(unit).toMatch(/--log-driver=json-file --log-opt max-size=/);
    // The logging agent still needs the role to ship the logs: the guide and the script grant it.
    expect(read("docs/deploy/gce.md")).toContain("roles/logging.logWriter");
    expect(read("deploy/gce/create-vm.sh")).toMatch(/--role roles\/logging\.logWriter/);
  });
});

describe("ECS Fargate", () => {
  const task = JSON.parse(read("deploy/ecs/task-definition.json")) as {
    containerDefinitions: Array<{
      name: string;
      essential: boolean;
      command?: string[];
      stopTimeout?: number;
      healthCheck?: { command: string[] };
      secrets?: Array<{ name: string; valueFrom: string }>;
      environment?: Array<{ name: string; value: string }>;
      dependsOn?: Array<{ containerName: string; condition: string }>;
      logConfiguration?: { options?: Record<string, string> };
    }>;
  };
  const ecsGuide = read("docs/deploy/ecs.md");
  const service = JSON.parse(read("deploy/ecs/service.json")) as {
    desiredCount: number;
    deploymentConfiguration: { minimumHealthyPercent: number; maximumPercent: number };
  };
  const main = task.containerDefinitions.find((c) => c.name === "scaleset")!;

  it("runs one task and stops it after more than the shutdown grace", () => {
    expect(service.desiredCount).toBe(1);
    expect(service.deploymentConfiguration.maximumPercent).toBeLessThanOrEqual(200);
    expect(main.essential).toBe(true);
    expect(main.stopTimeout! * 1000).toBeGreaterThan(parseDuration("25s"));
    expect(main.stopTimeout).toBeLessThanOrEqual(120); // Fargate's maximum
  });

  it("checks liveness with an exec-form command on /healthz (no shell in the image)", () => {
    const command = main.healthCheck!.command;
    expect(command.slice(0, 2)).toEqual(["CMD", "/nodejs/bin/node"]);
    expect(command.join(" ")).toContain("/healthz");
    expect(command.join(" ")).not.toContain("/readyz");
  });

  it("gets config and credentials from SSM / Secrets Manager, never inline", () => {
    expect(main.dependsOn).toEqual([{ containerName: "config", condition: "SUCCESS" }]);
    expect(main.command).toEqual(["run", "--config", "/etc/scaleset/config.yaml"]);
    const secrets = task.containerDefinitions.flatMap((c) => c.secrets ?? []);
    expect(secrets.map((s) => s.name).sort()).toEqual([
      "GITHUB_APP_PRIVATE_KEY",
      "SCALESET_CONFIG_YAML",
    ]);
    expect(secrets.every((s) => s.valueFrom.startsWith("arn:aws:"))).toBe(true);
    const plain = task.containerDefinitions.flatMap((c) => c.environment ?? []).map((e) => e.name);
    expect(plain.some((n) => /TOKEN|KEY|SECRET/.test(n))).toBe(false);
  });

  it("writes logs to a group the guide creates: the execution role needs no logs:CreateLogGroup", () => {
    const options = task.containerDefinitions.map((c) => c.logConfiguration?.options ?? {});
    const groups = new Set(options.map((o) => o["awslogs-group"]));
    expect(groups.size).toBe(1);
    for (const o of options) expect(o["awslogs-create-group"]).toBeUndefined();
    expect(ecsGuide).toContain(`aws logs create-log-group --log-group-name ${[...groups][0]}`);
  });

  it("documents a config that fits a Standard SSM parameter (4 KB) and is valid", async () => {
    const example = /```yaml\n([\s\S]*?)```/.exec(ecsGuide)?.[1] ?? "";
    expect(Buffer.byteLength(example)).toBeGreaterThan(200);
    expect(Buffer.byteLength(example)).toBeLessThanOrEqual(4096);
    expect(ecsGuide).toMatch(/Standard parameter holds at most \*\*4 KB\*\*/);
    const { privateKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
    const config = await loadConfig({
      yamlText: example,
      env: {
        GITHUB_APP_PRIVATE_KEY: privateKey.export({ type: "pkcs1", format: "pem" }).toString(),
      },
      stdoutIsTTY: false,
    });
    expect(config.scalesets[0]?.engine.type).toBe("ec2");
  });
});
