import { describe, it, expect } from "vitest";
import { MEMGRAPH_DEFAULT_VERSION, MEMGRAPH_VERSIONS } from "../versions.ts";
import { olderReader } from "../scenarios.ts";
import {
  check,
  expectMet,
  expectPass,
  missingImage,
  oracleOf,
  runOne,
  skipUnless,
} from "../../../test/drills/support.ts";

const ROWS = Number(process.env.DR_DRILL_ROWS ?? 2_000);
const missing = await missingImage("memgraph", Object.keys(MEMGRAPH_VERSIONS));

// Written against the official memgraph/memgraph images; where they cannot be had, every drill skips and says why.
describe("memgraph: the seed's backup and restore", () => {
  for (const method of ["snapshot", "snapshot-in-place", "dump"] as const) {
    it(`${method} under concurrent writes restores every acknowledged write, the cut and the balances`, async (ctx) => {
      skipUnless(ctx, missing);
      const result = await runOne("memgraph", "load", { method, rows: ROWS });
      expectPass(result);
      expect(check(result, "invariant:transfers-atomic").valid).toBe(true);
      expect(check(result, "durability:storage-mode").valid).toBe(true);
    });

    it(`${method} with no writes restores the exact source graph`, async (ctx) => {
      skipUnless(ctx, missing);
      const result = await runOne("memgraph", "clean", { method, rows: ROWS });
      expectPass(result);
      expect(check(result, "exact-equivalence").valid).toBe(true);
    });
  }

  it("a snapshot restored into an older version is detected by the header preflight; the server is still started on it", async (ctx) => {
    skipUnless(ctx, missing);
    const result = await runOne("memgraph", "newer-into-older", { rows: ROWS, version: MEMGRAPH_DEFAULT_VERSION });
    expectMet(result);
    expect(result.evidence.scope.restoreTarget.version).toBe(olderReader(MEMGRAPH_DEFAULT_VERSION));
    expect(check(result, "preflight:durability-version").valid).toBe(false);
    // What the older server did with the files is its own: it came up, or it exited.
    expect(result.evidence.restoreAttempts[0]?.summary).toMatch(/^server (up on|exited with code)/);
  });

  it("the in-place restore with the image's snapshot on exit recovers the empty server's newer snapshot, and the drill says everything was lost", async (ctx) => {
    skipUnless(ctx, missing);
    const result = await runOne("memgraph", "in-place-exit-snapshot", { rows: ROWS });
    expectMet(result);
    expect(oracleOf(result).violations.lost).toBeGreaterThan(0);
  });

  it("IN_MEMORY_ANALYTICAL (no WAL, no periodic snapshots) is reported", async (ctx) => {
    skipUnless(ctx, missing);
    expectMet(await runOne("memgraph", "analytical", { rows: ROWS }));
  });

  it("newer files forced into an older binary start empty, and the drill says how many writes were lost", async (ctx) => {
    skipUnless(ctx, missing);
    const result = await runOne("memgraph", "matrix", {
      rows: ROWS,
      version: MEMGRAPH_DEFAULT_VERSION,
      restoreInto: olderReader(MEMGRAPH_DEFAULT_VERSION)!,
    });
    expectMet(result);
    expect(oracleOf(result).violations.lost).toBeGreaterThan(0);
  });
});
