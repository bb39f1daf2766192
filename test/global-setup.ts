import { execSync } from "node:child_process";

/** The CLI tests run the built package (dist/) as a child process: build it once, first. */
export default function setup(): void {
  execSync("npm run build --silent", { stdio: "inherit" });
}
