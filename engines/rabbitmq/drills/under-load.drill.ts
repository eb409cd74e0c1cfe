import { describe, it, expect } from "vitest";
import { backupWindowOf, check, expectPass, ledgerOf, oracleOf, runOne } from "../../../test/drills/support.ts";
import { RABBITMQ_ROWS } from "./size.ts";

const WRITERS = 2;

// MQTT publishers run while the node is stopped, copied and started again: everything acknowledged before the stop
// must come back; what was published after the restart is on the source only and must not.
describe("rabbitmq: drill under publish load", () => {
  it("a stop-copy-restart backup under MQTT publish load satisfies the oracle", async () => {
    const result = await runOne("rabbitmq", "load", { rows: RABBITMQ_ROWS, writers: WRITERS });
    expectPass(result);
    const e = result.evidence;
    const ledger = await ledgerOf(result);
    const { start, end } = backupWindowOf(e);
    const writes = ledger.filter((w) => w.op !== "load");
    // Acknowledged publishes of every kind before the stop, and acknowledged publishes to the restarted source after it.
    for (const op of ["retain", "enqueue"])
      expect(
        writes.some((w) => w.op === op && w.outcome === "ok" && w.completeAt < start),
        op,
      ).toBe(true);
    expect(writes.some((w) => w.outcome === "ok" && w.invokeAt > end)).toBe(true);
    // The evidence names what happened: publishes refused while the node was down, accepted again after its restart.
    expect(e.backup.mode).toBe("stop-copy-start");
    expect(writes.some((w) => w.outcome !== "ok" && w.invokeAt > end)).toBe(true);
    const oracle = oracleOf(result);
    expect(oracle.violations.future).toBe(0);
    expect(oracle.ackedLostAfterRecoveryPoint).toBeGreaterThan(0);
    const counts = {
      ok: writes.filter((w) => w.outcome === "ok").length,
      info: writes.filter((w) => w.outcome === "info").length,
      fail: writes.filter((w) => w.outcome === "fail").length,
    };
    console.log(
      `rabbitmq under load: ${JSON.stringify(counts)} workload publishes; ${check(result, "ledger-oracle").summary}; ${check(result, "invariant:not-empty").summary}; backup ${e.backup.durationMs} ms, RTO ${e.achieved.rtoMs} ms, RPO ${e.achieved.rpoMs} ms`,
    );
  });
});
