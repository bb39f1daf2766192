#!/usr/bin/env node
/**
 * The `scaleset` command. Only yargs loads up front; each command imports what it needs, so
 * `scaleset version` and `--help` stay instant and no cloud SDK loads unless the config uses it.
 */
import yargs, { type Argv } from "yargs";
import { hideBin } from "yargs/helpers";
import { DEMO_ENGINES, type DemoEngine } from "./demo-engines.js";

const CONFIG_HELP =
  "Any config field can be set with a dotted flag, e.g. --github.url URL, --scalesets.0.max_runners 5, " +
  "--logging.level debug. Secrets (any token, key, secret or password field, and OTLP headers) are refused as flags: " +
  "give them as env:NAME / file:PATH values in the config file or in GITHUB_TOKEN / GITHUB_APP_* / " +
  "OTEL_EXPORTER_OTLP_HEADERS variables.";

const CONFIG_OPTION = {
  alias: "c",
  type: "string",
  describe: "Path to config.yaml (required)",
} as const;

/** For run and validate: one clear message instead of yargs' "Missing required argument". */
function requireConfig(argv: { config?: unknown }): true {
  if (argv.config === undefined || argv.config === "")
    throw new UsageError(
      "--config is required — give the path of the config file, e.g. --config config.yaml (see config.example.yaml)",
    );
  return true;
}

const COMMANDS = ["run", "demo", "validate", "doctor", "status", "version"] as const;

/** Exit status of a usage error (unknown command, missing or repeated option). */
const USAGE_EXIT = 2;

/** A usage mistake: printed once with a pointer to --help, then exit 2. */
class UsageError extends Error {}

/**
 * The default command is `run`, so without this an unknown command would start the autoscaler.
 * Runs before option validation, so `scaleset frobnicate` is not told that --config is missing.
 * A command-like word is named; anything else might be a pasted secret and is not echoed.
 */
function checkCommand(args: { _: (string | number)[] }): void {
  const [first, ...rest] = args._.map(String);
  if (first === undefined) return;
  if (!(COMMANDS as readonly string[]).includes(first)) {
    const named = /^[A-Za-z][A-Za-z0-9-]{0,31}$/.test(first) ? ` "${first}"` : "";
    throw new UsageError(`unknown command${named} — use one of: ${COMMANDS.join(", ")}`);
  }
  if (rest.length > 0)
    throw new UsageError(`${first} takes no arguments — give options as --name value`);
}

/** The `--config` option of run and validate. */
const withConfig = <T>(y: Argv<T>) => y.option("config", CONFIG_OPTION).check(requireConfig);

/** Options of the commands themselves (not config fields), which may be given once each. */
const SINGLE_OPTIONS = [
  "config",
  "jobs",
  "rate",
  "duration",
  "max-runners",
  "engine",
  "port",
  "url",
  "timeout",
];

/** A repeated option would otherwise arrive as a list (`--config a --config b` → "a,b"). */
function checkRepeated(argv: Record<string, unknown>): true {
  const repeated = SINGLE_OPTIONS.find((name) => Array.isArray(argv[name]));
  if (repeated !== undefined)
    throw new UsageError(`--${repeated} was given more than once — give it once`);
  return true;
}

