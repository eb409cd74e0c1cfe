import { describe, expect, it } from "vitest";
import {
  ContainerExitedError,
  ProbeWaitStrategy,
  exitOrRethrow,
  exitedDuring,
  stoppedByDocker,
  type ProbedContainer,
} from "../../harness/runtime/wait-for-probe.ts";

/**
 * Defect 11: an engine that exits at once can exit between our look at it (running) and the probe's exec, and Docker
 * then answers the exec with a 409 instead of us seeing the exit. That answer must become the exit, with its code
 * and log, as the container's own state tells it; it must never become a refusal without that state.
 */

/** An error as dockerode builds it from Docker's answer (docker-modem buildPayload). */
function dockerSaid(statusCode: number, reason: string, message: string): Error {
  return Object.assign(new Error(`(HTTP code ${statusCode}) ${reason} - ${message} `), {
    statusCode,
    reason,
    json: { message },
  });
}
const execStartedOnStopped = () => dockerSaid(409, "container stopped/paused", "Container 6f1c0 is not running");
/** The same race as a drill met it: Docker answering the exec's start with a 500. */
const execStartedOnExited = () =>
  dockerSaid(500, "container not running", "Container 4e99f09c0e7f is not running: Exited (3) Less than a second ago");
const execCreatedOnStopped = () => dockerSaid(409, "container stopped/paused", "container 6f1c0 is not running");
const gone = () => dockerSaid(404, "no such container", "No such container: 6f1c0");
const serverError = () => dockerSaid(500, "server error", "OCI runtime exec failed");

/** Docker's log stream without a TTY: an 8-byte frame header per chunk. */
function framed(text: string): Buffer {
  const body = Buffer.from(text);
  const header = Buffer.alloc(8);
  header[0] = 1;
  header.writeUInt32BE(body.length, 4);
  return Buffer.concat([header, body]);
}

interface Script {
  /** What each inspect answers in turn (the last one repeats); an Error is thrown. */
  states: ({ Running: boolean; ExitCode: number; Status: string } | Error)[];
  /** Thrown by the exec create, or by the exec start. */
  execCreate?: Error;
  execStart?: Error;
}

/** A container that answers as scripted, counting the inspects. */
function scripted(script: Script): ProbedContainer & { inspects: number } {
  const container = {
    inspects: 0,
    async inspect() {
      const answer = script.states[Math.min(container.inspects++, script.states.length - 1)]!;
      if (answer instanceof Error) throw answer;
      return { State: answer };
    },
    logs: async () => framed("Error: could not open database.\n"),
    async exec() {
      if (script.execCreate) throw script.execCreate;
      return {
        start: async () => {
          if (script.execStart) throw script.execStart;
          return { on: (_event: string, listener: () => void) => setImmediate(listener), resume: () => undefined };
        },
        inspect: async () => ({ ExitCode: 1 }),
      };
    },
  };
  return container;
}

const running = { Running: true, ExitCode: 0, Status: "running" };
const exited3 = { Running: false, ExitCode: 3, Status: "exited" };
/** Killed by a removal someone else asked for: no answer of the engine. */
const removed = { Running: false, ExitCode: 137, Status: "removing" };
const wait = (container: ProbedContainer) =>
  new ProbeWaitStrategy(["pg_isready"]).withStartupTimeout(5_000).waitUntilReady(container);

