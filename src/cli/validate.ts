import { ActionsClient } from "../github/index.js";
import { loadCommandConfig } from "./bootstrap.js";

/**
 * Checks the config, then the credentials (the whole auth chain) and that each scale set's
 * runner group exists. Reads only: nothing is created on GitHub or in the cloud.
 */
export async function validateCommand(args: Record<string, unknown>): Promise<number> {
  const loaded = await loadCommandConfig(args);
  if (typeof loaded === "number") return loaded;
  const { config, notices } = loaded;
  const out = (line: string) => process.stdout.write(`${line}\n`);
  out(`config: ok (${config.scalesets.length} scale set(s))`);
  for (const notice of notices) {
    const detail = Object.entries(notice.fields).map(([k, v]) => `${k}=${JSON.stringify(v)}`);
    process.stderr.write(`${notice.level}: ${notice.message} (${detail.join(" ")})\n`);
  }
  const client = new ActionsClient({
    configUrl: config.github.url,
    credentials: config.github.credentials,
    retry: { maxRetries: 1 },
  });
  try {
    await client.validateCredentials();
    out(`github: credentials ok for ${config.github.url} (${config.github.credentials.type})`);
    for (const scaleSet of config.scalesets) {
      const group = await client.getRunnerGroupByName(scaleSet.runnerGroup);
      const existing = await client.getScaleSetByName(group.id, scaleSet.name);
      out(
        `scale set ${scaleSet.name}: runner group "${group.name}" (id ${group.id}) ok; ` +
          (existing ? `exists (id ${existing.id})` : "will be created on first run"),
      );
    }
    return 0;
  } catch (error) {
    process.stderr.write(`github: ${error instanceof Error ? error.message : String(error)}\n`);
    return 1;
  } finally {
    await client.close();
  }
}
