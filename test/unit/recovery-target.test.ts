import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { checkAgainstLedger, type RecordModel } from "../../harness/checkers/ledger-oracle.ts";
import { recoveryTargetCheck, recoveryWindow, type RecoveryTarget } from "../../harness/checkers/recovery-target.ts";
import { measure } from "../../harness/drill/measures.ts";
import type { LedgerEntry, Outcome } from "../../harness/ledger.ts";
import { RecordFile } from "../../harness/records.ts";
import { makeTempDir } from "./support.ts";

/**
 * A simulated server: each write commits at one instant inside [invoke, complete] (an `info` write perhaps never, a
 * `fail` write never), and a recovery to X restores, per key, the value of the last write committed at or before X.
 * T is read by a query in flight over [from, to] on the drill clock.
 */
interface SimWrite {
  key: string;
  digest: string;
  invokeAt: number;
  commitAt: number | undefined;
  completeAt: number;
  outcome: Outcome;
}

const MODEL: RecordModel = { consistency: "point-in-time" };

/** One key's writes, one after another (its writer waits for each); keys overlap freely. */
const keyHistory = (k: number) =>
  fc
    .record({
      startAt: fc.integer({ min: 0, max: 400 }),
      allOk: fc.boolean(),
      ops: fc.array(
        fc.record({
          gap: fc.integer({ min: 1, max: 60 }),
          duration: fc.integer({ min: 2, max: 40 }),
          commitFraction: fc.double({ min: 0.01, max: 0.99, noNaN: true }),
          outcome: fc.constantFrom<Outcome>("ok", "ok", "ok", "info", "fail"),
          infoCommits: fc.boolean(),
        }),
        { minLength: 1, maxLength: 8 },
      ),
    })
    .map(({ startAt, allOk, ops }) => {
      let t = startAt;
      const key = `people/${k}`;
      const writes = ops.map((op, i): SimWrite => {
        const invokeAt = t + op.gap;
        const completeAt = invokeAt + op.duration;
        t = completeAt;
        const outcome = allOk ? "ok" : op.outcome;
        const commits = outcome === "ok" || (outcome === "info" && op.infoCommits);
        return {
          key,
          digest: `${key}#${i}`,
          invokeAt,
          commitAt: commits ? invokeAt + op.commitFraction * op.duration : undefined,
          completeAt,
          outcome,
        };
      });
      return { allOk, writes };
    });

const history = fc
  .array(fc.nat(), { minLength: 2, maxLength: 12 })
  .chain((ks) => fc.tuple(...ks.map((_, k) => keyHistory(k))))
  .map((keys) => ({
    writes: keys.flatMap((k) => k.writes),
    allOkKeys: new Set(keys.filter((k) => k.allOk).map((k) => k.writes[0]!.key)),
  }));

/** The state a recovery stopping at X leaves: per key, the last write committed at or before X. */
function stateAt(writes: SimWrite[], x: number): Map<string, string> {
  const last = new Map<string, SimWrite>();
  for (const w of writes)
    if (w.commitAt !== undefined && w.commitAt <= x && (last.get(w.key)?.commitAt ?? -Infinity) < w.commitAt)
      last.set(w.key, w);
  return new Map([...last].map(([k, w]) => [k, w.digest]));
}

function targetAt(from: number, to: number): RecoveryTarget {
  return {
    serverTime: "2026-12-07T19:40:00.000000Z",
    how: "SELECT clock_timestamp()",
    from,
    to,
    clientTimeAt: "2026-12-07T19:40:00.002Z",
  };
}

async function judgeRecovery(writes: SimWrite[], restored: Map<string, string>, target: RecoveryTarget) {
  const dir = await makeTempDir();
  const ledgerPath = join(dir, "ledger.jsonl");
  const entries = [...writes]
    .sort((a, b) => a.completeAt - b.completeAt)
    .map((w, seq): LedgerEntry => ({
      seq,
      process: w.key,
      op: "update",
      invokeAt: w.invokeAt,
      completeAt: w.completeAt,
      outcome: w.outcome,
      writes: [{ key: w.key, digest: w.digest, preview: w.digest }],
    }));
  await writeFile(ledgerPath, entries.map((e) => JSON.stringify(e)).join("\n") + "\n");
  const file = new RecordFile(join(dir, "restored.tsv"));
  for (const [key, digest] of restored) await file.add({ key, digest, preview: digest });
  await file.close();
  const oracle = await checkAgainstLedger({
    ledgerPath,
    restoredPath: file.path,
    window: recoveryWindow(target),
    model: MODEL,
    workDir: dir,
  });
  return { oracle, check: recoveryTargetCheck(target, oracle.figures) };
}

