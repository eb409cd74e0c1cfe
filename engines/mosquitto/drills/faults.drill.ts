import { describe, it, expect } from "vitest";
import { check, expectMet, oracleOf, runOne } from "../../../test/drills/support.ts";
import { MOSQUITTO_ROWS } from "./support.ts";

const failedChecks = (r: Awaited<ReturnType<typeof runOne>>) =>
  r.evidence.checks.filter((c) => c.valid === false).map((c) => c.name);

describe("mosquitto: faults in mosquitto.db", () => {
  it("a flipped payload byte: the broker starts without a word, and the oracle finds the message changed", async () => {
    const result = await runOne("mosquitto", "flipped-byte", { rows: MOSQUITTO_ROWS });
    expectMet(result);
    const e = result.evidence;
    // Silent: the file still reads to its end, the broker came up and logged nothing.
    expect(check(result, "preflight:mosquitto.db").valid).toBe(true);
    expect(e.restoreAttempts).toMatchObject([
      { ok: true, observed: expect.arrayContaining(["no warning or error in the broker's log"]) },
    ]);
    expect(check(result, "invariant:restore-log").valid).toBe(true);
    const oracle = oracleOf(result);
    expect(oracle.violations.corrupt + oracle.violations.lost).toBeGreaterThanOrEqual(1);
    // Only the data says it: the oracle, and the comparison with the source read before the disaster.
    expect(failedChecks(result).sort()).toEqual(["exact-equivalence", "ledger-oracle"]);
    console.log(`flipped byte: ${check(result, "ledger-oracle").summary}`);
  });

  it("an empty mosquitto.db: the broker starts empty with only a warning; preflight and oracle say everything is lost", async () => {
    const result = await runOne("mosquitto", "empty-file", { rows: MOSQUITTO_ROWS });
    expectMet(result);
    const e = result.evidence;
    expect(e.restoreAttempts).toMatchObject([
      {
        ok: true,
        summary: expect.stringMatching(/Warning: Persistence file is empty\./),
        observed: expect.arrayContaining(["mosquitto.db the broker started on: 0 bytes"]),
      },
    ]);
    const oracle = oracleOf(result);
    expect(oracle.keysPresent).toBe(0);
    expect(oracle.violations.lost).toBe(e.integrity.source!.count);
    expect(check(result, "invariant:restore-log").summary).toMatch(/Persistence file is empty/);
    console.log(`empty file: ${check(result, "ledger-oracle").summary}`);
  });

  it("a truncated mosquitto.db: the broker refuses to start, and the backup is left as it was", async () => {
    const result = await runOne("mosquitto", "truncated-file", { rows: MOSQUITTO_ROWS });
    expectMet(result);
    const e = result.evidence;
    expect(e.restoreAttempts).toMatchObject([
      {
        ok: false,
        exitCode: 1,
        summary: expect.stringMatching(/^Mosquitto exited with code 1: .*Error: Couldn't open database\.$/),
      },
    ]);
    expect(check(result, "artifact-untouched").valid).toBe(true);
    expect(check(result, "preflight:mosquitto.db").summary).toMatch(
      /truncated: a .* chunk at byte \d+ declares \d+ bytes, \d+ remain/,
    );
  });
});
