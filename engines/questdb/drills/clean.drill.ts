import { describe, it, expect } from "vitest";
import { check, expectPass, runOne } from "../../../test/drills/support.ts";

// No writes during the backup: the restored state must equal the source exactly, record for record.
describe("questdb: clean drill, no load", () => {
  it("checkpoint backup restores the exact source state", async () => {
    const result = await runOne("questdb", "clean");
    expectPass(result);
    const e = result.evidence;
    expect(check(result, "exact-equivalence").valid).toBe(true);
    expect(e.integrity.restored).toEqual(e.integrity.source);
    expect(e.integrity.source!.count).toBe(e.scope.dataset.recordsLoaded);
    expect(e.backup.specialModeMs).toBeGreaterThan(0);
    expect(e.artifacts.some((a) => a.path.startsWith(".checkpoint/db/") && a.path.endsWith("_checkpoint_meta.d"))).toBe(
      true,
    );
    // The recovery was seen, not assumed: the trigger before the start, gone after it, and QuestDB's own log line.
    expect(e.restoreAttempts).toHaveLength(1);
    expect(e.restoreAttempts[0]).toMatchObject({
      ok: true,
      summary: expect.stringMatching(/^server started; recovered from the checkpoint \(log: checkpoint recovered \[/),
    });
    expect(e.restoreAttempts[0]!.observed).toEqual(
      expect.arrayContaining([
        "_restore present before the start",
        "_restore gone after the start",
        expect.stringMatching(/^log: .*DatabaseCheckpointAgent checkpoint recovered \[/),
      ]),
    );
    expect(check(result, "invariant:wal-healthy").valid).toBe(true);
  });
});
