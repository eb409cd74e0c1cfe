import { describe, it, expect } from "vitest";
import { ACCOUNTS } from "../../../protocols/bolt/model.ts";
import { check, expectPass, runOne } from "../../../test/drills/support.ts";

/** Graph drills stay small: a few thousand nodes and relationships (DR_DRILL_ROWS overrides). */
export const GRAPH_ROWS = Number(process.env.DR_DRILL_ROWS ?? 2_000);

// No writes during the backup: the restored graph must equal the source exactly, node for node, relationship for relationship.
describe("neo4j: clean drill, no load", () => {
  for (const method of ["dump", "cold-copy"] as const) {
    it(`${method} of the stopped server restores the exact source graph`, async () => {
      // The dump's deep verifier never ran in a campaign (every fault was caught): run it on this undamaged restore.
      const result = await runOne("neo4j", "clean", { method, rows: GRAPH_ROWS, deepVerify: method === "dump" });
      expectPass(result);
      if (method === "dump") {
        const deep = check(result, "deep-verify");
        expect(deep.valid, deep.summary).toBe(true);
        console.log(`neo4j clean dump: deep-verify: ${deep.summary}`);
      }
      expect(check(result, "exact-equivalence").valid).toBe(true);
      const { source, restored } = result.evidence.integrity;
      expect(restored).toEqual(source);
      // Every node, every relationship and every account (its balance a record of its own) came back.
      expect(source!.count).toBe(result.evidence.scope.dataset.recordsLoaded);
      expect(result.evidence.scope.dataset.recordsLoaded).toBe(2 * GRAPH_ROWS + 2 * ACCOUNTS.count);
      expect(check(result, "invariant:total-balance").valid).toBe(true);
      // Every node and relationship found again through its uid index: the loaded graph plus the accounts.
      expect(check(result, "invariant:uid-index")).toMatchObject({
        valid: true,
        summary: expect.stringContaining(`each of ${source!.count - ACCOUNTS.count} nodes and relationships`),
      });
      expect(result.evidence.achieved.rpoMs).toBe(0);
    });
  }
});
