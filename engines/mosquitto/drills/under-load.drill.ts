import { describe, it, expect } from "vitest";
import { check, expectPass, ledgerOf, oracleOf, runOne } from "../../../test/drills/support.ts";
import { MOSQUITTO_ROWS } from "./support.ts";

const WRITERS = 4;

// Writers publish retained sets and deletes and messages for the offline sessions while SIGUSR1 saves the database
// and it is copied. The recovery point is the save: acknowledged before SIGUSR1 → present; invoked after the new file
// appeared → absent (rule 3), one instant for everything (point-in-time).
describe("mosquitto: drill under publish load", () => {
  it("SIGUSR1 backup under load satisfies the oracle, as one point in time", async () => {
    const result = await runOne("mosquitto", "load", { rows: MOSQUITTO_ROWS, writers: WRITERS });
    expectPass(result);
    const e = result.evidence;
    const oracle = oracleOf(result);
    expect(oracle.violations).toMatchObject({ lost: 0, future: 0, reordered: 0, "torn-cut": 0, corrupt: 0 });
    expect(oracle.cut.groups).toBe(1);
    // Writes went on after the save and were left out by it; writes before it were all there.
    expect(oracle.ackedLostAfterRecoveryPoint).toBeGreaterThan(0);
    const ledger = await ledgerOf(result);
    const kinds = new Set(ledger.filter((w) => w.op !== "load" && w.outcome === "ok").map((w) => w.op));
    expect(kinds).toEqual(new Set(["retain", "unretain", "enqueue"]));
    expect(e.restoreAttempts).toMatchObject([{ ok: true }]);
    expect(check(result, "invariant:restore-log").valid).toBe(true);
    console.log(
      `mosquitto under load: ${e.workload!.ok} writes acknowledged by ${WRITERS} writers (${e.workload!.info} info, ${e.workload!.fail} fail); ` +
        `backup ${Math.round(e.backup.durationMs)} ms; RTO ${Math.round(e.achieved.rtoMs!)} ms; RPO ${e.achieved.rpoMs} ms; ${oracle.ackedLostAfterRecoveryPoint} acknowledged after the save not restored`,
    );
  });
});
