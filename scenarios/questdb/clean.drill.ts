import { describe, it, expect } from "vitest";
import { QuestDbEngine, QUESTDB_DEFAULT_VERSION } from "../../engines/questdb/index.ts";
import { check, expectPass, scenarioDrill } from "../support.ts";

const FILE = "scenarios/questdb/clean.drill.ts";

// No writes during the backup: the restored state must equal the source exactly, record for record.
describe("questdb: clean drill, no load", () => {
  const name = "checkpoint backup restores the exact source state";
  it(name, async () => {
    const result = await scenarioDrill(FILE, name, { scenario: "qdb-clean", engine: new QuestDbEngine(QUESTDB_DEFAULT_VERSION) });
    expectPass(result);
    const e = result.evidence;
    expect(check(result, "exact-equivalence").valid).toBe(true);
    expect(e.integrity.restored).toEqual(e.integrity.source);
    expect(e.integrity.source!.count).toBe(e.scope.dataset.recordsLoaded);
    expect(e.backup.specialModeMs).toBeGreaterThan(0);
    expect(e.artifacts.some((a) => a.path.startsWith(".checkpoint/db/") && a.path.endsWith("_checkpoint_meta.d"))).toBe(true);
    // The recovery ran and removed its trigger, in one attempt.
    expect(e.restoreAttempts).toMatchObject([{ ok: true, restoreFilePresent: false }]);
    expect(check(result, "invariant:wal-healthy").valid).toBe(true);
  });
});
