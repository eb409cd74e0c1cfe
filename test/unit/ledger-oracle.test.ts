import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { checkAgainstLedger, judgeKey, type BackupWindow } from "../../harness/checkers/ledger-oracle.ts";
import { UNKNOWN_DIGEST, type LedgerEntry, type Outcome } from "../../harness/ledger.ts";
import { RecordFile } from "../../harness/records.ts";
import { makeTempDir } from "./support.ts";

type WriteRow = Parameters<typeof judgeKey>[0][number];
const WINDOW: BackupWindow = { start: 100, end: 200 };
const w = (outcome: Outcome, digest: string, invokeAt: number, completeAt: number): WriteRow => ({ outcome, digest, invokeAt, completeAt, preview: digest });

describe("judgeKey", () => {
  it("reports lost when a write acknowledged before the backup started is absent", () => {
    expect(judgeKey([w("ok", "d1", 10, 20)], undefined, WINDOW)).toEqual({ violation: "lost" });
  });

  it("allows absence when the only ok write completed after the backup started", () => {
    expect(judgeKey([w("ok", "d1", 90, 110)], undefined, WINDOW)).toEqual({});
    expect(judgeKey([w("ok", "d1", 150, 160)], undefined, WINDOW)).toEqual({});
  });

  it("allows absence when the key only has info or fail writes", () => {
    expect(judgeKey([w("info", UNKNOWN_DIGEST, 10, 20)], undefined, WINDOW)).toEqual({});
    expect(judgeKey([w("fail", UNKNOWN_DIGEST, 10, 20)], undefined, WINDOW)).toEqual({});
  });

  it("reports phantom for a present key that was never written", () => {
    expect(judgeKey([], "d1", WINDOW)).toEqual({ violation: "phantom" });
  });

  it("reports corrupt for a digest that matches no write of the key", () => {
    expect(judgeKey([w("ok", "d1", 10, 20)], "zz", WINDOW)).toEqual({ violation: "corrupt" });
  });

  it("reports failed-present when the value only comes from a fail write", () => {
    expect(judgeKey([w("fail", "d1", 10, 20)], "d1", WINDOW)).toEqual({ violation: "failed-present" });
    expect(judgeKey([w("ok", "d1", 10, 20), w("fail", "d2", 30, 40)], "d2", WINDOW)).toEqual({ violation: "failed-present" });
  });

  it("reports future when the value only comes from a write invoked after the backup ended", () => {
    expect(judgeKey([w("ok", "d1", 10, 20), w("ok", "d2", 250, 260)], "d2", WINDOW)).toEqual({ violation: "future" });
    expect(judgeKey([w("ok", "d1", 10, 20), w("info", "d2", 250, 260)], "d2", WINDOW)).toEqual({ violation: "future" });
  });

  it("reports stale when the value is older than the last write acknowledged before start", () => {
    expect(judgeKey([w("ok", "d1", 10, 20), w("ok", "d2", 30, 40)], "d1", WINDOW)).toEqual({ violation: "stale" });
  });

  it("accepts the older value when the newer write was acknowledged only after start", () => {
    const writes = [w("ok", "d1", 10, 20), w("ok", "d2", 150, 160)];
    expect(judgeKey(writes, "d1", WINDOW)).toEqual({ matched: 0 });
    expect(judgeKey(writes, "d2", WINDOW)).toEqual({ matched: 1 });
  });

  it("matches the value of an info write (it happened after all)", () => {
    expect(judgeKey([w("ok", "d1", 10, 20), w("info", "d2", 150, 300)], "d2", WINDOW)).toEqual({ matched: 1 });
  });

  it("accepts any value for a wildcard digest", () => {
    expect(judgeKey([w("ok", "d1", 10, 20), w("info", UNKNOWN_DIGEST, 120, 130)], "anything", WINDOW)).toEqual({ matched: 1 });
  });
});

type Entry = Omit<LedgerEntry, "seq" | "process">;
const entry = (op: string, outcome: Outcome, invokeAt: number, completeAt: number, writes: [string, string][]): Entry => ({
  op, outcome, invokeAt, completeAt, writes: writes.map(([key, digest]) => ({ key, digest, preview: `value ${digest}` })),
});

async function runCheck(entries: Entry[], restored: [string, string][], window = WINDOW) {
  const dir = await makeTempDir();
  const ledgerPath = join(dir, "ledger.jsonl");
  await writeFile(ledgerPath, entries.map((e, seq) => JSON.stringify({ seq, process: "writer-0", ...e })).join("\n") + "\n");
  const file = new RecordFile(join(dir, "restored.tsv"));
  for (const [key, digest] of restored) await file.add({ key, digest, preview: `value ${digest}` });
  await file.close();
  return checkAgainstLedger({ ledgerPath, restoredPath: file.path, window, workDir: dir });
}

const LOAD = entry("load", "ok", 0, 10, [["people/1", "a1"], ["people/2", "a2"], ["people/10", "a10"]]);
const NO_VIOLATIONS = { lost: 0, phantom: 0, corrupt: 0, "failed-present": 0, future: 0, stale: 0 };

