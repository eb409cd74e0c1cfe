import { describe, it, expect } from "vitest";
import { check, expectMet, runOne } from "../../../test/drills/support.ts";

const ROWS = Number(process.env.DR_DRILL_ROWS ?? 1_000);

// A file of its own: a cold copy taken twice (before and after the writes) is the longest Neo4j drill, and files run
// in parallel.
describe("neo4j: a stale index the scans cannot see", () => {
  it("a cold copy with older uid index files: Neo4j serves it silently, the seek through the index finds it", async () => {
    const result = await runOne("neo4j", "stale-uid-index", { method: "cold-copy", rows: ROWS });
    expectMet(result);
    expect(result.evidence.faults[0]).toMatchObject({ fault: "older-files" });
    expect(result.evidence.faults[0]!.target).toMatch(/schema\/index\/range-1\.0\/\d+\/index-\d+/);
    // The scans the oracle reads saw nothing wrong: only the seek by uid did.
    expect(check(result, "ledger-oracle").valid).toBe(true);
    expect(check(result, "invariant:uid-index")).toMatchObject({
      valid: false,
      summary: expect.stringMatching(/disagree between a scan and their uid index: .*not found through its uid index/),
    });
  });
});
