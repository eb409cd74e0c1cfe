import { describe, it, expect } from "vitest";
import { spawn } from "node:child_process";
import { once } from "node:events";
import { randomBytes } from "node:crypto";
import { setTimeout as sleep } from "node:timers/promises";
import { docker } from "../../harness/runtime/docker.ts";
import {
  INVOCATION_LABEL,
  createVolume,
  removeManaged,
  removeVolume,
  runLabels,
} from "../../harness/runtime/resources.ts";

/** The shortest real drill: a Mosquitto broker is up within seconds of the child's start. */
const CHILD_DRILL = "engines/mosquitto/drills/clean.drill.ts";

async function left(label: string): Promise<{ containers: number; volumes: number; networks: number }> {
  const filters = JSON.stringify({ label: [label] });
  const d = docker();
  const [containers, { Volumes }, networks] = await Promise.all([
    d.listContainers({ all: true, filters }),
    d.listVolumes({ filters }),
    d.listNetworks({ filters }),
  ]);
  return { containers: containers.length, volumes: (Volumes ?? []).length, networks: networks.length };
}

/** Polls `probe` until it answers, the child exits, or `timeoutMs` passes. */
async function until<T>(
  what: string,
  timeoutMs: number,
  exited: () => boolean,
  output: () => string,
  probe: () => Promise<T | undefined>,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const found = await probe();
    if (found !== undefined) return found;
    if (exited()) throw new Error(`the child exited before ${what}:\n${output()}`);
    if (Date.now() > deadline) throw new Error(`no ${what} within ${timeoutMs} ms:\n${output()}`);
    await sleep(500);
  }
}

function within<T>(what: string, promise: Promise<T>, timeoutMs: number): Promise<T> {
  return Promise.race([
    promise,
    sleep(timeoutMs).then(() => Promise.reject(new Error(`${what} took more than ${timeoutMs} ms`))),
  ]);
}

describe("runtime: an interrupted test run leaves nothing", () => {
  it("Ctrl-C on `npx vitest run` of a drill: the run exits and everything it started is removed, nothing of other runs", async () => {
    // Its own process group, which the SIGINT goes to as a terminal's Ctrl-C does: npx, vitest and its workers. The
    // environment of this run's own workers stays here: the child's global setup makes its own invocation.
    const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith("VITEST")));
    const child = spawn("npx", ["vitest", "run", "--project", "drills", CHILD_DRILL], {
      detached: true,
      stdio: ["ignore", "pipe", "pipe"],
      env,
    });
    const group = child.pid;
    if (group === undefined) throw new Error("npx did not start");
    let output = "";
    child.stdout.on("data", (d: Buffer) => (output += d.toString()));
    child.stderr.on("data", (d: Buffer) => (output += d.toString()));
    const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
      child.once("exit", (code, signal) => resolve({ code, signal })),
    );
    // The pipes close once every process holding them is gone: vitest, its workers, and the reaper they inherited them from.
    const pipesClosed = Promise.all([once(child.stdout, "close"), once(child.stderr, "close")]);
    const exited = () => child.exitCode !== null || child.signalCode !== null;
    // Another run's volume on the same Docker engine, as concurrent runs leave them: it must survive.
    const other = `dr-drill-other-run-${randomBytes(4).toString("hex")}`;
    await createVolume(other, { ...runLabels(other, other), [INVOCATION_LABEL]: other });
    let invocation: string | undefined;
    try {
      invocation = await until(
        "its invocation label",
        180_000,
        exited,
        () => output,
        async () => output.match(/labelled dr-drill\.invocation=(\S+);/)?.[1],
      );
      const label = `${INVOCATION_LABEL}=${invocation}`;
      await until(
        "a running container of its run",
        300_000,
        exited,
        () => output,
        async () =>
          (await docker().listContainers({ filters: JSON.stringify({ label: [label] }) })).length > 0
            ? true
            : undefined,
      );
      const signalled = Date.now();
      process.kill(-group, "SIGINT");
      const { code, signal } = await within("the child's exit", exit, 30_000);
      const exitMs = Date.now() - signalled;
      await within("the reaper's end", pipesClosed, 60_000);
      const goneMs = Date.now() - signalled;
      expect(code === 0 && signal === null, output).toBe(false);
      expect(await left(label), output).toEqual({ containers: 0, volumes: 0, networks: 0 });
      expect(await left(`${INVOCATION_LABEL}=${other}`)).toEqual({ containers: 0, volumes: 1, networks: 0 });
      console.log(
        `Ctrl-C on vitest: exited ${code ?? signal} after ${exitMs} ms; everything labelled ${label} gone after ${goneMs} ms`,
      );
    } finally {
      if (!exited()) process.kill(-group, "SIGKILL");
      // Only this child's run, whatever happened: other runs on this Docker engine keep theirs.
      if (invocation)
        await removeManaged({ invocation }).catch((e: Error) => console.log(`cleanup after the test: ${e.message}`));
      await removeVolume(other);
    }
  });
});
