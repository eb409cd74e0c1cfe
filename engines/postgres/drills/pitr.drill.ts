import { describe, it, expect } from "vitest";
import { check, expectMet, expectPass, oracleOf, runOne, SCENARIO_ROWS } from "../../../test/drills/support.ts";
import { detailsOf } from "../../../harness/checkers/check-details.ts";
import { RECOVERY_TARGET } from "../../../harness/checkers/recovery-target.ts";
import { TARGET_BEFORE_BACKUP_REFUSAL, TARGET_NOT_REACHED } from "../pitr-faults.ts";

/** Point-in-time recovery is about the WAL after the base backup, not the data set's size: a small one keeps CI short. */
const rows = Math.min(SCENARIO_ROWS, 5_000);

describe("postgres: point-in-time recovery with the WAL archive", () => {
  it("recovers to T read from the server: every write acknowledged before T present, none invoked after it", async () => {
    const result = await runOne("postgres", "pitr", { rows });
    expectPass(result);
    const e = result.evidence;
    const target = e.scope.recoveryPoint.target!;
    expect(target.serverTime).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/);
    // T comes after the base backup ended, and writes after T existed (they must be absent).
    expect(Date.parse(target.from)).toBeGreaterThan(Date.parse(e.scope.recoveryPoint.backupEndedAt));
    expect(check(result, "recovery-target").valid).toBe(true);
    expect(check(result, "preflight:wal-archive").valid).toBe(true);
    expect(oracleOf(result).ackedLostAfterRecoveryPoint).toBeGreaterThan(0);
    expect(e.restoreAttempts[0]!.observed!.join("\n")).toMatch(/recovery stopping before commit of transaction/);
    // The RPO runs back from T: only what was in flight at T may be missing.
    expect(e.achieved.rpoMs).not.toBeNull();
    expect(e.achieved.rpoMs!).toBeLessThan(1_000);
  });

  it("a T before the base backup is refused by the server, the backup left as it was", async () => {
    const result = await runOne("postgres", "pitr-before-backup", { rows });
    expectMet(result);
    expect(result.evidence.expectation.observed).toBe("refused");
    expect(result.evidence.restoreAttempts.at(-1)!.summary).toContain(TARGET_BEFORE_BACKUP_REFUSAL);
    expect(check(result, "artifact-untouched").valid).toBe(true);
  });

  it("an archive that ends before T: the server refuses the target, the fallback loses writes, the gap in seconds", async () => {
    const result = await runOne("postgres", "pitr-archive-short", { rows });
    expectMet(result);
    const e = result.evidence;
    expect(e.restoreAttempts[0]!.summary).toContain(TARGET_NOT_REACHED);
    expect(e.restoreAttempts).toHaveLength(2);
    expect(oracleOf(result).violations.lost).toBeGreaterThan(0);
    expect(check(result, "preflight:wal-archive").valid).toBe(false);
    const gap = detailsOf(e.checks, RECOVERY_TARGET)?.stopsBeforeTargetMs;
    // The archive was cut at a WAL switch made about a second (settleMs) before T.
    expect(gap).toBeGreaterThan(300);
    // The RPO is rounded to the microsecond; the gap is a lower bound of it.
    expect(e.achieved.rpoMs!).toBeGreaterThanOrEqual(gap! - 0.001);
  });
});
