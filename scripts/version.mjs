#!/usr/bin/env node
// The release version, in two steps (plain, dependency-free JavaScript):
//
//   node scripts/version.mjs check v1.2.3 [package.json]
//     The release workflow's gate: fails unless the tag is "v" + the package version, so a
//     release never ships a version that the source does not say.
//   node scripts/version.mjs stamp 1.2.3 [package.json]
//     The image build (Dockerfile, build stage): writes the version the build was given
//     (--build-arg VERSION) into package.json, where `scaleset version` and the telemetry's
//     service.version read it.
import { readFileSync, writeFileSync } from "node:fs";

// SemVer 2.0.0: major.minor.patch, optional -pre-release and +build metadata.
const SEMVER = /^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(-[0-9A-Za-z.-]+)?(\+[0-9A-Za-z.-]+)?$/;

function fail(code, message) {
  process.stderr.write(`version: ${message}\n`);
  process.exit(code);
}

const [command, value = "", file = "package.json"] = process.argv.slice(2);
const pkg = JSON.parse(readFileSync(file, "utf8"));

if (command === "check") {
  if (value !== `v${pkg.version}`)
    fail(
      1,
      `tag ${value || "(none)"} does not match ${file} version ${pkg.version}: ` +
        `set "version": "${value.replace(/^v/, "")}" in ${file} and tag again, or tag v${pkg.version}`,
    );
  process.stdout.write(`tag ${value} matches ${file} version ${pkg.version}\n`);
} else if (command === "stamp") {
  const version = value.replace(/^v/, "");
  if (!SEMVER.test(version)) fail(2, `"${value}" is not a semantic version such as 1.2.3`);
  pkg.version = version;
  writeFileSync(file, `${JSON.stringify(pkg, null, 2)}\n`);
  process.stdout.write(`${file}: version ${version}\n`);
} else {
  fail(2, "usage: version.mjs check vX.Y.Z [package.json] | stamp X.Y.Z [package.json]");
}
