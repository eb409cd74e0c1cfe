import { describe, it, expect } from "vitest";
import { check, expectMet, runOne } from "../../../test/drills/support.ts";

describe("questdb: a failed _restore, then the retry", () => {
  for (const [scenario, label] of [
    ["retry-checkpoint-meta", "_checkpoint_meta.d"],
    ["retry-table-txn", "a WAL table's _txn"],
  ] as const) {
    it(`missing ${label}: the server exits non-zero naming it, _restore stays; put back, the retry recovers`, async () => {
      const result = await runOne("questdb", scenario);
      expectMet(result);
      const e = result.evidence;
      const [first, second] = e.restoreAttempts;
      expect(e.restoreAttempts).toHaveLength(2);
      // Attempt 1: refused loudly, nothing served, the trigger seen still in place for the retry.
      expect(first!.ok).toBe(false);
      expect(first!.exitCode).toBeDefined();
      expect(first!.exitCode).not.toBe(0);
      expect(first!.observed).toEqual(["_restore present before the start", "_restore still present after the exit"]);
      // Attempt 2: after putting the file back, the recovery ran (its log line) and removed _restore.
      expect(second).toMatchObject({ ok: true, before: expect.stringMatching(/put .* back/) });
      expect(second!.observed).toEqual(
        expect.arrayContaining([
          "_restore present before the start",
          "_restore gone after the start",
          expect.stringMatching(/^log: .*checkpoint recovered \[/),
        ]),
      );
      expect(e.faults).toMatchObject([
        { fault: "missing-on-first-restore", expected: "restores", observed: "restored" },
      ]);
      expect(e.deviations).toContain("restore needed 2 attempts");
    });
  }
});

describe("questdb: faults the drill must detect", () => {
  it("recovery switched off: the server starts on the raw copy with _restore still there, and the drill fails", async () => {
    const result = await runOne("questdb", "recovery-off");
    expectMet(result);
    const e = result.evidence;
    expect(e.restoreAttempts).toMatchObject([
      {
        ok: false,
        observed: expect.arrayContaining([
          "_restore present before the start",
          "_restore still present after the start",
        ]),
      },
    ]);
    // No recovery line: the log never claims what did not happen.
    expect(e.restoreAttempts[0]!.observed!.some((o) => /checkpoint recovered/.test(o))).toBe(false);
    // The raw copy is not the checkpoint. What reading it gives (an oracle verdict, or the engine refusing a read) is
    // recorded, not assumed; either way it must not pass.
    const oracle = e.checks.find((c) => c.name === "ledger-oracle");
    expect(oracle?.valid).not.toBe(true);
    console.log(
      `recovery off: ${e.checks
        .filter((c) => c.valid !== true)
        .map((c) => `${c.name}: ${c.summary.split("\n")[0]}`)
        .join(" | ")}`,
    );
  });

  it("a backup without the .checkpoint directory fails the drill, saying so", async () => {
    const result = await runOne("questdb", "no-checkpoint-dir");
    expectMet(result);
    const e = result.evidence;
    expect(e.faults).toMatchObject([
      { fault: "copy-tool-skipped-dot-directories", target: ".checkpoint", expected: "detects", observed: "detected" },
    ]);
    // QuestDB itself refuses too: it exits with the cause and keeps _restore.
    expect(e.restoreAttempts).toMatchObject([
      {
        ok: false,
        exitCode: 55,
        observed: ["_restore present before the start", "_restore still present after the exit"],
      },
    ]);
    expect(check(result, "restore").valid).toBe(false);
  });
});
