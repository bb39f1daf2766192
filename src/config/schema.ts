/**
 * The whole YAML config schema. Input is snake_case YAML (after `env:`/`file:` references, env vars
 * and CLI flags were applied); output is the camelCase `ScalesetConfig`.
 */
import * as z from "zod";
import { DEPLOYMENT_SCOPE_PATTERN, deploymentScope } from "../engines/deployment-scope.js";
import { costSchema } from "./cost-schema.js";
import { engineSchema } from "./engines/index.js";
import { duration, section, text, wholeNumber } from "./fields.js";
import { githubSchema } from "./github-schema.js";
import { schedulesSchema } from "./schedule-schema.js";
import { spotSchema } from "./spot-schema.js";
import { telemetrySchema } from "./telemetry-schema.js";
import type { LogFormat, ScaleSetConfig, ScalesetConfig, ServerConfig } from "./types.js";

/** A scale set before its deployment scope is resolved (that needs `github.url`). */
type UnscopedScaleSet = Omit<ScaleSetConfig, "deployment"> & { deployment?: string };

const NAME = /^[A-Za-z0-9._-]+$/;
/** GitHub sends max capacity as a signed 32-bit integer. */
const MAX_INT32 = 2_147_483_647;

const scaleSetSchema = section({
  name: text("a scale set name").pipe(
    z
      .string()
      .regex(NAME, {
        error: "may only contain letters, digits, '.', '_' and '-' — rename it, e.g. linux-x64",
      })
      .max(100, { error: "is longer than 100 characters — shorten it" }),
  ),
  labels: z
    .array(text("a label"), { error: "must be a list of labels — write e.g. [linux-x64]" })
    .min(1, { error: "must not be empty — list at least one label, or remove it to use the name" })
    .optional(),
  runner_group: text("a runner group name").prefault("default"),
  min_runners: wholeNumber({ min: 0, max: MAX_INT32 }).prefault(0),
  max_runners: wholeNumber({ min: 0, max: MAX_INT32 }).prefault(10),
  idle_timeout: duration().prefault("5m"),
  max_runner_lifetime: duration({ positive: true }).prefault("6h"),
  boot_timeout: duration({ positive: true }).prefault("10m"),
  engine: engineSchema.prefault({ type: "sim" }),
  schedules: schedulesSchema.optional(),
  cost: costSchema.optional(),
  spot: spotSchema.prefault({}),
  deployment: text("a deployment scope")
    .pipe(
      z.string().regex(DEPLOYMENT_SCOPE_PATTERN, {
        error:
          "must be 1–63 lowercase letters, digits, '_' or '-', starting with a letter or digit — e.g. prod-linux-x64, or remove it to derive one from github.url and the name",
      }),
    )
    .optional(),
})
  .refine((s) => s.max_runners >= s.min_runners, {
    path: ["max_runners"],
    // Only compare two valid numbers; a bad one is already reported on its own.
    when: (payload) =>
      payload.issues.every(
        (issue) => issue.path?.[0] !== "min_runners" && issue.path?.[0] !== "max_runners",
      ),
    error: (issue) => {
      const s = issue.input as { min_runners: number };
      return `must be ≥ min_runners (${s.min_runners}) — raise max_runners or lower min_runners`;
    },
  })
  .superRefine(
    (s, ctx) => {
      // A window may not ask for more than the scale set may ever have. Also runs when other
      // fields failed, so it is reported with them: read each window's number defensively.
      const max = s.max_runners;
      if (typeof max !== "number" || !Array.isArray(s.schedules)) return;
      (s.schedules as unknown[]).forEach((w, i) => {
        const window = (typeof w === "object" && w !== null ? w : {}) as Record<string, unknown>;
        const min = window.minRunners ?? window.min_runners;
        if (typeof min === "number" && min > max)
          ctx.addIssue({
            code: "custom",
            path: ["schedules", i, "min_runners"],
            message: `is above max_runners (${max}) — lower it or raise max_runners`,
          });
      });
    },
    { when: (payload) => typeof payload.value === "object" && payload.value !== null },
  )
  .refine(
    (s) =>
      !(s.engine.type === "ec2" && s.engine.ec2.diskSizeGb === undefined && s.cost?.diskGbMonth),
    {
      path: ["cost", "disk_gb_month"],
      error:
        "needs the disk's size, which scaleset does not know for an AMI's own root volume — set engine.ec2.disk_size_gb, or remove disk_gb_month to leave the disk out",
    },
  )
  .transform(
    (s): UnscopedScaleSet => ({
      name: s.name,
      deployment: s.deployment,
      labels: s.labels ?? [s.name],
      runnerGroup: s.runner_group,
      minRunners: s.min_runners,
      maxRunners: s.max_runners,
      idleTimeout: s.idle_timeout,
      maxRunnerLifetime: s.max_runner_lifetime,
      bootTimeout: s.boot_timeout,
      engine: s.engine,
      schedules: s.schedules ?? [],
      ...(s.cost ? { cost: s.cost } : {}),
      spot: s.spot,
    }),
  );

