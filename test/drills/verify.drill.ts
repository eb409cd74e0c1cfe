import { describe, expect, it } from "vitest";
import { missingImage, skipUnless } from "./support.ts";
import { DAMAGES, damagedCopy, expectNamedFailure, keptArtifact, verifyCli } from "./verify-support.ts";

// CI's share of `dr-drill verify` (the full matrix of engines × damages: verify-full.drill.ts, DR_DRILL_FULL=1).
const ROWS = 2000;

describe("dr-drill verify: PostgreSQL artifacts that run --keep-artifacts left", () => {
  it("a base backup verifies (pg_verifybackup, pg_amcheck); a flipped byte, a truncated file and a removed file each fail by name", async (ctx) => {
    skipUnless(ctx, await missingImage("postgres"));
    const kept = await keptArtifact("postgres", "physical", ROWS);
    const intact = await verifyCli({
      engine: "postgres",
      artifact: kept.drillDir,
      maxAge: 26 * 3_600_000,
      rto: 600_000,
    });
    const byName = (n: string) => intact.record.checks.find((c) => c.name === n);
    expect(intact.record.reasons).toEqual([]);
    expect(intact.code).toBe(0);
    expect(byName("preflight:pg_verifybackup")?.valid).toBe(true);
    expect(byName("deep-verify")?.summary).toMatch(/pg_amcheck .* clean/);
    expect(byName("artifact-age")?.valid).toBe(true);
    expect(byName("artifact-untouched")?.valid).toBe(true);
    expect(intact.record.artifact.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(intact.record.statement.join("\n")).toMatch(
      /restorable and internally consistent.*not that nothing was lost/,
    );
    expect(intact.record.rto.achievedMs).toBeGreaterThan(0);
    expect(intact.record.fingerprint?.people?.count).toBeGreaterThan(0);
    for (const damage of DAMAGES) {
      const copy = await damagedCopy(kept.backup, damage);
      const v = await verifyCli({ engine: "postgres", artifact: copy.dir });
      const failed = expectNamedFailure(v.code, v.record, copy.what);
      process.stdout.write(`[verify] postgres physical ${copy.what}: ${failed.join(" | ")}\n`);
      // Every file of a base backup is in its backup_manifest: PostgreSQL's own verifier names each of these damages.
      expect(failed.some((f) => f.startsWith("preflight:pg_verifybackup:"))).toBe(true);
      expect(v.record.artifact.sha256).not.toBe(intact.record.artifact.sha256);
    }
  });

  it("--compare-with flags a table that lost rows since the earlier verify", async (ctx) => {
    skipUnless(ctx, await missingImage("postgres"));
    const before = await keptArtifact("postgres", "logical", ROWS);
    const after = await keptArtifact("postgres", "logical", ROWS / 2);
    const first = await verifyCli({ engine: "postgres", artifact: before.backup });
    expect(first.code).toBe(0);
    const second = await verifyCli({ engine: "postgres", artifact: after.backup, compareWith: first.dir });
    const compare = second.record.checks.find((c) => c.name === "compare-with");
    expect(compare?.valid).toBe(false);
    expect(compare?.summary).toMatch(/shrank: people: \d+ → \d+/);
    expect(second.code).toBe(1);
    // The same artifact again against itself: nothing shrank, the check holds.
    const again = await verifyCli({ engine: "postgres", artifact: before.backup, compareWith: first.dir });
    expect(again.record.checks.find((c) => c.name === "compare-with")?.valid).toBe(true);
    expect(again.code).toBe(0);
  });
});
