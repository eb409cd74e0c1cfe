import { describe, it, expect } from "vitest";
import { check, expectMet, oracleOf, runOne } from "../../../test/drills/support.ts";
import { RABBITMQ_ROWS } from "./size.ts";

describe("rabbitmq: faults the drill must detect", () => {
  // The node-name trap: the right files at the right path, a node of another name. RabbitMQ starts healthy and EMPTY.
  it("restored under another node name: the preflight warns, the broker starts empty without an error, the drill says everything was lost", async () => {
    const result = await runOne("rabbitmq", "another-node-name", { rows: RABBITMQ_ROWS });
    expectMet(result);
    const e = result.evidence;
    expect(check(result, "preflight:node-name").summary).toBe(
      "the backup is of node rabbit@dr-drill-rabbit, the restore target is rabbit@dr-drill-rabbit-renamed: it will start EMPTY beside the restored directory (pin RABBITMQ_NODENAME and the hostname to rabbit@dr-drill-rabbit)",
    );
    // A broker that started fine: one attempt, up, no error; its own log says it initialised a new database.
    expect(e.restoreAttempts).toHaveLength(1);
    expect(e.restoreAttempts[0]).toMatchObject({
      ok: true,
      summary: expect.stringMatching(/initialised an EMPTY one \(logged at info level, no error\)$/),
    });
    expect(e.restoreAttempts[0]!.observed).toContain(
      "log: Node database directory at /var/lib/rabbitmq/mnesia/rabbit@dr-drill-rabbit-renamed is empty. Assuming we need to join an existing cluster or initialise from scratch...",
    );
    expect(check(result, "restore").valid).toBe(true);
    expect(check(result, "read-back").valid).toBe(true);
    // The new write on the freshly initialised node: it works, or RabbitMQ 3.10.8 crashes the probe's connection
    // process on it ("Generic server … terminating: mqtt_unexpected_msg", seen once in a CI run): the engine's own
    // words either way, never an error of ours.
    const newWrite = check(result, "new-write");
    if (newWrite.valid !== true)
      expect(newWrite.summary).toMatch(/it logged \d+ error\(s\): \*\* Generic server .* terminating/);
    // Everything lost, said in words, and counted by the oracle: every acknowledged key is missing, nothing else is wrong.
    expect(check(result, "invariant:not-empty").summary).toBe(
      "the restored broker is EMPTY: all retained messages and all 24 sessions were lost (0 retained messages, 0 of 24 sessions, 0 queued messages)",
    );
    const oracle = oracleOf(result);
    expect(oracle.keysPresent).toBe(0);
    expect(oracle.violations).toMatchObject({ phantom: 0, corrupt: 0, future: 0, duplicate: 0 });
    expect(oracle.violations.lost).toBeGreaterThan(24);
    console.log(`another node name: ${check(result, "ledger-oracle").summary}`);
  });

  it("a truncated retained-message store: RabbitMQ starts without complaint, and the oracle finds the retained messages missing", async () => {
    const result = await runOne("rabbitmq", "truncated-retained-store", { rows: RABBITMQ_ROWS });
    expectMet(result);
    const e = result.evidence;
    expect(e.faults).toMatchObject([
      {
        fault: "truncate-file",
        target: expect.stringMatching(/^mnesia\/rabbit@dr-drill-rabbit\/.*retained.*\.dets$/),
        expected: "detects",
        observed: "detected",
      },
    ]);
    expect(e.restoreAttempts).toMatchObject([{ ok: true }]);
    expect(check(result, "preflight:node-name").valid).toBe(true);
    // Only retained messages are gone: the sessions and their queues are untouched by the fault.
    const oracle = check(result, "ledger-oracle");
    expect(oracle.examples!.every((x) => x.startsWith("lost retained/"))).toBe(true);
    expect(check(result, "invariant:not-empty").summary).toMatch(
      /serves \d+ retained message\(s\), 24 of 24 session\(s\)/,
    );
    console.log(`truncated retained store: ${oracle.summary}; ${check(result, "invariant:not-empty").summary}`);
  });

  // Defect 9: the queue crashes while it is read and our subscriber waits for a CONNACK in vain; RabbitMQ's log says why.
  it("a damaged queue index: RabbitMQ starts, the queue crashes when read, and the drill says so in RabbitMQ's words", async () => {
    const result = await runOne("rabbitmq", "damaged-queue-index", { rows: RABBITMQ_ROWS });
    expectMet(result);
    const e = result.evidence;
    expect(e.faults).toMatchObject([
      {
        fault: "flip-bytes",
        target: expect.stringMatching(
          /^mnesia\/rabbit@dr-drill-rabbit\/msg_stores\/vhosts\/\w+\/queues\/\w+\/\d+\.idx$/,
        ),
        expected: "detects",
        observed: "detected",
      },
    ]);
    expect(e.restoreAttempts).toMatchObject([{ ok: true }]);
    const crash = /Generic server <[\d.]+> terminating: badmatch in rabbit_queue_index:parse_pub_record_body\/2/;
    expect(check(result, "server-log").summary).toMatch(crash);
    // The read-back either finished without that queue's messages (the oracle says lost) or ended on our time-out,
    // which RabbitMQ's logged errors then explain (the crash in rabbit_queue_index): never undecided.
    const readBack = check(result, "read-back");
    if (readBack.valid === false) expect(readBack.summary).toMatch(crash);
    else expect(check(result, "ledger-oracle").summary).toMatch(/\d+ lost/);
    console.log(
      `damaged queue index: read-back: ${readBack.summary}; server-log: ${check(result, "server-log").summary}`,
    );
  });
});
