import { describe, it, expect } from "vitest";
import { check, expectMet, oracleOf, runOne } from "../../../test/drills/support.ts";
import { RABBITMQ_ROWS } from "./size.ts";

// The definitions export is the broker's topology: it brings back the sessions' durable queues and bindings, not one
// message. The drill must fail, naming what is lost.
describe("rabbitmq: definitions export and import (a second method)", () => {
  it("restores the topology only: the oracle finds the queued and retained messages lost", async () => {
    const result = await runOne("rabbitmq", "definitions", { rows: RABBITMQ_ROWS, method: "definitions" });
    expectMet(result);
    const e = result.evidence;
    expect(check(result, "preflight:definitions").summary).toMatch(
      /^definitions of RabbitMQ 3\.10\.8: \d+ queue\(s\), 24 of them MQTT session queues, \d+ binding\(s\); no message, no retained store$/,
    );
    expect(e.restoreAttempts).toMatchObject([
      { ok: true, summary: expect.stringMatching(/^rabbitmqctl import_definitions into a fresh node/) },
    ]);
    // The sessions come back (their durable queues and bindings), empty; no retained message comes back.
    expect(check(result, "invariant:not-empty").summary).toMatch(
      /^the restored broker serves 0 retained message\(s\), 24 of 24 session\(s\), 0 queued message\(s\)(; |$)/,
    );
    const oracle = check(result, "ledger-oracle");
    const figures = oracleOf(result);
    // Each session and its subscription (the marker reached it): the bindings came back with the queues.
    expect(figures.keysPresent).toBe(48);
    expect(figures.violations).toMatchObject({ phantom: 0, corrupt: 0, future: 0 });
    expect(oracle.examples!.every((x) => /^lost (queue|retained)\//.test(x))).toBe(true);
    console.log(`definitions: ${oracle.summary}; ${check(result, "invariant:not-empty").summary}`);
  });
});
