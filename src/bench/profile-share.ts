/**
 * How much of a V8 CPU profile the telemetry took. Whole-process CPU figures of two runs differ by
 * ±15 % here — more than telemetry costs — so an on/off comparison needs many pairs; one profile
 * of one run, split by who was running, gives the telemetry's share directly.
 *
 * A sample is charged to the nearest frame, from the leaf up, that belongs to a file of the app or
 * of a package: Node's internals (a socket write, a Buffer copy) count for whoever called them.
 * Telemetry is OpenTelemetry's packages and scaleset's own instrumentation (src/telemetry and the
 * engines' telemetry.ts). The garbage collector and idle time are counted apart.
 */
import type { Profiler } from "node:inspector";

export interface ProfileShare {
  /** Sampled time, ms, by bucket. */
  telemetryMs: number;
  otherMs: number;
  gcMs: number;
  idleMs: number;
}

const TELEMETRY_FILE =
  /\/@opentelemetry\/|\/(?:dist|src)\/telemetry\/|\/(?:dist|src)\/engines\/[^/]+\/telemetry\.[cm]?[jt]s$/;

type Bucket = keyof ProfileShare;

export function profileShare(profile: Profiler.Profile): ProfileShare {
  const parentOf = new Map<number, number>();
  const nodes = new Map<number, Profiler.ProfileNode>();
  for (const node of profile.nodes) {
    nodes.set(node.id, node);
    for (const child of node.children ?? []) parentOf.set(child, node.id);
  }
  const bucketOf = new Map<number, Bucket>();
  const classify = (id: number): Bucket => {
    const known = bucketOf.get(id);
    if (known) return known;
    const frame = (nodes.get(id) as Profiler.ProfileNode).callFrame;
    let bucket: Bucket;
    if (frame.functionName === "(idle)") bucket = "idleMs";
    else if (frame.functionName === "(garbage collector)") bucket = "gcMs";
    else if (isFile(frame.url)) bucket = TELEMETRY_FILE.test(frame.url) ? "telemetryMs" : "otherMs";
    else {
      const parent = parentOf.get(id);
      bucket = parent === undefined ? "otherMs" : classify(parent);
    }
    bucketOf.set(id, bucket);
    return bucket;
  };
  const share: ProfileShare = { telemetryMs: 0, otherMs: 0, gcMs: 0, idleMs: 0 };
  const samples = profile.samples ?? [];
  const deltas = profile.timeDeltas ?? [];
  for (let i = 0; i < samples.length; i++) {
    share[classify(samples[i] as number)] += (deltas[i] ?? 0) / 1000;
  }
  return share;
}

/** A script of the app or of a package, as opposed to Node's own (`node:…`) or V8's. */
function isFile(url: string): boolean {
  return url.startsWith("file://") || url.startsWith("/");
}
