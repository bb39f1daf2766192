/**
 * `engine: { type: gcp, gcp: {...} }` — one Compute Engine VM per runner, created from a prebuilt
 * image and deleted when its job completes. Auth is Application Default Credentials only.
 */
import * as z from "zod";
import { duration, flag, section, text, wholeNumber } from "../fields.js";

export interface GcpEngineConfig {
  type: "gcp";
  gcp: {
    project: string;
    /** Tried in order; a capacity error in one falls through to the next. */
    zones: string[];
    /** A machine type name (`e2-standard-4`) or a `zones/…/machineTypes/…` path. */
    machineType: string;
    /** Image or image family: a full URL, a `projects/…/global/images/…` path. */
    image: string;
    diskSizeGb: number;
    /** A disk type name (`pd-balanced`) or a `zones/…/diskTypes/…` path. */
    diskType: string;
    network: string;
    subnetwork?: string;
    publicIp: boolean;
    /** Email of the VM's service account; absent = the VM runs without one. */
    serviceAccount?: string;
    scopes: string[];
    networkTags: string[];
    labels: Record<string, string>;
    spot: boolean;
    /** With `spot`: after every zone ran out of spot capacity, try standard VMs. */
    spotFallback: boolean;
    /** Ms after which Compute Engine itself deletes the VM (`scheduling.maxRunDuration`). */
    maxRunDuration: number;
    /** Private endpoint base URL (scheme, host and port); absent = compute.googleapis.com. */
    apiEndpoint?: string;
    /** Ms any single API call may take before it is aborted. */
    apiTimeout: number;
    /** Ms a long-running operation may take, in all, before the create/delete fails. */
    operationTimeout: number;
  };
}

/** Keys written by scaleset itself on every VM (see MACHINE_LABELS); users may not set them. */
const RESERVED_LABEL_PREFIX = "scaleset-";
const LABEL_KEY = /^[a-z][a-z0-9_-]{0,62}$/;
const LABEL_VALUE = /^[a-z0-9_-]{0,63}$/;
const MAX_USER_LABELS = 60;
const NETWORK_TAG = /^[a-z]([-a-z0-9]{0,61}[a-z0-9])?$/;

function list(what: string) {
  return z.array(text(what), { error: `must be a list — write e.g. [${what}]` });
}

/**
 * 6–30 lowercase letters, digits and hyphens, starting with a letter and not ending with a
 * hyphen; legacy domain-scoped ids (`example.com:my-project`) carry a domain prefix.
 */
const PROJECT_ID = /^(?:[a-z0-9][a-z0-9.-]*[a-z0-9]:)?[a-z][a-z0-9-]{4,28}[a-z0-9]$/;
/** region (`us-central1`, `northamerica-northeast2`) plus a one-letter zone suffix. */
const ZONE = /^[a-z]+(?:-[a-z]+)*[0-9]+-[a-z]$/;

const projectSchema = text("a GCP project id").pipe(
  z.string().regex(PROJECT_ID, {
    error:
      "is not a GCP project id — use the project ID (not its name or number): 6–30 lowercase letters, digits and hyphens, starting with a letter, e.g. acme-ci",
  }),
);

const zonesSchema = z.preprocess(
  (value) => (typeof value === "string" ? [value] : value),
  z
    .array(
      text("a zone").pipe(
        z.string().regex(ZONE, {
          error: "is not a Compute Engine zone — write a zone name such as us-central1-a",
        }),
      ),
      { error: "must be a list — write e.g. [us-central1-a]" },
    )
    .min(1, { error: "must not be empty — list at least one zone" }),
);

