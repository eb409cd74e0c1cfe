import { describe, it, expect } from "vitest";
import { check, expectPass, runOne } from "../../../test/drills/support.ts";

// No writes during the backup: the restored state must equal the source exactly, record for record.
describe("postgres: clean drill, no load", () => {
  for (const method of ["physical", "logical"] as const) {
    it(`${method} backup restores the exact source state`, async () => {
      const result = await runOne("postgres", "clean", { method, deepVerify: true });
      expectPass(result);
      // The deep verifier (a campaign's, run here on an undamaged restore): amcheck and the reads by primary key clean.
      const deep = check(result, "deep-verify");
      expect(deep.valid, deep.summary).toBe(true);
      expect(deep.summary).toMatch(
        /^pg_amcheck --heapallindexed --parent-check clean on every heap and index; [1-9]\d* rows read through their primary keys equal the full scan$/,
      );
      console.log(`postgres clean ${method}: deep-verify: ${deep.summary}`);
      expect(check(result, "exact-equivalence").valid).toBe(true);
      const { source, restored } = result.evidence.integrity;
      expect(restored).toEqual(source);
      expect(source!.count).toBe(result.evidence.scope.dataset.recordsLoaded);
      expect(result.evidence.artifacts.every((a) => /^[0-9a-f]{64}$/.test(a.sha256))).toBe(true);
      expect(result.evidence.achieved.rpoMs).toBe(0);
    });
  }
});