export async function main(argv: string[]): Promise<number> {
  let exitCode = 0;
  const setExit = (code: number) => {
    exitCode = code;
  };
  try {
    await yargs(argv)
      .scriptName("scaleset")
      .usage("$0 [command] [options]")
      .command(
        ["run", "$0"],
        "Run the autoscaler with a config file (the default command)",
        withConfig,
        async (args) => {
          const { runCommand } = await import("./run.js");
          setExit(await runCommand(args));
        },
      )
      .command(
        "demo",
        "Run the real listener and scaler against built-in GitHub and cloud simulators",
        (y) =>
          y
            .option("jobs", {
              type: "number",
              describe: "Stop after this many jobs completed (default: run until Ctrl-C)",
            })
            .option("rate", { type: "number", default: 2, describe: "Jobs queued per second" })
            .option("duration", {
              type: "string",
              default: "3s-8s",
              describe: "Job duration range, e.g. 2s-10s",
            })
            .option("max-runners", {
              type: "number",
              default: 20,
              describe: "max_runners of the demo scale set",
            })
            .option("engine", {
              default: "sim" as DemoEngine,
              choices: DEMO_ENGINES,
              describe: "Which simulated cloud to use",
            })
            .option("port", {
              type: "number",
              describe: "Status server port (default $PORT or 8080; 0 = any)",
            })
            .option("quiet", {
              type: "boolean",
              default: false,
              describe: "No summary line, only logs",
            })
            .option("telemetry", {
              type: "boolean",
              default: false,
              describe:
                "Export traces and metrics: OTLP/HTTP to $OTEL_EXPORTER_OTLP_ENDPOINT (default http://localhost:4318, e.g. the Aspire dashboard) and Prometheus on :9464",
            }),
        async (args) => {
          const { demoCommand } = await import("./demo.js");
          setExit(await demoCommand(args));
        },
      )
      .command(
        "validate",
        "Check the config, GitHub and the cloud (permissions, image, quotas, network) without creating anything",
        (y) =>
          withConfig(y)
            .option("json", { type: "boolean", default: false, describe: "Print JSON" })
            .option("offline", {
              type: "boolean",
              default: false,
              describe: "Check the config only; call no API",
            })
            .option("timeout", {
              type: "string",
              describe: "Deadline of each API call (default 5s; the whole run gets 4 times it)",
            })
            .epilogue(
              "Exit status: 0 every check passed (warnings allowed), 1 a check failed, 2 config error.",
            ),
        async (args) => {
          const { validateCommand } = await import("./validate.js");
          setExit(await validateCommand(args));
        },
      )
      .command(
        "doctor",
        "Show each scale set's machines, registrations and session, and what is left behind",
        (y) =>
          withConfig(y)
            .option("fix", {
              type: "boolean",
              default: false,
              describe:
                "Delete what is listed as orphaned (refused while a live scaler holds the session)",
            })
            .option("json", { type: "boolean", default: false, describe: "Print JSON" })
            .epilogue(
              `Exit status: 0 nothing wrong (or everything fixed), 1 problems found or left, 2 config error, 3 --fix refused: a live scaler holds the session.\n\n${CONFIG_HELP}`,
            ),
        async (args) => {
          const { doctorCommand } = await import("./doctor.js");
          setExit(await doctorCommand(args));
        },
      )
      .command(
        "status",
        "Print a running scaler's state per scale set (its /status)",
        (y) =>
          y
            .option("url", {
              type: "string",
              describe: "The scaler's status port (default http://127.0.0.1:8080)",
            })
            .option("watch", { type: "boolean", default: false, describe: "Redraw every 2 s" })
            .option("json", { type: "boolean", default: false, describe: "Print /status as JSON" }),
        async (args) => {
          const { statusCommand } = await import("./status.js");
          setExit(await statusCommand(args));
        },
      )
      .command("version", "Print the version", {}, async () => {
        const { VERSION } = await import("../version.js");
        process.stdout.write(`scaleset ${VERSION}\n`);
      })
      .epilogue(CONFIG_HELP)
      .middleware(checkCommand, true)
      .check(checkRepeated, true)
      .strictCommands()
      .help()
      .alias("h", "help")
      .fail((message, error) => {
        if (error) throw error;
        // Thrown, not just printed: yargs would otherwise still run the command.
        throw new UsageError(message);
      })
      .parseAsync();
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    process.stderr.write(`error: ${error.message}\nRun 'scaleset --help' for usage.\n`);
    return USAGE_EXIT;
  }
  return exitCode;
}

/**
 * After a command returned, exit even if cloud calls that outlived the shutdown grace still hold
 * sockets or timers: otherwise the platform's SIGKILL (10 s on Cloud Run) ends the process. The
 * next process's reconciliation finishes what they left.
 */
const EXIT_LINGER_MS = 500;

main(hideBin(process.argv)).then(
  (code) => {
    process.exitCode = code;
    setTimeout(() => process.exit(code), EXIT_LINGER_MS).unref();
  },
  (error: unknown) => {
    process.stderr.write(`error: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 1;
  },
);