const scaleSetsSchema = z
  .array(scaleSetSchema, {
    error: (issue) =>
      issue.input === undefined
        ? "is required — add a `scalesets:` list with at least one `- name: …` item"
        : "must be a list of scale sets — write `scalesets:` then `- name: …` items",
  })
  .min(1, { error: "is empty — add at least one scale set with a name" })
  .superRefine(
    (sets, ctx) => {
      const seen = new Map<string, number>();
      (sets as unknown[]).forEach((set, index) => {
        const name =
          typeof set === "object" && set !== null ? (set as { name?: unknown }).name : undefined;
        if (typeof name !== "string") return;
        // GitHub compares scale set names case-insensitively: `Linux` and `linux` are one set.
        const key = name.toLowerCase();
        const first = seen.get(key);
        if (first === undefined) seen.set(key, index);
        else
          ctx.addIssue({
            code: "custom",
            path: [index, "name"],
            message: `duplicates scalesets[${first}].name (GitHub ignores case in scale set names) — give every scale set a unique name`,
          });
      });
    },
    // Also when some scale set failed validation, so a duplicate is reported alongside.
    { when: (payload) => Array.isArray(payload.value) },
  );

const scalerSchema = section({
  create_concurrency: wholeNumber({ min: 1, max: 10_000 }).prefault(50),
  delete_concurrency: wholeNumber({ min: 1, max: 10_000 }).prefault(50),
  reconcile_interval: duration({ positive: true }).prefault("2m"),
  shutdown_grace: duration().prefault("25s"),
  session_conflict_wait: duration({ positive: true }).prefault("30s"),
  poll_timeout: duration({ positive: true }).prefault("65s"),
}).transform((s) => ({
  createConcurrency: s.create_concurrency,
  deleteConcurrency: s.delete_concurrency,
  reconcileInterval: s.reconcile_interval,
  shutdownGrace: s.shutdown_grace,
  sessionConflictWait: s.session_conflict_wait,
  pollTimeout: s.poll_timeout,
}));

/**
 * Loopback by default: /status names the host and the sessions. The container image sets
 * SCALESET_SERVER_HOST=0.0.0.0, since a platform's probes come from outside the container.
 */
const serverSchema = section({
  port: wholeNumber({ min: 0, max: 65_535, what: "a TCP port" }).prefault(8080),
  host: text("a host name or IP address").prefault("127.0.0.1"),
  max_connections: wholeNumber({ min: 1, max: 10_000 }).prefault(256),
  idle_timeout: duration({ positive: true }).prefault("10s"),
}).transform(
  (s): ServerConfig => ({
    port: s.port,
    host: s.host,
    maxConnections: s.max_connections,
    idleTimeout: s.idle_timeout,
  }),
);

const LEVELS = ["fatal", "error", "warn", "info", "debug", "trace", "silent"] as const;
const FORMATS = ["json", "pretty"] as const;

function loggingSchema(defaultFormat: LogFormat) {
  return section({
    level: z
      .enum(LEVELS, { error: `is not a log level — use one of: ${LEVELS.join(", ")}` })
      .prefault("info"),
    format: z
      .enum(FORMATS, { error: `is not a log format — use one of: ${FORMATS.join(", ")}` })
      .prefault(defaultFormat),
  });
}

/** `defaultLogFormat` is "pretty" when stdout is a terminal, else "json"; the loader decides. */
export function configSchema(defaultLogFormat: LogFormat) {
  return section({
    github: githubSchema,
    scalesets: scaleSetsSchema,
    scaler: scalerSchema.prefault({}),
    server: serverSchema.prefault({}),
    logging: loggingSchema(defaultLogFormat).prefault({}),
    telemetry: telemetrySchema.prefault({}),
  }).transform(
    (c): ScalesetConfig => ({
      ...c,
      scalesets: c.scalesets.map((set) => ({
        ...set,
        deployment: set.deployment ?? deploymentScope(c.github.url, set.name),
      })),
    }),
  );
}
