import { describe, it, expect } from "vitest";
import { check, expectMet, oracleOf, runOne } from "../../../test/drills/support.ts";

// Tables copied one at a time while ingestion goes on: each table restores and reads fine, every key alone looks
// plausible; the restored whole is not one point in time, and the cut check itself must say so.
describe("questdb: a torn copy", () => {
  it("tables copied one by one under load are caught by the cut check, and by nothing else", async () => {
    const result = await runOne("questdb", "torn-copy", { writers: 4 });
    expectMet(result);
    const e = result.evidence;
    const oracle = check(result, "ledger-oracle");
    const figures = oracleOf(result);
    expect(figures.violations).toMatchObject({ "torn-cut": 1, lost: 0, phantom: 0, corrupt: 0, future: 0, stale: 0 });
    expect(figures.cut.worst!.byMs).toBeGreaterThan(0);
    console.log(`torn copy: ${oracle.summary}`);
    // The restore itself was fine and says what it saw: no trigger, no recovery, every table served.
    expect(e.restoreAttempts).toMatchObject([{ ok: true, summary: expect.stringMatching(/no _restore trigger/) }]);
    expect(check(result, "read-back").valid).toBe(true);
    expect(check(result, "invariant:wal-healthy").valid).toBe(true);
    // The only failed check is the oracle: the drill is caught by the cut, not by luck of another check.
    expect(e.checks.filter((c) => c.valid === false).map((c) => c.name)).toEqual(["ledger-oracle"]);
  });
});
