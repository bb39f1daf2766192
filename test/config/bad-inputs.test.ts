/**
 * The bad-input table (issue 12 items 4, 5, 7, 8): each input and every problem line it must
 * produce, exactly. test/cli/bad-inputs.e2e.test.ts drives the same kinds of input through the
 * real CLI for the exit code.
 */
import { generateKeyPairSync } from "node:crypto";
import { describe, expect, it } from "vitest";
import { formatProblem } from "../../src/config/errors.js";
import type { LoadConfigOptions } from "../../src/config/index.js";
import { keyBody, load, loadError, PEM, writeTemp } from "./helpers.js";

const SETS = "scalesets: [{ name: a, engine: { type: sim } }]\n";
const gh = (url: string, extra = "") =>
  `github: { url: "${url}", token: env:GITHUB_TOKEN${extra} }\n`;
const app = (key: string) =>
  `github: { url: https://github.com/o, app: { client_id: Iv1.a, installation_id: 1, private_key: ${JSON.stringify(key)} } }\n${SETS}`;
const gcp = (project: string, zones: string) =>
  `${gh("https://github.com/o")}scalesets: [{ name: a, engine: { type: gcp, gcp: { project: "${project}", zones: ${zones}, image: projects/p/global/images/family/f } } }]\n`;
const ec2 = (fields: string) =>
  `${gh("https://github.com/o")}scalesets: [{ name: a, engine: { type: ec2, ec2: { ${fields} } } }]\n`;

/** Armour around garbage: passes a regex check, fails to parse (the case that looped in `run`). */
const FAKE_PEM =
  "-----BEGIN RSA PRIVATE KEY-----\nMIIEsecretKeyBodyDoNotLeak\n-----END RSA PRIVATE KEY-----\n";
const EC_PEM = generateKeyPairSync("ec", { namedCurve: "prime256v1" })
  .privateKey.export({ type: "pkcs8", format: "pem" })
  .toString();

const HTTP_CLOUD =
  "github.url: uses http: the token would cross the internet unencrypted — write https:// (github.com and GHE.com serve https only)";
const NOT_PEM =
  "is not a valid PEM private key — give the App's unencrypted .pem file as downloaded (-----BEGIN … PRIVATE KEY-----)";
const PROJECT =
  "scalesets[0].engine.gcp.project: is not a GCP project id — use the project ID (not its name or number): 6–30 lowercase letters, digits and hyphens, starting with a letter, e.g. acme-ci";
const ZONE = "is not a Compute Engine zone — write a zone name such as us-central1-a";
const SECRET_FLAG =
  "secrets must not be passed as command-line flags (other processes can read them)";

type Case = [name: string, yaml: string, expected: string[], opts?: LoadConfigOptions];
const NO_ENV: LoadConfigOptions = { env: {} };