/** T, the query's interval around it on the drill clock, and a wrong stop T'. */
const instants = fc.record({
  t: fc.integer({ min: 50, max: 600 }),
  before: fc.double({ min: 0, max: 3, noNaN: true }),
  after: fc.double({ min: 0, max: 3, noNaN: true }),
  wrong: fc.integer({ min: -200, max: 200 }).filter((d) => d !== 0),
});

describe("recovery-target: the cut at T", () => {
  it("a recovery that stops exactly at T is never failed, whatever was in flight", async () => {
    await fc.assert(
      fc.asyncProperty(history, instants, async ({ writes }, { t, before, after }) => {
        const target = targetAt(t - before, t + after);
        const { oracle, check } = await judgeRecovery(writes, stateAt(writes, t), target);
        expect(oracle.valid).not.toBe(false);
        expect(check.valid).not.toBe(false);
      }),
      { numRuns: 60 },
    );
  });

  it("a recovery that stops at T' ≠ T is caught when an acknowledged write lies wholly between T' and T", async () => {
    await fc.assert(
      fc.asyncProperty(history, instants, async ({ writes, allOkKeys }, { t, before, after, wrong }) => {
        const target = targetAt(t - before, t + after);
        const stop = t + wrong;
        // Between: acknowledged before T's interval and committed after an early stop, or invoked after T's interval
        // and committed by a late stop. Keys with only acknowledged writes: an `info` write may land any time, so a
        // value it sent can explain an earlier state of its key.
        const between = writes.some(
          (w) =>
            allOkKeys.has(w.key) &&
            (stop < t
              ? w.completeAt < target.from && w.commitAt! > stop
              : w.invokeAt > target.to && w.commitAt! <= stop),
        );
        fc.pre(between);
        const { oracle, check } = await judgeRecovery(writes, stateAt(writes, stop), target);
        expect(oracle.valid).toBe(false);
        expect(check.valid).toBe(false);
        expect(check.summary).toMatch(stop < t ? /stops before the target/ : /goes past the target/);
      }),
      { numRuns: 60 },
    );
  });

  it("says how far before T an early stop lies, and the RPO runs back from T", async () => {
    const writes: SimWrite[] = [
      { key: "people/1", digest: "a", invokeAt: 0, commitAt: 5, completeAt: 10, outcome: "ok" },
      { key: "people/2", digest: "b", invokeAt: 1000, commitAt: 1005, completeAt: 1010, outcome: "ok" },
      { key: "people/3", digest: "c", invokeAt: 2990, commitAt: 2995, completeAt: 3000, outcome: "ok" },
    ];
    const target = targetAt(3500, 3502);
    const { check, oracle } = await judgeRecovery(writes, stateAt(writes, 1500), target);
    expect(check).toMatchObject({ valid: false, details: { missingBeforeTarget: 1, stopsBeforeTargetMs: 500 } });
    expect(check.summary).toContain("stops at least 0.500 s before T");
    expect(oracle.summary).toMatch(/1 lost/);
    expect(measure({ disasterAt: target.from }, oracle.figures, false).rpoMs).toBe(2490);
  });

  it("cannot decide without a write acknowledged before T, nor without a restored state", async () => {
    const writes: SimWrite[] = [
      { key: "people/1", digest: "a", invokeAt: 100, commitAt: 105, completeAt: 110, outcome: "ok" },
    ];
    const target = targetAt(50, 52);
    expect((await judgeRecovery(writes, new Map(), target)).check.valid).toBe("unknown");
    expect(recoveryTargetCheck(target, null).valid).toBe("unknown");
  });
});
