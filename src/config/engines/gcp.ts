/**
 * `engine: { type: gcp, gcp: {...} }` — Compute Engine. STUB: the GCP engine work (issue 3)
 * replaces the fields below with the full set.
 */
import * as z from "zod";
import { section, text } from "../fields.js";

export interface GcpEngineConfig {
  type: "gcp";
  gcp: {
    project: string;
    zones: string[];
  };
}

export const gcpEngineSchema = section({
  type: z.literal("gcp"),
  gcp: section({
    project: text("a GCP project id"),
    zones: z.array(text("a zone such as us-central1-a")).min(1),
  }),
}).transform(
  (raw): GcpEngineConfig => ({
    type: "gcp",
    gcp: { project: raw.gcp.project, zones: raw.gcp.zones },
  }),
);
