import { describe, it, expect } from "vitest";
import { PostgresEngine, deleteFirstWalSegment, flipByteInTable, substituteOlderBackupFault, truncateDump } from "../../engines/postgres/index.ts";
import { capturingSink, check, scenarioDrill } from "../support.ts";
import type { OracleFigures } from "../../harness/checkers/ledger-oracle.ts";

const FILE = "scenarios/postgres/faults.drill.ts";

/** Every fault here must make the drill FAIL, for the reason stated; a drill that passes on one is the worst bug. */
describe("postgres: faults the drill must detect", () => {
  const flipName = "a flipped byte in a table's data file fails the drill as corruption";
  it(flipName, async () => {
    const sink = capturingSink();
    const result = await scenarioDrill(FILE, flipName, { scenario: "fault-flip", engine: new PostgresEngine("15", "physical"), faults: [flipByteInTable("people")], sink });
    const e = result.evidence;
    expect(e.verdict).toBe("fail");
    expect(e.faults).toMatchObject([{ fault: "flip-bytes", expected: "detects" }]);
    const oracle = check(result, "ledger-oracle");
    expect(oracle.valid).toBe(false);
    expect((oracle.details as unknown as OracleFigures).violations).toMatchObject({ corrupt: 1, lost: 0, phantom: 0 });
    expect(oracle.examples![0]).toMatch(/^corrupt people\/\d+/);
    expect(check(result, "exact-equivalence")).toMatchObject({ valid: false, details: { differing: 1, missing: 0, extra: 0 } });
    // PostgreSQL's own manifest check sees it too, before the restore.
    expect(check(result, "preflight:pg_verifybackup").summary).toMatch(/checksum mismatch for file "base\/\d+\/\d+"/);
    // A failing drill tells how to replay it.
    expect(sink.lines.join("\n")).toContain(`seed=${e.scope.seed} replay: ${e.replay.command}`);
    expect(e.replay.command).toContain(`DR_DRILL_SEED=${e.scope.seed}`);
  });

  it("a missing WAL segment the backup needs fails the restore", async () => {
    const result = await scenarioDrill(FILE, "a missing WAL segment the backup needs fails the restore", {
      scenario: "fault-wal",
      engine: new PostgresEngine("15", "physical"),
      faults: [deleteFirstWalSegment()],
    });
    expect(result.evidence.verdict).toBe("fail");
    expect(result.evidence.faults[0]).toMatchObject({ fault: "delete-file", target: expect.stringMatching(/^pg_wal\/[0-9A-F]{24}$/) });
    const restore = check(result, "restore");
    expect(restore.valid).toBe(false);
    expect(restore.summary).toMatch(/could not locate required checkpoint record|could not find redo location|invalid checkpoint/);
    expect(result.evidence.restoreAttempts[0]!.exitCode).not.toBe(0);
    expect(check(result, "preflight:pg_verifybackup").valid).toBe(false);
  });

  it("a truncated dump fails the drill with the restore error and the rows it lost", async () => {
    const result = await scenarioDrill(FILE, "a truncated dump fails the drill with the restore error and the rows it lost", {
      scenario: "fault-truncated-dump",
      engine: new PostgresEngine("15", "logical"),
      faults: [truncateDump(0.5)],
    });
    expect(result.evidence.verdict).toBe("fail");
    expect(check(result, "restore").summary).toMatch(/pg_restore exited 1: .*(could not read|unexpected end|end of file)/);
    const oracle = check(result, "ledger-oracle");
    expect(oracle.valid).toBe(false);
    expect((oracle.details as unknown as OracleFigures).violations.lost).toBeGreaterThan(0);
  });

  it("an older backup substituted for the new one loses writes acknowledged before the backup started", async () => {
    const result = await scenarioDrill(FILE, "an older backup substituted for the new one loses writes acknowledged before the backup started", {
      scenario: "fault-older-backup",
      engine: new PostgresEngine("15", "physical"),
      faults: [substituteOlderBackupFault()],
      workload: { writers: 2, maxOps: 50_000, maxMs: 60_000, leadInOps: 300, tailMs: 200 },
    });
    expect(result.evidence.verdict).toBe("fail");
    const oracle = check(result, "ledger-oracle");
    expect(oracle.valid).toBe(false);
    // Rule 1: writes acknowledged before the (new) backup started are missing or older than acknowledged.
    const v = (oracle.details as unknown as OracleFigures).violations;
    expect(v.lost + v.stale).toBeGreaterThan(0);
    expect(v.phantom + v.corrupt + v.future).toBe(0);
    expect(oracle.summary).toMatch(/lost/);
  });
});
