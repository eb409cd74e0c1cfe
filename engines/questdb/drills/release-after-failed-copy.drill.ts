import { describe, it, expect } from "vitest";
import { check, expectMet, runOne } from "../../../test/drills/support.ts";

// The seed: "It is very important to exit the checkpoint mode regardless of whether the copy operation succeeded or
// failed." The first copy breaks midway; the server must be out of checkpoint mode and still ingesting, and the second
// attempt must give a backup that restores.
describe("questdb: CHECKPOINT RELEASE always runs", () => {
  it("a copy that breaks midway still releases the checkpoint, ingestion goes on, and the retried backup restores", async () => {
    const result = await runOne("questdb", "release-after-failed-copy");
    expectMet(result);
    const e = result.evidence;
    expect(e.backup.failedAttempts).toHaveLength(1);
    expect(e.deviations).toContain("backup needed 2 attempts");
    expect(check(result, "checkpoint-released").summary).toMatch(
      /not in progress; 4 batches acknowledged over ILP\/HTTP and PG wire|not in progress; 4 batches acknowledged over PG wire and ILP\/HTTP/,
    );
    expect(e.restoreAttempts).toMatchObject([{ ok: true }]);
  });
});
