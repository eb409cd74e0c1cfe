import { describe, it, expect } from "vitest";
import { questdbWorkload } from "../scenarios.ts";
import { backupWindowOf, check, expectPass, ledgerOf, oracleOf, runOne } from "../../../test/drills/support.ts";

const WRITERS = 4;

// ILP/HTTP and PG-wire writers keep committing to WAL and non-WAL tables while the checkpoint is taken and copied.
// The recovery point is CHECKPOINT CREATE: acknowledged before it → present; invoked after it → dropped by the restore.
describe("questdb: drill under ingestion load", () => {
  it("checkpoint backup under ILP and PG-wire ingestion satisfies the oracle", async () => {
    const result = await runOne("questdb", "load", { writers: WRITERS });
    expectPass(result);
    const e = result.evidence;
    expect(e.workload!.ok).toBeGreaterThan(questdbWorkload(WRITERS).leadInOps);
    expect(e.restoreAttempts).toMatchObject([
      {
        ok: true,
        observed: expect.arrayContaining(["_restore present before the start", "_restore gone after the start"]),
      },
    ]);
    expect(check(result, "invariant:wal-healthy").valid).toBe(true);

    const ledger = await ledgerOf(result);
    const { start, end } = backupWindowOf(e);
    const writes = ledger.filter((w) => w.op !== "load" && w.outcome === "ok");
    // Both protocols acknowledged writes before the checkpoint, and kept writing while it was held.
    for (const op of ["insert-ilp", "insert-pg"]) {
      expect(
        writes.some((w) => w.op === op && w.completeAt < start - 1),
        op,
      ).toBe(true);
      expect(
        writes.some((w) => w.op === op && w.invokeAt > end + 1),
        op,
      ).toBe(true);
    }
    // Writes made during checkpoint mode (after CREATE returned) exist, and the restore dropped them all (rule 3
    // would have flagged any as `future`): that is the recovery point the seed describes.
    const oracle = oracleOf(result);
    expect(oracle.violations.future).toBe(0);
    expect(oracle.ackedLostAfterRecoveryPoint).toBeGreaterThan(0);
    expect(e.backup.specialModeMs).toBeGreaterThan(0);
    // A write whose outcome is unknown keeps the digest of the rows it sent.
    for (const w of ledger.filter((x) => x.outcome === "info"))
      expect(
        w.writes.every((k) => k.digest !== "*"),
        JSON.stringify(w),
      ).toBe(true);
  });
});
