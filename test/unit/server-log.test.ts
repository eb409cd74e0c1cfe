import { describe, expect, it } from "vitest";
import { runDrill, type DrillResult } from "../../harness/drill.ts";
import { errorLines } from "../../harness/server-log.ts";
import { MemoryEngine, engineOption, type MemoryEngineOptions } from "../../engines/memory/index.ts";
import { rabbitServerErrors } from "../../engines/rabbitmq/server-errors.ts";
import { SERVER_ERRORS as EVENTSTORE_SERVER_ERRORS } from "../../engines/eventstore/server-errors.ts";
import { MONGO_WIRE_ERRORS } from "../../engines/exo/mongo-container.ts";
import { MEMGRAPH_SERVER_ERRORS } from "../../engines/memgraph/node.ts";
import { MOSQUITTO_SERVER_ERRORS } from "../../engines/mosquitto/node.ts";
import { NEO4J_SERVER_ERRORS } from "../../engines/neo4j/node.ts";
import { PG_SERVER_ERRORS } from "../../protocols/pg/container.ts";
import { QDB_SERVER_ERRORS } from "../../engines/questdb/recovery.ts";
import { logFixture, makeTempDir } from "./support.ts";

/**
 * Defect 9: an engine that fails while it is read (a RabbitMQ queue process crashing on a damaged index) made our
 * read time out, and the drill ended `unknown` on our time-out. The engine's own log says what happened: the read-back
 * then fails in the engine's words, and a `server-log` check lists what it logged.
 */

async function drill(
  options: MemoryEngineOptions,
  expectation = engineOption("server-log", {
    outcome: "detects",
    by: [{ check: "server-log", reason: "Generic server .* terminating" }],
  }),
): Promise<DrillResult> {
  return runDrill({
    scenario: "unit",
    engine: new MemoryEngine("1", options),
    rows: 200,
    seed: 3,
    reportsDir: await makeTempDir(),
    replayCommand: (seed) => `replay ${seed}`,
    sink: { line: () => undefined },
    faults: [expectation],
  });
}
const check = (r: DrillResult, name: string) => r.evidence.checks.find((c) => c.name === name);

const CRASH =
  "** Generic server <0.483.0> terminating: badmatch in rabbit_queue_index:parse_pub_record_body/2 (rabbit_queue_index.erl, line 906)";

