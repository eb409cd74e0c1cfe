import { spawn } from "node:child_process";
import { once } from "node:events";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { fileURLToPath } from "node:url";
import { main } from "../../cli/main.ts";

export const REPO = fileURLToPath(new URL("../..", import.meta.url));

/** Runs `bin/dr-drill.js` as a user would, in a child process, without the caller's dr-drill variables. */
export async function drDrill(
  args: string[],
  opts: { cwd?: string; env?: NodeJS.ProcessEnv } = {},
): Promise<{ code: number; stderr: string }> {
  const env = Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith("DR_DRILL_")));
  const child = spawn(process.execPath, [`${REPO}/bin/dr-drill.js`, ...args], {
    cwd: opts.cwd ?? REPO,
    env: { ...env, ...opts.env },
    stdio: ["ignore", "ignore", "pipe"],
  });
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

/** Runs the command line in this process: its exit code and what it printed on stdout and stderr. */
export async function mainOf(argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const out: string[] = [];
  const errors: string[] = [];
  const { log, error } = console;
  const write = process.stdout.write;
  console.log = (text: string) => out.push(`${text}\n`);
  console.error = (text: string) => errors.push(text);
  // Help goes straight to stdout (commander writes it).
  process.stdout.write = (chunk: string | Uint8Array) => out.push(String(chunk)) > 0;
  try {
    return { code: await main(argv), stdout: out.join(""), stderr: errors.join("\n") };
  } finally {
    Object.assign(console, { log, error });
    process.stdout.write = write;
  }
}
