import { describe, it, expect } from "vitest";
import { check, expectPass, ledgerOf, oracleOf, runOne } from "../../../test/drills/support.ts";

const ROWS = Number(process.env.DR_DRILL_ROWS ?? 2_000);

// Creates, updates, deletes and transfers commit until the writers drain and the server stops for the dump: every
// acknowledged write must come back, the accounts' total must hold and each balance match its TRANSFER relationships.
describe("neo4j: drill under load", () => {
  it("a dump after concurrent writes satisfies the oracle, the point-in-time cut and the balance invariants", async () => {
    const result = await runOne("neo4j", "load", { method: "dump", rows: ROWS, writers: 2 });
    expectPass(result);
    expect(check(result, "invariant:total-balance").valid).toBe(true);
    expect(check(result, "invariant:transfers-atomic").valid).toBe(true);
    const oracle = oracleOf(result);
    expect(oracle.cut).toMatchObject({ consistency: "point-in-time", tornGroups: 0 });
    // The node stopped after the writers drained: nothing acknowledged is lost, inside or after the recovery point.
    expect(oracle.violations.lost).toBe(0);

    // Every kind of write really happened and was acknowledged.
    const ledger = await ledgerOf(result);
    const kinds = new Set(ledger.filter((w) => w.outcome === "ok").map((w) => w.op));
    for (const kind of ["create-node", "update-node", "delete-node", "create-rel", "delete-rel", "transfer"])
      expect(kinds, kind).toContain(kind);
  });
});
