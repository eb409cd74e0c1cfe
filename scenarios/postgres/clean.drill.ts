import { describe, it, expect } from "vitest";
import { PostgresEngine } from "../../engines/postgres/index.ts";
import { check, expectPass, scenarioDrill } from "../support.ts";

const FILE = "scenarios/postgres/clean.drill.ts";

// No writes during the backup: the restored state must equal the source exactly, record for record.
describe("postgres: clean drill, no load", () => {
  for (const method of ["physical", "logical"] as const) {
    const name = `${method} backup restores the exact source state`;
    it(name, async () => {
      const result = await scenarioDrill(FILE, name, { scenario: `clean-${method}`, engine: new PostgresEngine("15", method) });
      expectPass(result);
      const equivalence = check(result, "exact-equivalence");
      expect(equivalence.valid).toBe(true);
      const { source, restored } = result.evidence.integrity;
      expect(restored).toEqual(source);
      expect(source!.count).toBe(result.evidence.scope.dataset.recordsLoaded);
      expect(result.evidence.artifacts.length).toBeGreaterThan(0);
      expect(result.evidence.artifacts.every((a) => /^[0-9a-f]{64}$/.test(a.sha256))).toBe(true);
    });
  }
});
