#!/usr/bin/env node
/**
 * The `scaleset` executable. It checks the Node.js version before anything else loads: on an
 * older Node the dependencies fail deep inside (undici, OpenTelemetry) with a stack trace instead
 * of a reason. It imports nothing but node:fs and uses no syntax newer than Node 14, so any Node
 * that can start it can also print the reason, in one line.
 */
import { readFileSync } from "node:fs";

/** The lowest version a `>=X[.Y[.Z]]` range allows (the form package.json's engines uses). */
function minimumOf(range: string): number[] | undefined {
  const match = /^\s*>=\s*v?(\d+)(?:\.(\d+))?(?:\.(\d+))?\s*$/.exec(range);
  return match ? [Number(match[1]), Number(match[2] ?? 0), Number(match[3] ?? 0)] : undefined;
}

function olderThan(version: string, minimum: number[]): boolean {
  const parts = version.split(".").map(Number);
  for (let i = 0; i < 3; i++) {
    const have = parts[i] ?? 0;
    const need = minimum[i] ?? 0;
    if (have !== need) return have < need;
  }
  return false;
}

/** 22.19.0 as "22.19", 99.0.0 as "99": the version as people write it. */
function shortVersion(version: number[]): string {
  const parts = [...version];
  while (parts.length > 1 && parts[parts.length - 1] === 0) parts.pop();
  return parts.join(".");
}

function requiredRange(): string {
  try {
    const pkg = JSON.parse(
      readFileSync(new URL("../../package.json", import.meta.url), "utf8"),
    ) as {
      engines?: { node?: string };
    };
    return pkg.engines?.node ?? "";
  } catch {
    return ""; // no package.json next to dist/: nothing to check against
  }
}

const range = requiredRange();
const minimum = minimumOf(range);
if (minimum && olderThan(process.versions.node, minimum)) {
  process.stderr.write(
    `scaleset needs Node.js ${range} (package.json "engines"), but ${process.execPath} is ` +
      `Node.js ${process.versions.node}. Install Node.js ${shortVersion(minimum)} or newer (24 LTS ` +
      "recommended) from https://nodejs.org/en/download or with a version manager " +
      "(e.g. `nvm install 24`), then run the command again.\n",
  );
  process.exit(1);
}
await import("./main.js");
