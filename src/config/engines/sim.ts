/** The in-process simulator engine: no cloud, machines "boot" after a delay. */
import * as z from "zod";
import { duration, flag, section } from "../fields.js";

export interface SimEngineConfig {
  type: "sim";
  sim: {
    /** Ms from create to the runner coming online. */
    bootDelay: number;
    /** Ms the create call itself takes. */
    createDelay: number;
    /** Simulated spot machines (tests and demos of preemption); absent: standard. */
    spot?: boolean;
  };
}

export const simEngineSchema = section({
  type: z.literal("sim"),
  sim: section({
    boot_delay: duration().prefault("2s"),
    create_delay: duration().prefault("100ms"),
    spot: flag()
      .prefault(false)
      .describe("Simulate spot machines, which SimCloud.preempt can take back mid-job."),
  }).prefault({}),
}).transform(
  (raw): SimEngineConfig => ({
    type: "sim",
    sim: {
      bootDelay: raw.sim.boot_delay,
      createDelay: raw.sim.create_delay,
      ...(raw.sim.spot ? { spot: true } : {}),
    },
  }),
);
