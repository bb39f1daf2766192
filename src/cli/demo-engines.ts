/** Clouds `scaleset demo --engine` can simulate (kept import-free: the CLI loads it up front). */
export const DEMO_ENGINES = ["sim", "gcp", "ec2"] as const;
export type DemoEngine = (typeof DEMO_ENGINES)[number];
