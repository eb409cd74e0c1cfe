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

/**
 * Docker saying the container is not running any more, in any of its forms: "container stopped/paused" (409) or
 * "container not running" (500, "… is not running: Exited (3) Less than a second ago", both seen on an exec started
 * on it), "Container … is not running" / "is paused" / "is restarting" (an exec created on it), "no such container"
 * (404, it is gone). Only with such an answer is the container's own state worth asking for; that state decides.
 */
export function stoppedByDocker(err: unknown): boolean {
  return (
    err instanceof Error &&
    /container stopped\/paused|container not running|is not running|is paused|is restarting|no such container|container .* is dead/i.test(
      err.message,
    )
  );
}

/** The part of a container a wait needs: its state, its log, an exec in it. */
export interface WatchedContainer {
  /** `Status` is Docker's: "exited" for a process that ended by itself, "removing" or "dead" for one removed under us. */
  inspect(): Promise<{ State: { Running: boolean; ExitCode: number; Status: string } }>;
  logs(opts: { stdout: true; stderr: true; tail: number; follow: false }): Promise<Buffer>;
}

/**
 * The engine's own exit, when the container's state says its process ended by itself ("exited") and its log can be
 * read; undefined for a container still running, or removed, killed away or paused by someone else: no answer of the
 * engine. A failed look at the state or the log throws.
 */
export async function ownExit(container: WatchedContainer, cause?: unknown): Promise<ContainerExitedError | undefined> {
  const { State } = await container.inspect();
  return exitedByItself(State)
    ? new ContainerExitedError(State.ExitCode, await logTail(container), cause === undefined ? undefined : { cause })
    : undefined;
}

const exitedByItself = (state: { Running: boolean; Status: string }) => !state.Running && state.Status === "exited";

export async function logTail(container: WatchedContainer, lines = 40): Promise<string> {
  return demux(await container.logs({ stdout: true, stderr: true, tail: lines, follow: false }));
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

/** A container a probe runs in. */
export interface ProbedContainer extends WatchedContainer {
  exec(opts: { Cmd: string[]; AttachStdout: true; AttachStderr: true }): Promise<{
    start(opts: object): Promise<{ on(event: "end" | "error", listener: () => void): unknown; resume(): unknown }>;
    inspect(): Promise<{ ExitCode: number | null }>;
  }>;
}

/**
 * Runs `attempt` (a command in the container, or a look at it). When it fails with Docker saying the container is not
 * running, and the container's own state says it exited by itself, the engine exited meanwhile (a race: it exited
 * between our look at it and our exec): that exit is thrown, with its code and log, the error as its cause. Anything
 * else (another error, a container still running, removed or killed under us, a log that cannot be read) is thrown
 * as it was: the drill is undecided.
 */
export async function exitedDuring<T>(container: WatchedContainer, attempt: () => Promise<T>): Promise<T> {
  try {
    return await attempt();
  } catch (err) {
    if (!stoppedByDocker(err)) throw err;
    throw (await ownExit(container, err).catch(() => undefined)) ?? err;
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

  async waitUntilReady(container: ProbedContainer): Promise<void> {
    const deadline = Date.now() + this.startupTimeoutMs;
    while (Date.now() < deadline) {
      const ready = await exitedDuring(container, () => this.probeOnce(container));
      if (ready) return;
      await new Promise((r) => setTimeout(r, 250));
    }
    throw new Error(
      `probe ${this.probe.join(" ")} did not succeed within ${this.startupTimeoutMs} ms; last log lines:\n${await logTail(container)}`,
    );
  }

  /** One look: the container's state (an exit is thrown at once), then the probe run in it. */
  private async probeOnce(container: ProbedContainer): Promise<boolean> {
    const { State } = await container.inspect();
    if (exitedByItself(State)) throw new ContainerExitedError(State.ExitCode, await logTail(container));
    if (!State.Running)
      throw new Error(
        `the container is ${State.Status} (exit code ${State.ExitCode}), not running: it did not exit by itself`,
      );
    const exec = await container.exec({ Cmd: this.probe, AttachStdout: true, AttachStderr: true });
    const stream = await exec.start({});
    await new Promise<void>((resolve) => {
      stream.on("end", () => resolve());
      stream.on("error", () => resolve());
      stream.resume();
    });
    return (await exec.inspect()).ExitCode === 0;
  }
}

/**
 * Waits, bounded, until a container has stopped (an engine told to shut down, whose main process is PID 1), and
 * returns its exit code. A tool that asked for the stop inside the container is killed with it, so its own exit code
 * says nothing; the container's does.
 */
export async function waitForExit(
  container: { inspect(): Promise<{ State: { Running: boolean; ExitCode: number } }> },
  timeoutMs: number,
): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const state = (await container.inspect()).State;
    if (!state.Running) return state.ExitCode;
    if (Date.now() > deadline) throw new Error(`the container did not stop within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 200));
  }
}
