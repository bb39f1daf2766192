import { execSync } from "node:child_process";

/**
 * The CLI tests run the built package (dist/) as a child process: build it once, first.
 * SCALESET_TEST_SKIP_BUILD=1 skips it for a run of unit tests while dist/ is known to be current.
 */
export default function setup(): void {
  if (process.env.SCALESET_TEST_SKIP_BUILD === "1") return;
  execSync("npm run build --silent", { stdio: "inherit" });
}
