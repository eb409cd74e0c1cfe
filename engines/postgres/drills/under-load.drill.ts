import { describe, it, expect } from "vitest";
import { backupWindowOf, check, expectPass, ledgerOf, oracleOf, runOne } from "../../../test/drills/support.ts";

// Inserts, updates and transfers keep committing while the backup runs; the oracle, the cut and the invariants hold.
describe("postgres: drill under load", () => {
  for (const method of ["physical", "logical"] as const) {
    it(`${method} backup under concurrent writes satisfies the oracle, the point-in-time cut and the balance invariants`, async () => {
      const result = await runOne("postgres", "load", { method, writers: 4 });
      expectPass(result);
      const e = result.evidence;
      expect(check(result, "invariant:total-balance").valid).toBe(true);
      expect(check(result, "invariant:transfers-atomic").valid).toBe(true);
      const oracle = oracleOf(result);
      expect(oracle.cut).toMatchObject({ consistency: "point-in-time", tornGroups: 0 });
      // Writes acknowledged after the recovery point are lost by design, and counted apart from a real loss.
      expect(e.achieved.writesLost).toMatchObject({ insideRecoveryPoint: 0, afterRecoveryPoint: expect.any(Number) });
      expect(e.achieved.writesLost!.afterRecoveryPoint).toBeGreaterThan(0);
      expect(e.achieved.rpoMs).toBeGreaterThan(0);

      // The load really overlapped the backup: acknowledged writes before it, during it and after it.
      const ledger = await ledgerOf(result);
      const { start, end } = backupWindowOf(e);
      const writes = ledger.filter((w) => w.op !== "load" && w.outcome === "ok");
      expect(writes.some((w) => w.completeAt < start - 1)).toBe(true);
      expect(writes.some((w) => w.invokeAt > start + 1 && w.completeAt < end - 1)).toBe(true);
      expect(writes.some((w) => w.invokeAt > end + 1)).toBe(true);
      // A write whose outcome is unknown keeps the digest of the value it sent.
      for (const w of ledger.filter((x) => x.outcome === "info"))
        expect(
          w.writes.some((k) => k.digest !== "*"),
          JSON.stringify(w),
        ).toBe(true);
    });
  }
});
