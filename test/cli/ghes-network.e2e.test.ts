import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { createServer as createHttpServer, request as httpRequest, type Server } from "node:http";
import { createServer as createHttpsServer } from "node:https";
import { type AddressInfo, connect } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { type GitHubSim, startGitHubSim } from "../../src/sim/github/index.js";
import { configYaml, SIM_TOKEN } from "../e2e/harness.js";
import { runCli } from "./cli-process.js";

const dir = mkdtempSync(join(tmpdir(), "scaleset-ghes-"));
const closers: Array<() => Promise<void>> = [];
let sim: GitHubSim | null = null;
afterEach(async () => {
  for (const close of closers.splice(0)) await close();
  await sim?.stop();
  sim = null;
});

function listen(server: Server): Promise<number> {
  return new Promise((resolve) => {
    server.listen(0, "127.0.0.1", () => resolve((server.address() as AddressInfo).port));
    closers.push(
      () =>
        new Promise((r) => {
          server.closeAllConnections();
          server.close(() => r());
        }),
    );
  });
}

/** A forward proxy (CONNECT tunnels and absolute-form requests) that counts what it carried. */
async function startProxy(): Promise<{ url: string; seen: string[] }> {
  const seen: string[] = [];
  const server = createHttpServer((req, res) => {
    seen.push(`${req.method} ${req.url}`);
    const upstream = httpRequest(
      req.url ?? "",
      { method: req.method, headers: req.headers },
      (up) => {
        res.writeHead(up.statusCode ?? 502, up.headers);
        up.pipe(res);
      },
    );
    req.pipe(upstream);
  });
  server.on("connect", (req, socket, head) => {
    seen.push(`CONNECT ${req.url}`);
    const [host, port] = (req.url ?? "").split(":");
    const upstream = connect(Number(port), host, () => {
      socket.write("HTTP/1.1 200 Connection Established\r\n\r\n");
      upstream.write(head);
      upstream.pipe(socket);
      socket.pipe(upstream);
    });
    upstream.on("error", () => socket.destroy());
    socket.on("error", () => upstream.destroy());
  });
  return { url: `http://127.0.0.1:${await listen(server)}`, seen };
}

describe("GHES networking", () => {
  it("sends GitHub traffic through HTTPS_PROXY/HTTP_PROXY, and not for NO_PROXY hosts", async () => {
    sim = await startGitHubSim({ pat: SIM_TOKEN });
    const proxy = await startProxy();
    const path = join(dir, "proxy.yaml");
    writeFileSync(path, configYaml(sim.configUrl()));
    const env = { GITHUB_TOKEN: SIM_TOKEN, HTTP_PROXY: proxy.url, HTTPS_PROXY: proxy.url };
    const viaProxy = await runCli(["validate", "--config", path], env);
    expect(viaProxy.code).toBe(0);
    expect(proxy.seen.length).toBeGreaterThan(0);
    expect(proxy.seen.join("\n")).toContain(new URL(sim.url).host);
    const before = proxy.seen.length;
    const direct = await runCli(["validate", "--config", path], { ...env, NO_PROXY: "127.0.0.1" });
    expect(direct.code).toBe(0);
    expect(proxy.seen.length).toBe(before);
  });

  it("trusts a GHES server signed by a private CA given in NODE_EXTRA_CA_CERTS", async () => {
    sim = await startGitHubSim({ pat: SIM_TOKEN });
    const key = join(dir, "key.pem");
    const cert = join(dir, "cert.pem");
    execFileSync(
      "openssl",
      [
        "req",
        "-x509",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-keyout",
        key,
        "-out",
        cert,
        "-days",
        "1",
        "-subj",
        "/CN=scaleset-test-ca",
        "-addext",
        "subjectAltName=IP:127.0.0.1,DNS:localhost",
      ],
      { stdio: "ignore" },
    );
    // A TLS front for the simulator, like a GHES appliance with a company certificate.
    const target = new URL(sim.url);
    const tls = createHttpsServer(
      { key: readFileSync(key), cert: readFileSync(cert) },
      (req, res) => {
        const upstream = httpRequest(
          {
            host: target.hostname,
            port: target.port,
            path: req.url,
            method: req.method,
            headers: req.headers,
          },
          (up) => {
            res.writeHead(up.statusCode ?? 502, up.headers);
            up.pipe(res);
          },
        );
        req.pipe(upstream);
      },
    );
    const port = await listen(tls as unknown as Server);
    const path = join(dir, "tls.yaml");
    writeFileSync(path, configYaml(`https://127.0.0.1:${port}/my-org`));
    const untrusted = await runCli(["validate", "--config", path], { GITHUB_TOKEN: SIM_TOKEN });
    expect(untrusted.code).toBe(1);
    expect(untrusted.stderr).toMatch(/certificate/i);
    const trusted = await runCli(["validate", "--config", path], {
      GITHUB_TOKEN: SIM_TOKEN,
      NODE_EXTRA_CA_CERTS: cert,
    });
    expect(trusted.stderr).toBe("");
    expect(trusted.code).toBe(0);
  });
});