describe("the engine's log turns our time-out into its failure (defect 9)", () => {
  it("a read that times out while the engine logged a crash: read-back fails in the engine's words, server-log lists them", async () => {
    const r = await drill({
      readTimesOut: true,
      loggedErrors: [CRASH, "Restarting crashed queue 'mqtt-subscription-dd-v3-3qos1' in vhost '/'."],
    });
    expect(r.evidence.verdict).toBe("fail");
    expect(check(r, "read-back")).toMatchObject({
      valid: false,
      summary: `the restored engine failed while it was read; it logged 2 error(s): ${CRASH} | Restarting crashed queue 'mqtt-subscription-dd-v3-3qos1' in vhost '/'. (the read ended in: connack timeout)`,
    });
    expect(check(r, "server-log")).toMatchObject({
      valid: false,
      examples: [CRASH, "Restarting crashed queue 'mqtt-subscription-dd-v3-3qos1' in vhost '/'."],
    });
    expect(check(r, "ledger-oracle")?.valid).toBe("unknown");
    expect(r.evidence.expectation).toMatchObject({ met: true, observed: "detected" });
  });

  it("a read that times out with nothing in the engine's log stays undecided: our time-out is never a finding", async () => {
    for (const loggedErrors of [undefined, []]) {
      const r = await drill({ readTimesOut: true, ...(loggedErrors ? { loggedErrors } : {}) });
      expect(r.evidence.verdict).toBe("unknown");
      expect(r.evidence.reasons.join("\n")).toMatch(/connack timeout/);
      expect(r.evidence.expectation).toMatchObject({ met: false, observed: "undecided" });
    }
  });

  it("errors logged while everything was served fail server-log alone; a clean log holds", async () => {
    const logged = await drill({ loggedErrors: [CRASH] });
    expect(check(logged, "read-back")?.valid).toBe(true);
    expect(check(logged, "server-log")).toMatchObject({
      valid: false,
      summary: `the restored engine logged 1 error(s): ${CRASH}`,
    });
    const clean = await drill({ loggedErrors: [] }, engineOption("clean", { outcome: "pass" }));
    expect(clean.evidence.verdict).toBe("pass");
    expect(check(clean, "server-log")).toMatchObject({
      valid: true,
      summary: "the restored engine logged no error it names",
    });
  });

  it("a probe write that fails on our side while the engine logged errors fails new-write in its words; with a quiet log it stays undecided", async () => {
    // RabbitMQ campaign fault 16: a flip in LATEST.LOG, every MQTT login crashed in rabbit_mqtt_processor, and the
    // probe write's connection closed before CONNACK after the read-back had already failed in the node's words.
    const login = "** Generic server <0.514.0> terminating: case_clause in rabbit_mqtt_processor:process_login/4";
    const r = await drill(
      { crashIn: "probe-write", loggedErrors: [login] },
      engineOption("clean", { outcome: "pass" }),
    );
    expect(check(r, "new-write")).toMatchObject({
      valid: false,
      summary: `the restored engine failed the new write; it logged 1 error(s): ${login} (the write ended in: connect ECONNREFUSED /var/run/docker.sock (simulated harness failure))`,
      examples: [login],
    });
    expect(r.evidence.verdict).toBe("fail");
    const quiet = await drill({ crashIn: "probe-write", loggedErrors: [] }, engineOption("clean", { outcome: "pass" }));
    expect(quiet.evidence.verdict).toBe("unknown");
    expect(quiet.evidence.reasons.join("\n")).toMatch(/ECONNREFUSED/);
  });

  it("an engine that names no errors gets no server-log check", async () => {
    const r = await drill({}, engineOption("clean", { outcome: "pass" }));
    expect(check(r, "server-log")).toBeUndefined();
  });
});

describe("errorLines", () => {
  it("takes the lines a pattern names, without colour codes, each once, in order, and drops the ignored ones", () => {
    const log = logFixture(import.meta.url, "coloured-postgres.log");
    expect(errorLines(log, /PANIC:|FATAL:/, { ignore: /the database system is starting up/ })).toEqual([
      "PANIC:  could not read block 7",
      "FATAL:  invalid page in block 3",
    ]);
  });
});

/** A RabbitMQ 3.10.8 log around a queue that crashed on a damaged index (from a real drill, shortened). */
const RABBIT_CRASH_LOG = logFixture(import.meta.url, "rabbit-queue-crash.log");

describe("rabbitmq: the errors a node logs, in its words", () => {
  it("a crashed queue process: the error and the frame it was raised in; the crash report of the same process once", () => {
    expect(rabbitServerErrors(RABBIT_CRASH_LOG)).toEqual([
      CRASH,
      "Restarting crashed queue 'mqtt-subscription-dd-v3-3qos1' in vhost '/'.",
      "Queue <0.483.0> failed to initialise: badmatch in rabbit_queue_index:parse_pub_record_body/2 (rabbit_queue_index.erl, line 906)",
    ]);
  });

  it("a clean start logs none", () => {
    const clean = logFixture(import.meta.url, "rabbit-clean-start.log");
    expect(rabbitServerErrors(clean)).toEqual([]);
  });
});

