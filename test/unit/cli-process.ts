import { spawn } from "node:child_process";
import { once } from "node:events";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { fileURLToPath } from "node:url";

export const REPO = fileURLToPath(new URL("../..", import.meta.url));

/** Runs `bin/dr-drill.js` as a user would, in a child process, without the caller's dr-drill variables. */
export async function drDrill(args: string[], opts: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): Promise<{ code: number; stderr: string }> {
  const env = Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith("DR_DRILL_")));
  const child = spawn(process.execPath, [`${REPO}/bin/dr-drill.js`, ...args], { cwd: opts.cwd ?? REPO, env: { ...env, ...opts.env }, stdio: ["ignore", "ignore", "pipe"] });
  let stderr = "";
  child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
  const [code] = (await once(child, "exit")) as [number];
  return { code, stderr };
}

/** A stand-in Docker endpoint (for DOCKER_HOST) that records every request: a test can show Docker was never asked. */
export async function fakeDocker(): Promise<{ host: string; requests: string[]; close: () => void }> {
  const requests: string[] = [];
  const server = createServer((req, res) => {
    requests.push(`${req.method} ${req.url}`);
    res.end("OK");
  });
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  return { host: `tcp://127.0.0.1:${(server.address() as AddressInfo).port}`, requests, close: () => server.close() };
}
