import { appendFile } from "node:fs/promises";
import { describe, expect, it } from "vitest";
import { engineEntry } from "../../engines/index.ts";
import { InputError } from "../../harness/errors.ts";
import { missingImage, skipUnless } from "./support.ts";
import { DAMAGES, appendOnlyChecks, damagedCopy, keptArtifact, verifyCli } from "./verify-support.ts";

// The full matrix of `dr-drill verify`: every engine and method that runs here, its intact artifact and three damaged
// copies of it. Long (a backup of each, four restores each): the scheduled workflow runs it with DR_DRILL_FULL=1.
// One engine: `-t "questdb checkpoint"`.
const FULL = process.env.DR_DRILL_FULL === "1";
const ROWS = Number(process.env.DR_DRILL_ROWS ?? 2000);
/** Where each outcome is appended as one JSON line, for the record of a full run. */
const OUTCOMES = process.env.DR_DRILL_VERIFY_OUTCOMES;

const MATRIX: [engine: string, method: string][] = [
  ["postgres", "physical"],
  ["postgres", "logical"],
  ["mosquitto", "sigusr1"],
  ["questdb", "checkpoint"],
  ["rabbitmq", "mnesia-copy"],
  ["exo", "procedure"],
  ["neo4j", "dump"],
  ["neo4j", "cold-copy"],
];

async function record(line: object): Promise<void> {
  process.stdout.write(`[verify-full] ${JSON.stringify(line)}\n`);
  if (OUTCOMES) await appendFile(OUTCOMES, JSON.stringify(line) + "\n");
}

describe("dr-drill verify: every engine's kept artifact, intact and damaged (DR_DRILL_FULL=1)", () => {
  for (const [engine, method] of MATRIX) {
    it(`${engine} ${method}: the intact artifact verifies; a flipped byte, a truncated file and a removed file each fail by name`, async (ctx) => {
      skipUnless(ctx, FULL ? undefined : "the full verify matrix runs with DR_DRILL_FULL=1 (the scheduled workflow)");
      skipUnless(ctx, await missingImage(engine));
      const kept = await keptArtifact(engine, method, ROWS);
      const t0 = Date.now();
      const intact = await verifyCli({ engine, artifact: kept.drillDir });
      await record({
        engine,
        method,
        damage: "none",
        verdict: intact.record.verdict,
        wallMs: Date.now() - t0,
        rtoMs: intact.record.rto.achievedMs,
        phases: intact.record.phases.map((p) => `${p.name} ${p.durationMs}ms`),
        failed: intact.record.reasons,
      });
      expect(intact.record.reasons).toEqual([]);
      expect(intact.code).toBe(0);
      // The intact verify is the reference: a damage that changes records at equal counts is a rewritten group.
      const checks = await appendOnlyChecks(intact.record);
      // Each engine aims its damages at bytes it reads and serves (its verify's damageTargets).
      const aim = (await engineEntry(engine).verify?.())?.damageTargets;
      for (const damage of DAMAGES) {
        const copy = await damagedCopy(kept.backup, damage, aim);
        const t1 = Date.now();
        const v = await verifyCli({ engine, method, artifact: copy.dir, compareWith: intact.dir, checks }).catch(
          (err: unknown) => {
            if (err instanceof InputError) return err;
            throw err;
          },
        );
        if (v instanceof InputError) {
          // A one-file artifact (a dump) without its file is no backup: refused as input (exit 2), by name.
          await record({ engine, method, damage: copy.what, verdict: "refused (exit 2)", failed: [v.message] });
          expect.soft(v.message, `${engine} ${method} ${copy.what}`).toMatch(/is an empty directory: no backup in it/);
          continue;
        }
        await record({
          engine,
          method,
          damage: copy.what,
          verdict: v.record.verdict,
          wallMs: Date.now() - t1,
          failed: v.record.reasons,
        });
        // Soft: every damage runs and is recorded, whichever one goes unnoticed.
        expect.soft(v.record.undecided, `${engine} ${method} ${copy.what}: undecided`).toBeNull();
        expect.soft(v.record.verdict, `${engine} ${method} ${copy.what}: no check failed`).toBe("fail");
        expect.soft(v.code).toBe(1);
      }
    });
  }
});