/** Each engine's pattern: the lines it must take (the engine failing on its data) and those it must leave (a client's own error, a start-up notice). */
const PATTERNS: [string, RegExp, string[], string[]][] = [
  [
    "postgres",
    PG_SERVER_ERRORS,
    [
      "2025-01-01 00:00:00.000 UTC [88] ERROR:  invalid page in block 0 of relation base/16384/16385",
      'ERROR:  could not read block 3 in file "base/16384/16390": read only 0 of 8192 bytes',
      "2025-01-01 00:00:00.000 UTC [1] PANIC:  could not locate a valid checkpoint record",
      "FATAL:  could not access status of transaction 3735928559",
    ],
    [
      "FATAL:  the database system is starting up",
      'ERROR:  duplicate key value violates unique constraint "accounts_pkey"',
      "LOG:  database system is ready to accept connections",
    ],
  ],
  [
    "questdb",
    QDB_SERVER_ERRORS,
    [
      "2025-01-01T00:00:00.000000Z C i.q.c.CairoEngine could not open table [table=trades]",
      "2025-01-01T00:00:00.000000Z E i.q.c.TableReader io.questdb.cairo.CairoException: [2] could not open read-only [file=/var/lib/questdb/db/trades/2024-01-01/price.d]",
    ],
    [
      "2025-01-01T00:00:00.000000Z E i.q.g.e.QueryProgress err [id=-1, sql=`SELECT x FROM t`, msg=Invalid column: x]",
      "2025-01-01T00:00:00.000000Z I i.q.c.DatabaseCheckpointAgent checkpoint recovered [metaFilesCount=28]",
    ],
  ],
  [
    "mosquitto",
    MOSQUITTO_SERVER_ERRORS,
    ["1700000000: Error: Couldn't open database.", "Error: Success."],
    [
      "1700000000: Warning: Unknown chunk type 9 in persistent database file, ignoring.",
      "1700000000: New client connected from 172.17.0.1:40000 as dd-read-1 (p2, c0, k60).",
    ],
  ],
  [
    "neo4j",
    NEO4J_SERVER_ERRORS,
    ["2025-01-01 00:00:00.000+0000 ERROR Failed to start Neo4j on 0.0.0.0:7474."],
    ["2025-01-01 00:00:00.000+0000 INFO  Started.", "2025-01-01 00:00:00.000+0000 WARN  Use of deprecated setting."],
  ],
  [
    "memgraph",
    MEMGRAPH_SERVER_ERRORS,
    [
      "[2025-01-01 00:00:00.000] [memgraph_log] [critical] Recovery failure: Invalid snapshot version!",
      "[2025-01-01 00:00:00.000] [memgraph_log] [error] Couldn't recover WAL file",
    ],
    ["[2025-01-01 00:00:00.000] [memgraph_log] [error] Query failed: unbound variable n"],
  ],
  [
    "eventstore",
    EVENTSTORE_SERVER_ERRORS,
    ["[    1, 1,12:00:00.000,FTL] Exiting with exit code: 1.", "[    1,14,12:00:00.000,ERR] ReadIndex is corrupted..."],
    [
      "[    1, 1,12:00:00.000,INF] Truncation successful. Shutting down.",
      "[    1,14,12:00:00.000,INF] ReadIndex building...",
    ],
  ],
  [
    "exo chat (FerretDB, MongoDB)",
    MONGO_WIRE_ERRORS,
    [
      "2025-01-01T00:00:00.000Z\tDPANIC\tsqlite\tdatabase disk image is malformed",
      '{"t":{"$date":"2025-01-01T00:00:00.000Z"},"s":"F","c":"STORAGE","msg":"Fatal assertion"}',
    ],
    [
      "2025-01-01T00:00:00.000Z\tERROR\tclientconn\tResponse error: NamespaceNotFound",
      '{"s":"I","c":"NETWORK","msg":"Connection accepted"}',
    ],
  ],
];

describe.each(PATTERNS)("%s: the lines its pattern takes as the engine's errors", (_engine, pattern, taken, left) => {
  it("takes the engine failing on its data, leaves a client's own error and start-up notices", () => {
    expect(errorLines([...taken, ...left].join("\n"), pattern)).toEqual(taken);
  });
});