describe("an engine that exits while the probe starts: Docker's 409 is the exit (defect 11)", () => {
  it("every form of 'not running' Docker gives is recognised; other errors are not", () => {
    for (const err of [
      execStartedOnStopped(),
      execStartedOnExited(),
      execCreatedOnStopped(),
      gone(),
      dockerSaid(409, "container stopped/paused", "Container 6f1c0 is paused, unpause the container before exec"),
      dockerSaid(409, "container stopped/paused", "Container 6f1c0 is restarting, wait until the container is running"),
      new Error("(HTTP code 409) container stopped/paused - "),
    ]) {
      expect(stoppedByDocker(err), err.message).toBe(true);
    }
    for (const err of [
      serverError(),
      new Error("probe pg_isready did not succeed within 120000 ms"),
      dockerSaid(500, "server error", "OCI runtime create failed: unable to start container process"),
      "container is not running",
    ]) {
      expect(stoppedByDocker(err), String(err)).toBe(false);
    }
  });

  it("a 409 on the exec's start, then a stopped container: thrown as its exit, with its code and log", async () => {
    const err = await wait(scripted({ states: [running, exited3], execStart: execStartedOnStopped() })).catch(
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(ContainerExitedError);
    expect(err).toMatchObject({ exitCode: 3, logTail: "Error: could not open database." });
  });

  it("a 500 'container not running' on the exec's start (as a drill met it), then a stopped container: the same", async () => {
    const err = await wait(scripted({ states: [running, exited3], execStart: execStartedOnExited() })).catch(
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(ContainerExitedError);
    expect(err).toMatchObject({ exitCode: 3, logTail: "Error: could not open database." });
  });

  it("a 409 on the exec's creation, then a stopped container: the same", async () => {
    const err = await wait(scripted({ states: [running, exited3], execCreate: execCreatedOnStopped() })).catch(
      (e: unknown) => e,
    );
    expect(err).toMatchObject({ exitCode: 3, logTail: "Error: could not open database." });
    expect(err).toBeInstanceOf(ContainerExitedError);
  });

  it("a container gone altogether (its state cannot be read) is thrown as Docker said it, never as an exit", async () => {
    const said = gone();
    await expect(wait(scripted({ states: [running, gone()], execCreate: said }))).rejects.toBe(said);
  });

  it("a container removed under us (exit 137, 'removing') is no exit of the engine: Docker's error is thrown as it is", async () => {
    const said = execStartedOnStopped();
    await expect(wait(scripted({ states: [running, removed], execStart: said }))).rejects.toBe(said);
    await expect(wait(scripted({ states: [removed] }))).rejects.toThrow(
      "the container is removing (exit code 137), not running: it did not exit by itself",
    );
  });

  it("an exit whose log cannot be read is not claimed: Docker's error is thrown as it is", async () => {
    const said = execStartedOnStopped();
    const container = {
      ...scripted({ states: [running, exited3], execStart: said }),
      logs: () => Promise.reject(gone()),
    };
    await expect(wait(container)).rejects.toBe(said);
  });

  it("a 409 while the container still runs (paused) is thrown as it is", async () => {
    const said = execStartedOnStopped();
    await expect(wait(scripted({ states: [running, running], execStart: said }))).rejects.toBe(said);
  });

  it("another Docker error is thrown as it is, without asking for the container's state", async () => {
    const said = serverError();
    const container = scripted({ states: [running, exited3], execStart: said });
    await expect(exitedDuring(container, () => Promise.reject(said))).rejects.toBe(said);
    await expect(wait(container)).rejects.toBe(said);
    expect(container.inspects).toBe(1);
  });
});

/**
 * The one way to say "the container exited while we waited", for the readiness probe and for any command an engine runs
 * on a started container (Mosquitto's look at its files after it listened): the same rules as the probe above.
 */
describe("exitedDuring: a command that fails because the engine exited throws that exit, nothing else does", () => {
  const failing = (err: Error) => () => Promise.reject(err);

  it("Docker's 'not running' and a container that exited by itself: the exit, with its code, log and Docker's error", async () => {
    const said = execStartedOnExited();
    const err = await exitedDuring(scripted({ states: [exited3] }), failing(said)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ContainerExitedError);
    expect(err).toMatchObject({ exitCode: 3, logTail: "Error: could not open database.", cause: said });
    expect(exitOrRethrow(err).exitCode).toBe(3);
  });

  it("a container removed or killed under us, or still running, or gone: Docker's error as it was", async () => {
    const said = execStartedOnStopped();
    for (const states of [[removed], [running], [gone()]])
      await expect(exitedDuring(scripted({ states }), failing(said))).rejects.toBe(said);
  });

  it("another error is thrown as it is without asking for the state; a success is returned", async () => {
    const container = scripted({ states: [exited3] });
    const said = serverError();
    await expect(exitedDuring(container, failing(said))).rejects.toBe(said);
    expect(container.inspects).toBe(0);
    await expect(exitedDuring(container, async () => 7)).resolves.toBe(7);
  });
});
