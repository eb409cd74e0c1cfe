import { describe, it, expect } from "vitest";
import { check, expectMet, oracleOf, runOne } from "../../../test/drills/support.ts";

const ROWS = Number(process.env.DR_DRILL_ROWS ?? 1_000);

/** Every fault here must make the drill fail for the reason its scenario states; the core judges the expectation. */
describe("neo4j: faults the drill must catch", () => {
  it("a truncated dump is refused by neo4j-admin database load, the backup left as it was", async () => {
    const result = await runOne("neo4j", "truncated-dump", { rows: ROWS });
    expectMet(result);
    expect(result.evidence.expectation).toMatchObject({ outcome: "refuses", observed: "refused" });
    expect(result.evidence.faults[0]).toMatchObject({ fault: "truncate-file", target: "neo4j.dump" });
    expect(result.evidence.restoreAttempts[0]!.summary).toMatch(
      /neo4j-admin database load refused the dump: .*(Truncated source|Not a valid Neo4j archive)/,
    );
    expect(check(result, "artifact-untouched").valid).toBe(true);
  });

  it("a flipped byte in the dump's header is refused by the preflight and by neo4j-admin", async () => {
    const result = await runOne("neo4j", "flip-byte", { rows: ROWS });
    expectMet(result);
    expect(result.evidence.expectation).toMatchObject({ outcome: "refuses", observed: "refused" });
    expect(result.evidence.restoreAttempts[0]!.summary).toMatch(/Not a valid Neo4j archive/);
    expect(check(result, "preflight:dump")).toMatchObject({
      valid: false,
      summary: expect.stringMatching(/not a Neo4j dump format/),
    });
  });

  it("an older dump substituted for the new one loses the writes acknowledged in between", async () => {
    const result = await runOne("neo4j", "older-backup", { rows: ROWS });
    expectMet(result);
    const v = oracleOf(result).violations;
    expect(v.lost + v.stale).toBeGreaterThan(0);
    expect(v.phantom + v.corrupt + v.future).toBe(0);
  });
});
