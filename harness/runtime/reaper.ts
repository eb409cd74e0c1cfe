import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { rmSync } from "node:fs";
import { createRequire } from "node:module";
import { connect, createServer, type Server } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { INVOCATION_ENV, INVOCATION_LABEL, removeManaged, type CleanupReport } from "./resources.ts";

/*
 * One test run (a `vitest run`: a main process whose worker processes start the containers) labels everything it starts
 * with one invocation id, and a reaper process removes everything so labelled once the run is over. It has to be a
 * process of its own: on Ctrl-C vitest's main process exits at once without its global teardown, and its workers die
 * with the signal or when the main process is gone, some in the middle of starting a container. The reaper waits until
 * the main process is gone and every worker that joined has exited, then removes what carries this invocation's label,
 * and only that: other runs on the same Docker engine keep theirs. testcontainers' Ryuk does the same for its labels.
 */

/** The reaper's socket, in the environment of the run's workers. */
export const REAPER_ENV = "DR_DRILL_REAPER";

/** Workers that outlive the main process longer than this are not waited for (they exit when it goes: joinInvocation). */
const WORKERS_GRACE_MS = 30_000;
const POLL_MS = 250;
/** Removal rounds: one more after a round that removed something, for a container whose creation was still in flight. */
const SWEEP_ROUNDS = 5;
/** A Docker engine that stops answering does not keep the reaper forever. */
const SWEEP_BUDGET_MS = 120_000;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function newInvocationId(): string {
  return `vitest-${Date.now().toString(36)}-${randomBytes(3).toString("hex")}`;
}

/**
 * In the test run's main process: starts the reaper of a new invocation, detached (a Ctrl-C on the terminal does not
 * reach it), and puts the invocation id and the reaper's socket into the environment the workers inherit.
 */
export async function startInvocation(): Promise<string> {
  const invocation = newInvocationId();
  const socketPath = join(tmpdir(), `dr-drill-reaper-${invocation}.sock`);
  const tsx = pathToFileURL(createRequire(import.meta.url).resolve("tsx")).href;
  const entry = fileURLToPath(new URL("./reaper-process.ts", import.meta.url));
  const child = spawn(process.execPath, ["--import", tsx, entry, socketPath, invocation, String(process.pid)], {
    detached: true,
    stdio: ["ignore", "pipe", "inherit"],
  });
  const ready = await new Promise<boolean>((resolve) => {
    const timer = setTimeout(() => resolve(false), 30_000);
    child.stdout.once("data", () => (clearTimeout(timer), resolve(true)));
    child.once("exit", () => (clearTimeout(timer), resolve(false)));
  });
  child.stdout.destroy();
  child.unref();
  if (!ready) {
    child.kill();
    throw new Error(`the reaper of test run ${invocation} did not start within 30 s (node ${entry})`);
  }
  process.env[INVOCATION_ENV] = invocation;
  process.env[REAPER_ENV] = socketPath;
  return invocation;
}

let joined = false;

/**
 * In a worker: holds a connection to the reaper for the worker's life (the reaper waits for it to close), and exits
 * the worker when the main process is gone (its IPC channel closes): nothing waits for this worker's results any more,
 * and every container it would go on starting would outlive the run.
 */
export async function joinInvocation(): Promise<void> {
  const socketPath = process.env[REAPER_ENV];
  if (!socketPath || joined) return;
  joined = true;
  process.once("disconnect", () => process.exit(1));
  await new Promise<void>((resolve) => {
    const socket = connect(socketPath, () => resolve());
    socket.on("error", () => resolve()); // no reaper (it failed to start): the run goes on, unguarded
    socket.unref();
  });
}

/** The reaper process (reaper-process.ts): serves the workers' connections, then sweeps once the run is over. */
export async function runReaper(
  socketPath: string,
  invocation: string,
  parentPid: number,
  log: (line: string) => void,
): Promise<void> {
  let clients = 0;
  const server = createServer((socket) => {
    clients++;
    socket.on("error", () => undefined);
    socket.on("close", () => clients--);
    socket.resume();
  });
  await listen(server, socketPath);
  process.stdout.write("ready\n");
  let parentGoneAt: number | undefined;
  // Bounded once the main process is gone; while it lives the run is not over.
  while (parentGoneAt === undefined || (clients > 0 && Date.now() - parentGoneAt < WORKERS_GRACE_MS)) {
    await sleep(POLL_MS);
    if (parentGoneAt === undefined && process.ppid !== parentPid) parentGoneAt = Date.now();
  }
  server.close();
  rmSync(socketPath, { force: true });
  const removed = await Promise.race([
    sweep(invocation),
    sleep(SWEEP_BUDGET_MS).then(() =>
      Promise.reject(new Error(`the Docker engine did not answer within ${SWEEP_BUDGET_MS} ms`)),
    ),
  ]);
  const count = removed.containers + removed.volumes + removed.networks;
  if (count > 0)
    log(
      `[dr-drill] test run ${invocation} is over: removed what it left (${INVOCATION_LABEL}=${invocation}): ${removed.containers} container(s), ${removed.volumes} volume(s), ${removed.networks} network(s)`,
    );
}

async function sweep(invocation: string): Promise<CleanupReport> {
  const total: CleanupReport = { containers: 0, volumes: 0, networks: 0 };
  for (let round = 0; round < SWEEP_ROUNDS; round++) {
    // A removal racing another one (a worker's own cleanup) may be refused: the next round finds what is left.
    const removed = await removeManaged({ invocation }).catch(() => undefined);
    if (removed) {
      total.containers += removed.containers;
      total.volumes += removed.volumes;
      total.networks += removed.networks;
      if (removed.containers + removed.volumes + removed.networks === 0) break;
    }
    await sleep(1_000);
  }
  return total;
}

function listen(server: Server, socketPath: string): Promise<void> {
  rmSync(socketPath, { force: true });
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(socketPath, () => resolve());
  });
}
