import { describe, it, expect } from "vitest";
import { capturingSink, check, expectMet, oracleOf, runOne } from "../../../test/drills/support.ts";

/** Every fault here must make the drill fail for the reason its scenario states; the expectation is judged by the core. */
describe("postgres: faults the drill must catch", () => {
  it("a flipped byte in a table's data file is detected by the oracle and by pg_verifybackup", async () => {
    const sink = capturingSink();
    const result = await runOne("postgres", "flip-byte", { sink });
    expectMet(result);
    const e = result.evidence;
    expect(e).toMatchObject({ verdict: "fail", expectation: { outcome: "detects", observed: "detected" } });
    expect(oracleOf(result).violations).toMatchObject({ corrupt: 1, lost: 0, phantom: 0 });
    expect(check(result, "exact-equivalence")).toMatchObject({
      valid: false,
      details: { differing: 1, missing: 0, extra: 0 },
    });
    // A failing drill tells how to replay it.
    expect(sink.lines.join("\n")).toContain(`seed=${e.scope.seed} replay: ${e.replay.command}`);
  });

  it("a missing WAL segment is refused by the server, loudly, with the backup left as it was", async () => {
    const result = await runOne("postgres", "missing-wal");
    expectMet(result);
    expect(result.evidence.faults[0]).toMatchObject({
      fault: "delete-file",
      target: expect.stringMatching(/^pg_wal\/[0-9A-F]{24}$/),
      observed: "refused",
    });
    expect(result.evidence.restoreAttempts[0]!.exitCode).not.toBe(0);
    expect(check(result, "preflight:pg_verifybackup").valid).toBe(false);
  });

  it("a truncated dump fails the restore and the lost rows are counted", async () => {
    const result = await runOne("postgres", "truncated-dump");
    expectMet(result);
    expect(oracleOf(result).violations.lost).toBeGreaterThan(0);
  });

  it("an older backup substituted for the new one loses writes acknowledged before the backup started", async () => {
    const result = await runOne("postgres", "older-backup");
    expectMet(result);
    const v = oracleOf(result).violations;
    expect(v.lost + v.stale).toBeGreaterThan(0);
    expect(v.phantom + v.corrupt + v.future).toBe(0);
  });
});
