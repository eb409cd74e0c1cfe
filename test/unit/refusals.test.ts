import { describe, expect, it } from "vitest";
import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import * as esdb from "@eventstore/db-client";
import * as kurrent from "@kurrent/kurrentdb-client";
import { ownExit } from "../../engines/eventstore/container.ts";
import { exitedWhileSettling, nodeExited as eventstoreExited } from "../../engines/eventstore/restore.ts";
import { nodeExited as emqxNodeExited } from "../../engines/emqx/engine.ts";
import { importResult } from "../../engines/emqx/export.ts";
import { mnesiaStartObservation } from "../../engines/emqx/node-name.ts";
import { loadRefused, serverExited as neo4jExited } from "../../engines/neo4j/engine.ts";
import { serverExited as memgraphExited } from "../../engines/memgraph/engine.ts";
import { brokerExited } from "../../engines/mosquitto/engine.ts";
import { serverExited as postgresExited } from "../../engines/postgres/engine.ts";
import { serverExited as questdbExited } from "../../engines/questdb/recovery.ts";
import { importRefused, nodeExited as rabbitNodeExited } from "../../engines/rabbitmq/engine.ts";
import { restoreCheck } from "../../harness/drill/restore.ts";
import { EngineError } from "../../harness/engine-error.ts";
import { judge } from "../../harness/expectation.ts";
import { CommandExitError } from "../../harness/runtime/command-exit.ts";
import { refusalOf, startOrRefusal, type RefusalWords } from "../../harness/runtime/start-or-refusal.ts";
import { ContainerExitedError, exitOrRethrow } from "../../harness/runtime/wait-for-probe.ts";
import type { ClientCalls } from "../../protocols/event-store/adapter.ts";
import { eventStoreApi } from "../../protocols/event-store/adapter.ts";
import { ESDB_ERRORS } from "../../protocols/event-store/esdb.ts";
import { KURRENT_ERRORS } from "../../protocols/event-store/kurrent.ts";
import { readRestored } from "../../protocols/event-store/read-back.ts";

/**
 * Only the engine's own answer is its refusal or its error: a container that exited, its tool's non-zero exit, an
 * error its server sent. A readiness probe that timed out on a busy machine, a Docker error, a deadline of ours or a
 * bug of ours is thrown, so the drill is undecided instead of being credited with a detection.
 */

/** What ProbeWaitStrategy throws when the engine is still running at the deadline (harness/runtime/wait-for-probe.ts). */
const probeTimedOut = () =>
  new Error(
    "probe sh -c curl --fail --silent http://localhost:2113/health/live did not succeed within 120000 ms; last log lines:\nstill opening chunks",
  );
/** What dockerode throws when the Docker engine answers an error. */
const dockerError = () =>
  Object.assign(new Error("(HTTP code 500) server error - OCI runtime exec failed"), { statusCode: 500 });
/** The engine exited while it was being started, wrapped as testcontainers passes it on. */
const exitedWith = (code: number, log: string) =>
  new Error("start failed", { cause: new ContainerExitedError(code, log) });

/** Every engine's words for its exit, as its restore passes them to startOrRefusal. */
const ENGINE_WORDS: [string, RefusalWords][] = [
  ["postgres", postgresExited],
  ["questdb", questdbExited],
  ["mosquitto", brokerExited],
  ["rabbitmq", rabbitNodeExited("dr-drill-rabbit")],
  ["neo4j", neo4jExited],
  ["emqx", emqxNodeExited("emqx@dr-drill-emqx")],
  ["memgraph", memgraphExited],
  ["eventstore", eventstoreExited],
];

