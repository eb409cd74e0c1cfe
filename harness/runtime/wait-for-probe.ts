import type Dockerode from "dockerode";
import type { WaitStrategy } from "testcontainers";

/** The container stopped while we waited for it: the engine refused to start. Carries its exit code and last log lines. */
export class ContainerExitedError extends Error {
  constructor(
    readonly exitCode: number,
    readonly logTail: string,
    options?: ErrorOptions,
  ) {
    super(`container exited with code ${exitCode} before it was ready; last log lines:\n${logTail}`, options);
  }
}

/** The ContainerExitedError behind an error, however deep a library wrapped it (`cause` chain). */
export function exitedCause(err: unknown): ContainerExitedError | undefined {
  for (let e = err; e; e = (e as { cause?: unknown }).cause) if (e instanceof ContainerExitedError) return e;
  return undefined;
}

/**
 * The engine's own exit behind a failed start, returned: the one start failure that is the engine refusing. Anything
 * else (a readiness probe that timed out while the engine still runs on a busy machine, a Docker error) is thrown
 * again, so the drill is undecided instead of crediting the engine with a refusal it never made.
 */
export function exitOrRethrow(err: unknown): ContainerExitedError {
  const exited = exitedCause(err);
  if (!exited) throw err;
  return exited;
}

export async function logTail(container: Dockerode.Container, lines = 40): Promise<string> {
  const buf = (await container.logs({ stdout: true, stderr: true, tail: lines, follow: false })) as unknown as Buffer;
  return demux(buf);
}

/** Docker multiplexes stdout/stderr with 8-byte frame headers when there is no TTY. */
function demux(buf: Buffer): string {
  let out = "";
  let i = 0;
  while (i + 8 <= buf.length) {
    const len = buf.readUInt32BE(i + 4);
    out += buf.subarray(i + 8, i + 8 + len).toString();
    i += 8 + len;
  }
  return out.trimEnd();
}

/**
 * Runs `attempt` (a command in the container); when it fails and the container is no longer running, the engine
 * exited meanwhile (Docker then answers "container is not running"): that exit is thrown, with its code and log.
 * Any other failure is thrown as it is.
 */
export async function exitedDuring<T>(container: { inspect(): Promise<{ State: { Running: boolean; ExitCode: number } }> }, tail: () => Promise<string>, attempt: () => Promise<T>): Promise<T> {
  try {
    return await attempt();
  } catch (err) {
    const { State } = await container.inspect();
    if (State.Running) throw err;
    throw new ContainerExitedError(State.ExitCode, await tail(), { cause: err });
  }
}

/**
 * Waits until a command succeeds inside the container, and fails at once (not at the time-out) when the container
 * exits, with its exit code and log tail: a restore the engine refuses must say so quickly and clearly.
 */
export class ProbeWaitStrategy implements WaitStrategy {
  private startupTimeoutMs = 120_000;
  private timeoutSet = false;

  constructor(private readonly probe: string[]) {}

  withStartupTimeout(ms: number): this {
    this.startupTimeoutMs = ms;
    this.timeoutSet = true;
    return this;
  }

  isStartupTimeoutSet(): boolean {
    return this.timeoutSet;
  }

  getStartupTimeout(): number {
    return this.startupTimeoutMs;
  }

  async waitUntilReady(container: Dockerode.Container): Promise<void> {
    const deadline = Date.now() + this.startupTimeoutMs;
    while (Date.now() < deadline) {
      const state = (await container.inspect()).State;
      if (!state.Running) throw new ContainerExitedError(state.ExitCode, await logTail(container));
      const probed = await exitedDuring(container, () => logTail(container), async () => {
        const exec = await container.exec({ Cmd: this.probe, AttachStdout: true, AttachStderr: true });
        const stream = await exec.start({});
        await new Promise((resolve) => {
          stream.on("end", resolve);
          stream.on("error", resolve);
          stream.resume();
        });
        return (await exec.inspect()).ExitCode;
      });
      if (probed === 0) return;
      await new Promise((r) => setTimeout(r, 250));
    }
    throw new Error(`probe ${this.probe.join(" ")} did not succeed within ${this.startupTimeoutMs} ms; last log lines:\n${await logTail(container)}`);
  }
}

/**
 * Waits, bounded, until a container has stopped (an engine told to shut down, whose main process is PID 1), and
 * returns its exit code. A tool that asked for the stop inside the container is killed with it, so its own exit code
 * says nothing; the container's does.
 */
export async function waitForExit(container: { inspect(): Promise<{ State: { Running: boolean; ExitCode: number } }> }, timeoutMs: number): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const state = (await container.inspect()).State;
    if (!state.Running) return state.ExitCode;
    if (Date.now() > deadline) throw new Error(`the container did not stop within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 200));
  }
}