const labelsSchema = z
  .record(z.string(), z.string({ error: "must be text — quote the value" }), {
    error: "must be a mapping of label keys to values — write e.g. { team: ci }",
  })
  .superRefine((labels, ctx) => {
    if (Object.keys(labels).length > MAX_USER_LABELS) {
      ctx.addIssue({
        code: "custom",
        message: `has more than ${MAX_USER_LABELS} labels — GCE allows 64 and scaleset writes 4`,
      });
    }
    for (const [key, value] of Object.entries(labels)) {
      if (!LABEL_KEY.test(key)) {
        ctx.addIssue({
          code: "custom",
          path: [key],
          message: "is not a valid GCE label key — use lowercase letters, digits, _ and -",
        });
      } else if (key.startsWith(RESERVED_LABEL_PREFIX)) {
        ctx.addIssue({
          code: "custom",
          path: [key],
          message: `is reserved for scaleset — choose a key not starting with ${RESERVED_LABEL_PREFIX}`,
        });
      } else if (!LABEL_VALUE.test(value)) {
        ctx.addIssue({
          code: "custom",
          path: [key],
          message: "is not a valid GCE label value — use ≤ 63 lowercase letters, digits, _ and -",
        });
      }
    }
  });

const imageSchema = text("an image or image family").refine((v) => /(^|\/)images\//.test(v), {
  error: "must name an image — write projects/PROJECT/global/images/NAME or …/images/family/FAMILY",
});

const endpointSchema = text("a URL").refine(
  (value) => {
    try {
      const url = new URL(value);
      return /^https?:$/.test(url.protocol) && (url.pathname === "/" || url.pathname === "");
    } catch {
      return false;
    }
  },
  {
    error:
      "must be an http(s) URL without a path — write e.g. https://compute-private.p.googleapis.com",
  },
);

const maxRunDurationSchema = duration({ positive: true }).refine((ms) => ms >= 30_000, {
  error: "must be at least 30s (the Compute Engine minimum) — raise it, e.g. to 6h",
});

export const gcpEngineSchema = section({
  type: z.literal("gcp"),
  gcp: section({
    project: projectSchema.describe("The project ID (not its name or number), e.g. acme-ci."),
    zones: zonesSchema.describe(
      "Zones tried in order when one has no capacity, e.g. [us-central1-a, us-central1-b].",
    ),
    machine_type: text("a machine type such as e2-standard-4").prefault("e2-standard-2"),
    image: imageSchema,
    disk_size_gb: wholeNumber({ min: 10, max: 65_536, what: "a disk size in GB" }).prefault(50),
    disk_type: text("a disk type such as pd-balanced").prefault("pd-balanced"),
    network: text("a VPC network name").prefault("default"),
    subnetwork: text("a subnetwork name").optional(),
    public_ip: flag().prefault(false),
    service_account: text("a service account email").optional(),
    scopes: list("cloud-platform").prefault(["cloud-platform"]),
    network_tags: list("a network tag")
      .refine((tags) => tags.every((t) => NETWORK_TAG.test(t)), {
        error: "holds an invalid tag — tags are lowercase letters, digits and -, ≤ 63 characters",
      })
      .prefault([]),
    labels: labelsSchema.prefault({}),
    spot: flag().prefault(false),
    spot_fallback: flag().prefault(true),
    max_run_duration: maxRunDurationSchema.prefault("7h"),
    api_endpoint: endpointSchema.optional(),
    api_timeout: duration({ positive: true }).prefault("60s"),
    operation_timeout: duration({ positive: true }).prefault("5m"),
  }),
}).transform(
  ({ gcp }): GcpEngineConfig => ({
    type: "gcp",
    gcp: {
      project: gcp.project,
      zones: gcp.zones,
      machineType: gcp.machine_type,
      image: gcp.image,
      diskSizeGb: gcp.disk_size_gb,
      diskType: gcp.disk_type,
      network: gcp.network,
      subnetwork: gcp.subnetwork,
      publicIp: gcp.public_ip,
      serviceAccount: gcp.service_account,
      scopes: gcp.scopes,
      networkTags: gcp.network_tags,
      labels: gcp.labels,
      spot: gcp.spot,
      spotFallback: gcp.spot_fallback,
      maxRunDuration: gcp.max_run_duration,
      apiEndpoint: gcp.api_endpoint,
      apiTimeout: gcp.api_timeout,
      operationTimeout: gcp.operation_timeout,
    },
  }),
);
