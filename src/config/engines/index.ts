/**
 * `scalesets[].engine`: a union discriminated on `type`. Each engine owns one file that exports a
 * schema (snake_case in, camelCase out); to add one, import it here and list it in ENGINE_SCHEMAS.
 */
import * as z from "zod";
import { type Ec2EngineConfig, ec2EngineSchema } from "./ec2.js";
import { type GcpEngineConfig, gcpEngineSchema } from "./gcp.js";
import { type SimEngineConfig, simEngineSchema } from "./sim.js";

export type { Ec2EngineConfig } from "./ec2.js";
export type { GcpEngineConfig } from "./gcp.js";
export type { SimEngineConfig } from "./sim.js";

export type EngineConfig = SimEngineConfig | GcpEngineConfig | Ec2EngineConfig;

const ENGINE_SCHEMAS = [simEngineSchema, gcpEngineSchema, ec2EngineSchema] as const;

/** Engine type names, for error messages. */
export const ENGINE_TYPES: readonly string[] = ENGINE_SCHEMAS.map(
  (schema) => schema.in.shape.type.value,
);

export const engineSchema = z.discriminatedUnion("type", ENGINE_SCHEMAS, {
  error: (issue) => {
    if (issue.code !== "invalid_union") return undefined;
    const hasType =
      typeof issue.input === "object" && issue.input !== null && "type" in issue.input;
    return hasType
      ? `unknown engine type — use one of: ${ENGINE_TYPES.join(", ")}`
      : `is required — set type to one of: ${ENGINE_TYPES.join(", ")}`;
  },
});
