#!/usr/bin/env node
/**
 * The `scaleset` command. Only yargs loads up front; each command imports what it needs, so
 * `scaleset version` and `--help` stay instant and no cloud SDK loads unless the config uses it.
 */
import yargs from "yargs";
import { hideBin } from "yargs/helpers";
import { DEMO_ENGINES, type DemoEngine } from "./demo-engines.js";

const CONFIG_HELP =
  "Any config field can be set with a dotted flag, e.g. --github.url URL, --scalesets.0.max_runners 5, " +
  "--logging.level debug. Secrets come from env:NAME / file:PATH values or GITHUB_TOKEN / GITHUB_APP_* variables, " +
  "never from flags.";

const CONFIG_OPTION = {
  alias: "c",
  type: "string",
  describe: "Path to config.yaml",
  demandOption: true,
} as const;

export async function main(argv: string[]): Promise<number> {
  let exitCode = 0;
  const setExit = (code: number) => {
    exitCode = code;
  };
  await yargs(argv)
    .scriptName("scaleset")
    .usage("$0 [command] [options]")
    .command(
      ["run", "$0"],
      "Run the autoscaler with a config file",
      (y) => y.option("config", CONFIG_OPTION),
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
      "Check the config and the GitHub credentials without creating anything",
      (y) => y.option("config", CONFIG_OPTION),
      async (args) => {
        const { validateCommand } = await import("./validate.js");
        setExit(await validateCommand(args));
      },
    )
    .command("version", "Print the version", {}, async () => {
      const { VERSION } = await import("../version.js");
      process.stdout.write(`scaleset ${VERSION}\n`);
    })
    .epilogue(CONFIG_HELP)
    .strictCommands()
    .help()
    .alias("h", "help")
    .fail((message, error) => {
      if (error) throw error;
      process.stderr.write(`error: ${message}\nRun 'scaleset --help' for usage.\n`);
      setExit(2);
    })
    .parseAsync();
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