describe("a failed start is the engine's refusal only when the engine exited (harness/runtime/start-or-refusal.ts)", () => {
  it("exitOrRethrow returns the exit behind any wrapping, and throws everything else as it is", () => {
    expect(exitOrRethrow(exitedWith(3, "boom"))).toMatchObject({ exitCode: 3, logTail: "boom" });
    for (const err of [probeTimedOut(), dockerError(), "a string"]) expect(() => exitOrRethrow(err)).toThrow();
    const timedOut = probeTimedOut();
    expect(() => exitOrRethrow(timedOut)).toThrow(timedOut);
  });

  it("refusalOf: an exit is a failed attempt with its exit code, its log and the engine's words; anything else is thrown as it is", () => {
    const words: RefusalWords = (exit) => `exited ${exit.exitCode}: ${exit.logTail}`;
    expect(refusalOf(exitedWith(3, "FATAL: bad file"), words, Date.now(), ["copied"])).toEqual({
      ok: false,
      summary: "exited 3: FATAL: bad file",
      exitCode: 3,
      logTail: "FATAL: bad file",
      durationMs: expect.any(Number),
      observed: ["copied"],
    });
    for (const err of [probeTimedOut(), dockerError(), new TypeError("a bug of ours")])
      expect(() => refusalOf(err, words, Date.now())).toThrow(err);
  });

  it("startOrRefusal: the started handle, or the exit as a refusal; a time-out or a Docker error rejects (undecided)", async () => {
    const words: RefusalWords = (exit) => `exit ${exit.exitCode}`;
    expect(await startOrRefusal(async () => "handle", words)).toEqual({ started: "handle" });
    expect(await startOrRefusal(() => Promise.reject(exitedWith(1, "BOOT FAILED")), words)).toMatchObject({
      refused: { ok: false, exitCode: 1, logTail: "BOOT FAILED", summary: "exit 1" },
    });
    for (const err of [probeTimedOut(), dockerError()])
      await expect(startOrRefusal(() => Promise.reject(err), words)).rejects.toBe(err);
    // What runDrill then judges: a thrown restore is `unknown`, which meets no expectation.
    const facts = {
      verdict: "unknown" as const,
      checks: [],
      restoreAttempts: [],
      nodeUp: false,
      failedBackups: [],
      undecided: probeTimedOut().message,
    };
    expect(judge({ outcome: "no-silent-loss" }, facts)).toMatchObject({ met: false, observed: "undecided" });
  });

  it.each(ENGINE_WORDS)(
    "%s: a node still running at the deadline or a Docker error is undecided, an exit is refused with its code",
    (_engine, words) => {
      for (const err of [probeTimedOut(), dockerError()]) expect(() => refusalOf(err, words, Date.now())).toThrow(err);
      expect(refusalOf(exitedWith(7, "the engine's last line"), words, Date.now())).toMatchObject({
        ok: false,
        exitCode: 7,
        logTail: "the engine's last line",
        summary: expect.stringContaining("7"),
      });
    },
  );

  it("no engine decides about a failed start of its own: each goes through startOrRefusal", async () => {
    const engines = await readdir("engines", { withFileTypes: true });
    const ownDecisions: string[] = [];
    for (const dir of engines.filter((e) => e.isDirectory())) {
      for (const file of await readdir(join("engines", dir.name))) {
        if (!file.endsWith(".ts")) continue;
        const text = await readFile(join("engines", dir.name, file), "utf8");
        // eventstore's runToExit waits for an exit it asked for (truncation), not for a refusal.
        if (
          /\bexitedCause\(|\bContainerExitedError\b/.test(text) ||
          (/\bexitOrRethrow\(/.test(text) && `${dir.name}/${file}` !== "eventstore/container.ts")
        )
          ownDecisions.push(`${dir.name}/${file}`);
      }
    }
    expect(ownDecisions).toEqual([]);
  });

  it("an engine that exited is recorded with its exit code and its log", () => {
    expect(
      refusalOf(exitedWith(1, "[ERR] ReadIndex is corrupted"), eventstoreExited, Date.now(), ["truncate.chk absent"]),
    ).toMatchObject({
      ok: false,
      exitCode: 1,
      summary: "the node exited with code 1 before it was ready: [ERR] ReadIndex is corrupted",
      observed: ["truncate.chk absent"],
    });
    expect(refusalOf(exitedWith(1, "BOOT FAILED"), rabbitNodeExited("dr-drill-rabbit"), Date.now())).toMatchObject({
      ok: false,
      exitCode: 1,
      summary: "node rabbit@dr-drill-rabbit did not start on the restored Mnesia base (exit 1): BOOT FAILED",
      logTail: "BOOT FAILED",
    });
    expect(refusalOf(exitedWith(2, "mria failed"), emqxNodeExited("emqx@dr-drill-emqx"), Date.now())).toMatchObject({
      ok: false,
      exitCode: 2,
      summary: "node emqx@dr-drill-emqx exited with code 2 before it was ready",
    });
    expect(
      refusalOf(
        exitedWith(1, "2025-01-01 00:00:00.000 UTC [1] FATAL:  database files are incompatible with server"),
        postgresExited,
        Date.now(),
      ),
    ).toMatchObject({ summary: "server exited with code 1: FATAL:  database files are incompatible with server" });
  });
});

describe("rabbitmq: a refused boot says why, in RabbitMQ's words (defect 10)", () => {
  /** What rabbit_prelaunch_errors writes on a failed boot: to the log, then the same lines to stderr. */
  const bootFailed = (cause: string[]) =>
    [
      ...["", "BOOT FAILED", "===========", ...cause, ""].map(
        (l) => `2026-12-07 16:41:10.100000+00:00 [error] <0.229.0> ${l}`,
      ),
      "",
      "BOOT FAILED",
      "===========",
      ...cause,
      "",
    ].join("\n");

  it("an error during startup: the cause on one line in the summary", () => {
    const log = bootFailed([
      "Error during startup: {error,",
      "                          {schema_integrity_check_failed,",
      "                              [{table_missing,rabbit_user}]}}",
    ]);
    expect(refusalOf(exitedWith(1, log), rabbitNodeExited("dr-drill-rabbit"), Date.now())).toMatchObject({
      summary:
        "node rabbit@dr-drill-rabbit did not start on the restored Mnesia base (exit 1): BOOT FAILED: Error during startup: {error, {schema_integrity_check_failed, [{table_missing,rabbit_user}]}}",
      logTail: log,
    });
  });

  it("an exception during startup: the exception after its blank line", () => {
    const log = bootFailed([
      "Exception during startup:",
      "",
      'error:{badmatch,{error,{corrupt_log_file,"/var/lib/rabbitmq/mnesia/rabbit@dr-drill-rabbit/LATEST.LOG"}}}',
      "",
      "    rabbit_mnesia:init/0, line 120",
    ]);
    expect(refusalOf(exitedWith(1, log), rabbitNodeExited("dr-drill-rabbit"), Date.now()).summary).toBe(
      'node rabbit@dr-drill-rabbit did not start on the restored Mnesia base (exit 1): BOOT FAILED: Exception during startup: error:{badmatch,{error,{corrupt_log_file,"/var/lib/rabbitmq/mnesia/rabbit@dr-drill-rabbit/LATEST.LOG"}}}',
    );
  });
});

describe("eventstore: an exit is an exit, a deadline or a failed look is not", () => {
  const node = (state: () => Promise<{ running: boolean; exitCode: number }>, log = "") => ({
    state,
    log: async () => log,
  });

  it("a node Docker cannot be asked about during the settle is an error, not 'the node exited'", async () => {
    const err = dockerError();
    await expect(
      exitedWhileSettling(
        node(() => Promise.reject(err)),
        [],
        Date.now(),
      ),
    ).rejects.toBe(err);
  });

  it("a node that stopped during the settle refused, with Docker's exit code; a running one did not", async () => {
    const stopped = await exitedWhileSettling(
      node(async () => ({ running: false, exitCode: 1 }), "[ERR] Verification of chunk #0-0 failed"),
      [],
      Date.now(),
    );
    expect(stopped).toMatchObject({
      ok: false,
      exitCode: 1,
      summary: "the node exited with code 1 before it was ready: [ERR] Verification of chunk #0-0 failed",
    });
    expect(
      await exitedWhileSettling(
        node(async () => ({ running: true, exitCode: 0 })),
        [],
        Date.now(),
      ),
    ).toBeUndefined();
  });

  it("a truncating run still going at dr-drill's deadline is thrown, never reported as exit code -1", async () => {
    const running = { inspect: async () => ({ State: { Running: true, ExitCode: 0 } }) };
    await expect(ownExit(running, 300, "KurrentDB")).rejects.toThrow(
      /the run of KurrentDB that was to truncate and exit did not end in an exit: the container did not stop within 300 ms/,
    );
    const exited = { inspect: async () => ({ State: { Running: false, ExitCode: 0 } }) };
    expect(await ownExit(exited, 300, "KurrentDB")).toBe(0);
  });
});

/** A gRPC failure as the clients receive one (as protocols/event-store/test/outcomes.test.ts builds them). */
function grpcFailure(code: number, details: string): Error {
  return Object.assign(new Error(`${code} ${details}`), { code, details, metadata: { getMap: () => ({}) } });
}

/** A client whose `$all` read fails with `err`; nothing else is called. */
function failingRead(product: string, err: unknown): ClientCalls {
  const unused = () => Promise.reject(new Error("not called"));
  const failing = { [Symbol.asyncIterator]: () => ({ next: () => Promise.reject(err) }) };
  return {
    product,
    append: unused,
    setMaxCount: unused,
    deleteStream: unused,
    tombstoneStream: unused,
    readStream: () => failing,
    readAll: () => failing,
    close: async () => undefined,
  };
}

const GRPC = { UNKNOWN: 2, DEADLINE_EXCEEDED: 4, UNAVAILABLE: 14 };
const clients = [
  { name: "EventStoreDB", lib: esdb, classes: ESDB_ERRORS },
  { name: "KurrentDB", lib: kurrent, classes: KURRENT_ERRORS },
] as const;

describe.each(clients)("eventstore: reading a restored $name back", ({ name, lib, classes }) => {
  const read = (err: unknown) =>
    readRestored(eventStoreApi(failingRead(name, err), classes), { add: async () => undefined });

  it("an error the server answered is the engine's (EngineError)", async () => {
    const answered = lib.convertToCommandError(grpcFailure(GRPC.UNKNOWN, "Exception was thrown by handler."));
    expect(answered).toBeInstanceOf(lib.UnknownError);
    await expect(read(answered)).rejects.toThrow(EngineError);
    await expect(read(answered)).rejects.toThrow(
      `${name} could not be read back: UnknownError: 2 Exception was thrown by handler.`,
    );
  });

  it("a refused connection, a deadline or a bug of ours propagates as it is (undecided)", async () => {
    const unavailable = lib.convertToCommandError(grpcFailure(GRPC.UNAVAILABLE, "No connection established"));
    const deadline = lib.convertToCommandError(grpcFailure(GRPC.DEADLINE_EXCEEDED, "Deadline exceeded"));
    expect(unavailable).toBeInstanceOf(lib.UnavailableError);
    expect(deadline).toBeInstanceOf(lib.DeadlineExceededError);
    for (const err of [
      unavailable,
      deadline,
      new TypeError("Cannot read properties of undefined (reading 'streamId')"),
    ]) {
      await expect(read(err)).rejects.toBe(err);
    }
  });
});

describe("neo4j: only neo4j-admin's own exit is its refusal of a dump", () => {
  it("the load script's non-zero exit is read as neo4j-admin's words", () => {
    const output =
      "Failed to load database 'neo4j': Truncated source\norg.neo4j.cli.CommandFailedException: Truncated source\n";
    const exit = new CommandExitError(
      "toolbox on volume d-restored: `neo4j-admin database load neo4j --from-path=/data --overwrite-destination=true 2>&1`",
      1,
      output,
      1000,
    );
    expect(exit.message).toMatch(/^toolbox on volume d-restored: `neo4j-admin .*` exited 1: Failed to load database/);
    expect(loadRefused(exit)).toMatchObject({
      summary: "neo4j-admin database load refused the dump: Failed to load database 'neo4j': Truncated source",
      exitCode: 1,
    });
  });

  it("a toolbox that did not start, or an exec Docker refused, is thrown", () => {
    const notStarted = new Error("Container startup failed for image neo4j:5.26.28: (HTTP code 500) server error");
    expect(() => loadRefused(notStarted)).toThrow(notStarted);
    expect(() => loadRefused(dockerError())).toThrow(/HTTP code 500/);
  });
});

describe("rabbitmq: only rabbitmqctl's own exit is a refused definitions import", () => {
  it("rabbitmqctl import_definitions exiting non-zero is the node's answer; a failed copy into the node is not", () => {
    const refused = new CommandExitError(
      "rabbitmqctl import_definitions /tmp/definitions.json",
      65,
      "Error: failed to import definitions: bad JSON",
    );
    expect(importRefused(refused, Date.now())).toMatchObject({
      ok: false,
      exitCode: 65,
      summary:
        "rabbitmqctl import_definitions failed: rabbitmqctl import_definitions /tmp/definitions.json exited 65: Error: failed to import definitions: bad JSON",
    });
    const copy = dockerError();
    expect(() => importRefused(copy, Date.now())).toThrow(copy);
  });
});

describe("emqx: a partial data import fails the restore check", () => {
  // What emqx ctl data import prints for a table it could not import (emqx_mgmt_data_backup.erl, v5.8.6).
  const partial = [
    'Importing data from "/opt/emqx/data/backup/emqx-export-2026-11-23-12-30-01.123.tar.gz"...',
    "Importing cluster configuration...",
    "Importing built-in database...",
    "Importing emqx_retainer_message database table...",
    "[error] Failed to import built-in database table: emqx_retainer_message, reason: {aborted,{no_exists,emqx_retainer_message}}",
    "Data has been imported, but some errors occurred, see the log above.",
    "",
  ].join("\n");

  it("what it could not import becomes the restore's tool errors, and the restore check fails on them", () => {
    const { attempt, toolErrors } = importResult(partial);
    expect(toolErrors).toEqual([
      "emqx ctl data import: [error] Failed to import built-in database table: emqx_retainer_message, reason: {aborted,{no_exists,emqx_retainer_message}}",
    ]);
    expect(attempt).toMatchObject({
      ok: true,
      summary: expect.stringMatching(
        /^emqx ctl data import: imported, but some errors occurred \(1\): \[error\] Failed to import built-in database table: emqx_retainer_message/,
      ),
    });
    const check = restoreCheck({ node: "the restored node", attempts: [{ ...attempt, durationMs: 1 }], toolErrors });
    expect(check).toMatchObject({
      name: "restore",
      valid: false,
      summary: expect.stringMatching(
        /^engine came up but the restore reported errors: emqx ctl data import: \[error\] Failed to import/,
      ),
    });
  });

  it("a partial import that printed no line of its own still fails, on its closing line", () => {
    expect(importResult("Data has been imported, but some errors occurred, see the log above.\n").toolErrors).toEqual([
      "emqx ctl data import: Data has been imported, but some errors occurred, see the log above.",
    ]);
    expect(importResult("Data has been imported successfully.\n")).toEqual({
      attempt: { ok: true, summary: "emqx ctl data import: Data has been imported successfully." },
      toolErrors: [],
    });
  });
});

describe("emqx: a file-copy restore says what the started node holds, not what it assumed", () => {
  it("the node's own directory from the backup", () => {
    expect(mnesiaStartObservation("emqx@dr-drill-emqx", ["emqx@dr-drill-emqx"], ["emqx@dr-drill-emqx"])).toEqual({
      summary: "node emqx@dr-drill-emqx started; its data/mnesia/emqx@dr-drill-emqx is the backup's",
      observed: [
        "the backup's data/mnesia/ holds: emqx@dr-drill-emqx",
        "the started node's data/mnesia/ holds: emqx@dr-drill-emqx",
      ],
    });
  });

  it("another node name: a new directory beside the backup's, not 'started on the restored data'", () => {
    const seen = mnesiaStartObservation(
      "emqx@dr-drill-emqx-renamed",
      ["emqx@dr-drill-emqx"],
      ["emqx@dr-drill-emqx", "emqx@dr-drill-emqx-renamed"],
    );
    expect(seen.summary).toBe(
      "node emqx@dr-drill-emqx-renamed started with a NEW data/mnesia/emqx@dr-drill-emqx-renamed, not in the backup (which holds emqx@dr-drill-emqx)",
    );
    expect(seen.summary).not.toMatch(/restored/);
    expect(mnesiaStartObservation("emqx@h", [], []).summary).toBe(
      "node emqx@h started; no data/mnesia/emqx@h seen in it",
    );
  });
});
