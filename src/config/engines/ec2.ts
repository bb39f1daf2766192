/**
 * `engine: { type: ec2, ec2: {...} }` — AWS EC2. STUB: the EC2 engine work (issue 4) replaces
 * the fields below with the full set.
 */
import * as z from "zod";
import { section, text } from "../fields.js";

export interface Ec2EngineConfig {
  type: "ec2";
  ec2: {
    region: string;
  };
}

export const ec2EngineSchema = section({
  type: z.literal("ec2"),
  ec2: section({
    region: text("an AWS region such as us-east-1"),
  }),
}).transform((raw): Ec2EngineConfig => ({ type: "ec2", ec2: { region: raw.ec2.region } }));
