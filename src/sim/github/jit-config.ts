import { randomBytes } from "node:crypto";
import { isRecord } from "./jwt.js";

/**
 * The JIT config format of the real runner: base64 of a JSON object mapping runner config file
 * names to base64 file contents. The runner writes those files and starts without config.sh.
 */

/** Contents of the `.runner` file (the fields the fake and the simulated runner use). */
export interface RunnerFile {
  agentId: number;
  agentName: string;
  poolId: number;
  poolName: string;
  serverUrl: string;
  gitHubUrl: string;
  workFolder: string;
  ephemeral: boolean;
  disableUpdate: boolean;
}

/** Contents of the `.credentials` file; `clientSecret` is what proves the runner's identity here. */
export interface CredentialsFile {
  scheme: "OAuth";
  data: { clientId: string; clientSecret: string; authorizationUrl: string };
}

export interface DecodedJitConfig {
  runner: RunnerFile;
  credentials: CredentialsFile | undefined;
}

const b64json = (value: unknown): string =>
  Buffer.from(JSON.stringify(value), "utf8").toString("base64");

export function encodeJitConfig(runner: RunnerFile, credentials: CredentialsFile): string {
  // Stand-in for the RSA key the real runner signs its OAuth assertions with; never checked.
  const rsaParams = {
    exponent: "AQAB",
    modulus: randomBytes(64).toString("base64"),
  };
  const files = {
    ".runner": b64json(runner),
    ".credentials": b64json(credentials),
    ".credentials_rsaparams": b64json(rsaParams),
  };
  return b64json(files);
}

function decodeFile(files: Record<string, unknown>, name: string): unknown {
  const raw = files[name];
  if (typeof raw !== "string") return undefined;
  return JSON.parse(Buffer.from(raw, "base64").toString("utf8")) as unknown;
}

/** Decodes a JIT config; null when it is not in the expected format. Never throws. */
export function decodeJitConfig(encoded: string): DecodedJitConfig | null {
  try {
    const files: unknown = JSON.parse(Buffer.from(encoded, "base64").toString("utf8"));
    if (!isRecord(files)) return null;
    const runner = decodeFile(files, ".runner");
    if (
      !isRecord(runner) ||
      typeof runner.agentId !== "number" ||
      typeof runner.agentName !== "string" ||
      typeof runner.serverUrl !== "string"
    ) {
      return null;
    }
    const credentials = decodeFile(files, ".credentials");
    const validCredentials =
      isRecord(credentials) &&
      isRecord(credentials.data) &&
      typeof credentials.data.clientId === "string" &&
      typeof credentials.data.clientSecret === "string";
    return {
      runner: runner as unknown as RunnerFile,
      credentials: validCredentials ? (credentials as unknown as CredentialsFile) : undefined,
    };
  } catch {
    return null;
  }
}