describe("checkAgainstLedger", () => {
  it("passes a restored state consistent with the ledger, with its figures", async () => {
    const entries = [LOAD, entry("update", "ok", 50, 60, [["people/1", "b1"]]), entry("insert", "ok", 150, 160, [["people/9", "a9"]])];
    const result = await runCheck(entries, [["people/9", "a9"], ["people/1", "b1"], ["people/10", "a10"], ["people/2", "a2"]]);
    expect(result.valid).toBe(true);
    expect(result.figures).toMatchObject({ keysChecked: 4, keysPresent: 4, violations: NO_VIOLATIONS, ackedLostAfterRecoveryPoint: 0, newestSurvivingAck: 160 });
  });

  it("fails with exact counts and named examples for one lost, one corrupt and one phantom key", async () => {
    const result = await runCheck([LOAD], [["people/2", "garbage"], ["people/10", "a10"], ["people/99", "x"]]);
    expect(result.valid).toBe(false);
    expect(result.figures.violations).toEqual({ ...NO_VIOLATIONS, lost: 1, corrupt: 1, phantom: 1 });
    expect(result.figures.keysChecked).toBe(4);
    expect(result.examples).toHaveLength(3);
    expect(result.examples!.some((e) => e.startsWith("lost people/1\n"))).toBe(true);
    expect(result.examples!.some((e) => e.startsWith("corrupt people/2\n") && e.includes("garbage"))).toBe(true);
    expect(result.examples!.some((e) => e.startsWith("phantom people/99\n") && e.includes("(never written)"))).toBe(true);
    expect(result.summary).toMatch(/1 lost, 1 phantom, 1 corrupt/);
  });

  it("judges a key restored twice as a phantom copy", async () => {
    const result = await runCheck([LOAD], [["people/1", "a1"], ["people/1", "a1"], ["people/2", "a2"], ["people/10", "a10"]]);
    expect(result.figures.violations.phantom).toBe(1);
  });

  it("counts acknowledged writes after the backup started that were not restored", async () => {
    const entries = [LOAD, entry("update", "ok", 120, 130, [["people/1", "b1"]]), entry("insert", "ok", 140, 150, [["people/9", "a9"]]), entry("update", "ok", 160, 170, [["people/2", "b2"]])];
    const result = await runCheck(entries, [["people/1", "a1"], ["people/2", "b2"], ["people/10", "a10"]]);
    expect(result.valid).toBe(true);
    expect(result.figures.ackedLostAfterRecoveryPoint).toBe(2);
    expect(result.figures.keysPresent).toBe(3);
    expect(result.figures.newestSurvivingAck).toBe(170);
  });

  it("counts info writes whose known value was restored, not wildcard ones", async () => {
    const entries = [LOAD, entry("update", "info", 120, 300, [["people/1", "b1"]]), entry("update", "info", 120, 300, [["people/2", UNKNOWN_DIGEST]])];
    const result = await runCheck(entries, [["people/1", "b1"], ["people/2", "whatever"], ["people/10", "a10"]]);
    expect(result.valid).toBe(true);
    expect(result.figures.infoRecovered).toBe(1);
  });
});

/** Single-writer registers: each key's writes are sequential; integer times, window bounds at .5 so nothing ties. */
const registerArb = fc.array(fc.record({ outcome: fc.constantFrom<Outcome>("ok", "ok", "info", "fail"), gap: fc.nat(30), dur: fc.integer({ min: 1, max: 60 }), wildcard: fc.boolean() }), { minLength: 1, maxLength: 5 });
const scenarioArb = fc.record({ registers: fc.array(registerArb, { minLength: 1, maxLength: 6 }), start: fc.nat(200), length: fc.nat(150), picks: fc.array(fc.nat(), { minLength: 7, maxLength: 7 }) });

describe("checkAgainstLedger on random single-writer registers", () => {
  it("accepts any allowed restored value per key, and catches one value never written", async () => {
    await fc.assert(
      fc.asyncProperty(scenarioArb, async ({ registers, start, length, picks }) => {
        const window = { start: start + 0.5, end: start + 0.5 + length };
        const entries: Entry[] = [];
        const restored = new Map<string, string>();
        const replaceable: string[] = [];
        registers.forEach((writes, k) => {
          const key = `reg/${k}`;
          let t = 0;
          const rows = writes.map((spec, j) => {
            const invokeAt = t + spec.gap;
            t = invokeAt + spec.dur;
            const digest = spec.outcome === "fail" || (spec.outcome === "info" && spec.wildcard) ? UNKNOWN_DIGEST : `v${k}.${j}`;
            entries.push(entry("write", spec.outcome, invokeAt, t, [[key, digest]]));
            return { ...spec, invokeAt, completeAt: t, digest };
          });
          // Rules 1-4: not older than the last ack before start, never a failed write, never invoked after the end.
          const lastAcked = rows.reduce((last, r, j) => (r.outcome === "ok" && r.completeAt < window.start ? j : last), -1);
          const allowed = rows.filter((r, j) => j >= lastAcked && r.outcome !== "fail" && r.invokeAt < window.end);
          const choices = lastAcked < 0 ? [undefined, ...allowed] : allowed;
          const chosen = choices[picks[k]! % choices.length];
          if (chosen) restored.set(key, chosen.digest === UNKNOWN_DIGEST ? `any-${k}` : chosen.digest);
          if (chosen && !allowed.some((r) => r.digest === UNKNOWN_DIGEST)) replaceable.push(key);
        });
        const valid = await runCheck(entries, [...restored], window);
        expect(valid.figures.violations).toEqual(NO_VIOLATIONS);
        expect(valid.figures.keysChecked).toBe(registers.length);
        expect(valid.figures.keysPresent).toBe(restored.size);

        fc.pre(replaceable.length > 0);
        restored.set(replaceable[picks[6]! % replaceable.length]!, "never-written");
        const broken = await runCheck(entries, [...restored], window);
        expect(broken.valid).toBe(false);
        expect(broken.figures.violations).toEqual({ ...NO_VIOLATIONS, corrupt: 1 });
      }),
      { numRuns: 40, seed: 20240601 },
    );
  });
});
