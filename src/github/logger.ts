/** The logging surface the GitHub client needs (pino-compatible); never receives secrets. */
export interface GitHubLogger {
  debug(obj: object, msg?: string): void;
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

const noop = () => {};

export const silentLogger: GitHubLogger = { debug: noop, info: noop, warn: noop, error: noop };