const CASES: Case[] = [
  ["http to github.com", gh("http://github.com/o") + SETS, [HTTP_CLOUD]],
  ["http to GHE.com", gh("http://acme.ghe.com/o") + SETS, [HTTP_CLOUD]],
  [
    "http to github.com even with allow_insecure_http",
    gh("http://github.com/o", ", allow_insecure_http: true") + SETS,
    [HTTP_CLOUD],
  ],
  [
    "http to a GHES without allow_insecure_http",
    gh("http://ghes.example.com/o") + SETS,
    [
      "github.url: uses http: the token and every runner's JIT config would cross the network unencrypted — write https://, or for a GHES reachable only over a trusted network set github.allow_insecure_http: true",
    ],
  ],
  [
    "a URL with credentials",
    gh("https://user:s3cretpass@github.com/o") + SETS,
    [
      "github.url: must not contain credentials (user:password@) — remove them; give the token in github.token or the GITHUB_TOKEN env var",
    ],
  ],
  [
    "…/enterprises/ without a name",
    gh("https://github.com/enterprises/") + SETS,
    ["github.url: names no enterprise — write https://HOST/enterprises/NAME"],
  ],
  [
    "a clone URL …/o/r.git",
    gh("https://github.com/o/r.git") + SETS,
    [
      "github.url: ends in .git (a clone URL) — use the repository's web address without .git, e.g. https://github.com/ORG/REPO",
    ],
  ],
  [
    "a URL with a query",
    gh("https://github.com/o?tab=repositories") + SETS,
    ["github.url: must not have a query (?…) or fragment (#…) — remove it"],
  ],
  ["an App key that is not PEM", app("not a key"), [`github.app.private_key: ${NOT_PEM}`], NO_ENV],
  [
    "an App key with PEM armour around garbage",
    app(FAKE_PEM),
    [`github.app.private_key: ${NOT_PEM}`],
    NO_ENV,
  ],
  [
    "an App key file that is not valid",
    `github: { url: https://github.com/o, app: { client_id: Iv1.a, installation_id: 1, private_key_path: ${writeTemp("bad.pem", FAKE_PEM)} } }\n${SETS}`,
    [`github.app.private_key_path: ${NOT_PEM}`],
    NO_ENV,
  ],
  [
    "an App key that is not RSA",
    app(EC_PEM),
    [
      "github.app.private_key: is not an RSA key — GitHub App keys are RSA: generate a private key on the App's settings page",
    ],
    NO_ENV,
  ],
  [
    "an App key from $GITHUB_APP_PRIVATE_KEY that is not valid",
    `github: { url: https://github.com/o }\n${SETS}`,
    [`github.app.private_key (from $GITHUB_APP_PRIVATE_KEY): ${NOT_PEM}`],
    {
      env: {
        GITHUB_APP_CLIENT_ID: "Iv1.a",
        GITHUB_APP_INSTALLATION_ID: "1",
        GITHUB_APP_PRIVATE_KEY: FAKE_PEM,
      },
    },
  ],
  ["a GCP project name with spaces", gcp("My Project", "[us-central1-a]"), [PROJECT]],
  ["a GCP project id that is too short", gcp("abc", "[us-central1-a]"), [PROJECT]],
  ["a GCP project id ending with a hyphen", gcp("my-project-", "[us-central1-a]"), [PROJECT]],
  ["a GCP project number", gcp("123456789012", "[us-central1-a]"), [PROJECT]],
  [
    "a GCP region or an upper-case zone where a zone belongs",
    gcp("acme-ci", "[us-central1, US-CENTRAL1-A, northamerica-northeast2-b]"),
    [`scalesets[0].engine.gcp.zones[0]: ${ZONE}`, `scalesets[0].engine.gcp.zones[1]: ${ZONE}`],
  ],
  [
    "two scale sets whose names differ only in case",
    `${gh("https://github.com/o")}scalesets: [{ name: Linux, engine: { type: sim } }, { name: linux, engine: { type: sim } }]\n`,
    [
      "scalesets[1].name: duplicates scalesets[0].name (GitHub ignores case in scale set names) — give every scale set a unique name",
    ],
  ],
  [
    "an empty ec2 instance_types, with the section's other problems",
    ec2("image_id: ami-1, instance_types: [], disk_size_gb: 1"),
    [
      "scalesets[0].engine.ec2.region: is required — add it",
      "scalesets[0].engine.ec2.instance_types: must not be empty — list at least one instance type, e.g. [m7i.large], or remove it to use the launch template's",
      "scalesets[0].engine.ec2.disk_size_gb: must be between 8 and 65536 — raise it to at least 8",
    ],
  ],
  [
    "no ec2 image or instance types, with another problem",
    ec2("region: us-east-1, disk_size_gb: 1"),
    [
      "scalesets[0].engine.ec2.disk_size_gb: must be between 8 and 65536 — raise it to at least 8",
      "scalesets[0].engine.ec2.image_id: is required — set image_id (the runner AMI) or launch_template",
      "scalesets[0].engine.ec2.instance_types: is required — list at least one instance type, e.g. [m7i.large]",
    ],
  ],
  [
    "an OTLP header as a flag",
    gh("https://github.com/o") + SETS,
    [
      `--telemetry.otlp.headers.authorization: ${SECRET_FLAG} — write the header in the config file as an env:NAME or file:/path reference (headers: { authorization: env:OTLP_AUTH }), or set OTEL_EXPORTER_OTLP_HEADERS`,
    ],
    { overrides: { "telemetry.otlp.headers.authorization": "Bearer flag-secret-value" } },
  ],
  [
    "any *key* / *secret* / *password* / *token* field as a flag",
    gh("https://github.com/o") + SETS,
    [
      `--scalesets.0.engine.ec2.tags.api_key: ${SECRET_FLAG} — write it in the config file as an env:NAME or file:/path reference, or use its environment variable`,
      `--telemetry.resource_attributes.db_password: ${SECRET_FLAG} — write it in the config file as an env:NAME or file:/path reference, or use its environment variable`,
      `--github.token: ${SECRET_FLAG} — set the GITHUB_TOKEN env var, or write \`token: env:NAME\` or \`token: file:/path\` in the config file`,
    ],
    {
      overrides: {
        "scalesets.0.engine.ec2.tags.api_key": "flag-secret-value",
        "telemetry.resource_attributes.db_password": "flag-secret-value",
        "github.token": ["flag-secret-value", "flag-secret-value-2"],
      },
    },
  ],
];

describe("bad inputs", () => {
  it.each(CASES)("%s", async (_name, yaml, expected, opts = {}) => {
    const error = await loadError(yaml, opts);
    expect(error.problems.map(formatProblem)).toEqual(expected);
    for (const secret of ["s3cretpass", "flag-secret-value", keyBody(EC_PEM), "MIIEsecret"])
      expect(error.message).not.toContain(secret);
  });

  it("accepts what these rules must keep working", async () => {
    // Loopback http: the simulators of `scaleset demo` and the tests.
    await load(gh("http://127.0.0.1:8080/o") + SETS);
    await load(gh("http://localhost:8080/o/r") + SETS);
    await load(gh("http://ghes.example.com/o", ", allow_insecure_http: true") + SETS);
    await load(app(PEM), NO_ENV);
    await load(gcp("example.com:acme-ci", "[us-central1-a, northamerica-northeast2-b]"));
    await load(ec2("region: us-east-1, launch_template: { name: runners }"));
    // A key file path is not a secret: allowed as a flag.
    const keyPath = writeTemp("flag.pem", PEM);
    const config = await load(
      "github: { url: https://github.com/o, app: { client_id: Iv1.a, installation_id: 1 } }\n" +
        SETS,
      { env: {}, overrides: { "github.app.private_key_path": keyPath } },
    );
    expect(config.github.credentials).toHaveProperty("privateKey", PEM);
    // max_runners 0 is the documented "paused" value.
    const paused = await load(
      `${gh("https://github.com/o")}scalesets: [{ name: a, max_runners: 0, engine: { type: sim } }]\n`,
    );
    expect(paused.scalesets[0]!.maxRunners).toBe(0);
  });
});
