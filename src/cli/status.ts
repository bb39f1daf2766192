import { formatAge, renderStatus } from "./status-render.js";

export interface StatusArgs {
  url?: string;
  watch?: boolean;
  json?: boolean;
}

export const DEFAULT_STATUS_URL = "http://127.0.0.1:8080";
const REQUEST_TIMEOUT_MS = 5_000;
const WATCH_INTERVAL_MS = 2_000;

/** The /status document of a running scaler; one clear error when it cannot be had. */
export async function fetchStatus(base: string): Promise<unknown> {
  let url: URL;
  try {
    url = new URL("/status", base);
  } catch {
    throw new Error(`--url is not a URL — give e.g. ${DEFAULT_STATUS_URL}`);
  }
  let res: Response;
  try {
    res = await fetch(url, { signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS) });
  } catch (error) {
    // fetch says only "fetch failed": the reason (ECONNREFUSED, a timeout, "bad port") is its cause.
    const inner =
      error instanceof Error ? (error.cause as { code?: string; message?: string }) : {};
    const cause = inner?.code ?? inner?.message ?? (error instanceof Error ? error.name : "");
    throw new Error(
      `no scaler answers at ${url.origin} (${cause || "unreachable"}) — is it running, and is --url its status port?`,
    );
  }
  if (!res.ok)
    throw new Error(
      `${url.origin}/status answered ${res.status} — is --url a scaleset status port?`,
    );
  try {
    return await res.json();
  } catch {
    throw new Error(`${url.origin}/status did not answer JSON — is --url a scaleset status port?`);
  }
}

/**
 * `scaleset status`: prints a running scaler's state per scale set; `--watch` redraws every 2 s
 * (until Ctrl-C), `--json` prints /status as it is. Exit 1 when the scaler cannot be reached.
 */
export async function statusCommand(
  args: StatusArgs,
  out: NodeJS.WritableStream & { isTTY?: boolean } = process.stdout,
  signal?: AbortSignal,
): Promise<number> {
  const base = args.url ?? DEFAULT_STATUS_URL;
  const once = async (): Promise<boolean> => {
    try {
      const status = await fetchStatus(base);
      const body = args.json
        ? `${JSON.stringify(status, null, 2)}\n`
        : renderStatus(status, Date.now());
      // Redraw in place in a terminal; append with a time stamp elsewhere (a log, a pipe).
      if (args.watch && out.isTTY) out.write("\x1b[2J\x1b[H");
      else if (args.watch) out.write(`--- ${new Date().toISOString()}\n`);
      out.write(body);
      return true;
    } catch (error) {
      process.stderr.write(`scaleset status: ${(error as Error).message}\n`);
      return false;
    }
  };
  if (!args.watch) return (await once()) ? 0 : 1;
  const stop = signal ?? abortOnInterrupt();
  let lastOk = Date.now();
  while (!stop.aborted) {
    if (await once()) lastOk = Date.now();
    else
      process.stderr.write(`(last answer ${formatAge(Date.now() - lastOk)} ago; still watching)\n`);
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, WATCH_INTERVAL_MS);
      stop.addEventListener(
        "abort",
        () => {
          clearTimeout(timer);
          resolve();
        },
        { once: true },
      );
    });
  }
  return 0;
}

function abortOnInterrupt(): AbortSignal {
  const controller = new AbortController();
  for (const name of ["SIGINT", "SIGTERM"] as const) process.once(name, () => controller.abort());
  return controller.signal;
}
