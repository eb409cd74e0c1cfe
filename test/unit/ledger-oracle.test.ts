import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { checkAgainstLedger, judgeKey, type BackupWindow, type RecordModel } from "../../harness/checkers/ledger-oracle.ts";
import { ABSENT_DIGEST, UNKNOWN_DIGEST, type LedgerEntry, type Outcome } from "../../harness/ledger.ts";
import { LIST_SEPARATOR, RecordFile } from "../../harness/records.ts";
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
    expect(judgeKey([w("info", "d1", 10, 20)], undefined, WINDOW)).toEqual({});
    expect(judgeKey([w("fail", "d1", 10, 20)], undefined, WINDOW)).toEqual({});
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
    expect(judgeKey(writes, "d1", WINDOW)).toEqual({ matched: 0, oldest: 0 });
    expect(judgeKey(writes, "d2", WINDOW)).toEqual({ matched: 1, oldest: 1 });
  });

  it("accepts the value an info write sent or the value before it, and no third value", () => {
    const writes = [w("ok", "d1", 10, 20), w("info", "d2", 150, 300)];
    expect(judgeKey(writes, "d2", WINDOW)).toEqual({ matched: 1, oldest: 1 });
    expect(judgeKey(writes, "d1", WINDOW)).toEqual({ matched: 0, oldest: 0 });
    expect(judgeKey(writes, "d3", WINDOW)).toEqual({ violation: "corrupt" });
  });

  it("accepts any value for a wildcard digest", () => {
    expect(judgeKey([w("ok", "d1", 10, 20), w("info", UNKNOWN_DIGEST, 120, 130)], "anything", WINDOW)).toEqual({ matched: 1, oldest: 1 });
  });

  it("names the oldest and the newest write that may have left a recurring value", () => {
    expect(judgeKey([w("ok", "v1", 10, 20), w("ok", "v2", 110, 115), w("ok", "v1", 150, 160)], "v1", WINDOW)).toEqual({ matched: 2, oldest: 0 });
  });

  it("accepts absence after a delete acknowledged before the start, and reports the deleted value as stale", () => {
    const writes = [w("ok", "d1", 10, 20), w("ok", ABSENT_DIGEST, 30, 40)];
    expect(judgeKey(writes, undefined, WINDOW)).toEqual({ matched: 1, oldest: 1 });
    expect(judgeKey(writes, "d1", WINDOW)).toEqual({ violation: "stale" });
  });

  it("reports lost when only a delete invoked after the backup ended could explain absence", () => {
    expect(judgeKey([w("ok", "d1", 10, 20), w("ok", ABSENT_DIGEST, 250, 260)], undefined, WINDOW)).toEqual({ violation: "lost" });
  });
});

type Entry = Omit<LedgerEntry, "seq" | "process">;
const entry = (op: string, outcome: Outcome, invokeAt: number, completeAt: number, writes: [string, string][]): Entry => ({
  op, outcome, invokeAt, completeAt, writes: writes.map(([key, digest]) => ({ key, digest, preview: `value ${digest}` })),
});

const PER_KEY: RecordModel = { consistency: "per-key" };
const POINT_IN_TIME: RecordModel = { consistency: "point-in-time" };
const PER_STREAM: RecordModel = { consistency: "prefix-per-stream" };

async function runCheck(entries: Entry[], restored: [key: string, digest: string, position?: number][], model = PER_KEY, window = WINDOW) {
  const dir = await makeTempDir();
  const ledgerPath = join(dir, "ledger.jsonl");
  await writeFile(ledgerPath, entries.map((e, seq) => JSON.stringify({ seq, process: "writer-0", ...e })).join("\n") + "\n");
  const file = new RecordFile(join(dir, "restored.tsv"));
  for (const [key, digest, position] of restored) await file.add({ key, digest, preview: `value ${digest}`, ...(position === undefined ? {} : { position }) });
  await file.close();
  return checkAgainstLedger({ ledgerPath, restoredPath: file.path, window, model, workDir: dir });
}

const LOAD = entry("load", "ok", 0, 10, [["people/1", "a1"], ["people/2", "a2"], ["people/10", "a10"]]);
const NO_VIOLATIONS = { lost: 0, phantom: 0, duplicate: 0, corrupt: 0, "failed-present": 0, future: 0, stale: 0, reordered: 0, "torn-cut": 0 };

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
    expect(result.figures.lostInsideRecoveryPoint).toBe(1);
    expect(result.examples).toHaveLength(3);
    expect(result.examples!.some((e) => e.startsWith("lost people/1\n"))).toBe(true);
    expect(result.examples!.some((e) => e.startsWith("corrupt people/2\n") && e.includes("garbage"))).toBe(true);
    expect(result.examples!.some((e) => e.startsWith("phantom people/99\n") && e.includes("(never written)"))).toBe(true);
    expect(result.summary).toMatch(/1 lost, 1 phantom, 1 corrupt/);
  });

  it("reports a key restored twice as a duplicate when duplicates are forbidden", async () => {
    const result = await runCheck([LOAD], [["people/1", "a1"], ["people/1", "a1"], ["people/2", "a2"], ["people/10", "a10"]]);
    expect(result.figures.violations).toEqual({ ...NO_VIOLATIONS, duplicate: 1 });
  });

  it("accepts copies of one acceptable value when duplicates are allowed, and counts them", async () => {
    const result = await runCheck([LOAD], [["people/1", "a1"], ["people/1", "a1"], ["people/2", "a2"], ["people/10", "a10"]], { consistency: "per-key", duplicates: "allowed" });
    expect(result.valid).toBe(true);
    expect(result.figures.duplicatesSeen).toBe(1);
  });

  it("reports copies that disagree as a duplicate even when duplicates are allowed", async () => {
    const entries = [LOAD, entry("update", "ok", 120, 130, [["people/1", "b1"]])];
    const result = await runCheck(entries, [["people/1", "a1"], ["people/1", "b1"], ["people/2", "a2"], ["people/10", "a10"]], { consistency: "per-key", duplicates: "allowed" });
    expect(result.figures.violations).toEqual({ ...NO_VIOLATIONS, duplicate: 1 });
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

  it("cannot decide when nothing was acknowledged before the backup: an empty source and an empty restore prove nothing", async () => {
    const empty = await runCheck([], []);
    expect(empty.valid).toBe("unknown");
    expect(empty.figures.ackedBeforeWindow).toBe(0);
    expect(empty.summary).toMatch(/^nothing to check: the ledger holds no write acknowledged before the backup started \(0 keys, 0 restored\), so an empty restore would pass as well/);
    // Every write of the load failed or is unknown, or came after the backup started: still nothing the backup promised.
    const unacknowledged = [entry("load", "fail", 0, 10, [["people/1", "a1"]]), entry("load", "info", 10, 20, [["people/2", "a2"]]), entry("insert", "ok", 120, 130, [["people/9", "a9"]])];
    expect((await runCheck(unacknowledged, [])).valid).toBe("unknown");
    expect((await runCheck(unacknowledged, [["people/9", "a9"]])).valid).toBe("unknown");
    // A violation is still a failure: false beats unknown.
    expect((await runCheck(unacknowledged, [["people/1", "a1"]])).valid).toBe(false);
    // One write acknowledged before the start is a promise the restore can keep or break.
    const kept = await runCheck([entry("load", "ok", 0, 10, [["people/1", "a1"]])], [["people/1", "a1"]]);
    expect(kept.valid).toBe(true);
    expect(kept.figures.ackedBeforeWindow).toBe(1);
  });

  it("reports a list whose items are restored out of append order", async () => {
    const q = (seq: string) => `queue${LIST_SEPARATOR}${seq}`;
    const entries = [entry("append", "ok", 0, 10, [[q("01"), "m1"], [q("02"), "m2"], [q("03"), "m3"]])];
    expect((await runCheck(entries, [[q("01"), "m1", 0], [q("02"), "m2", 1], [q("03"), "m3", 2]])).valid).toBe(true);
    const result = await runCheck(entries, [[q("01"), "m1", 0], [q("02"), "m2", 2], [q("03"), "m3", 1]]);
    expect(result.figures.violations).toEqual({ ...NO_VIOLATIONS, reordered: 1 });
    expect(result.examples).toEqual(["reordered queue\n  queue\u241f03 restored at position 1, before queue\u241f02 at 2"]);
  });
});

describe("checkAgainstLedger: consistency of the cut", () => {
  // trades/17 was written at 150 (visible) after ticks/9 was acknowledged at 130 (missing): no instant explains both.
  const TORN = [
    entry("load", "ok", 0, 10, [["trades/17", "t1"], ["ticks/9", "k1"]]),
    entry("update", "ok", 120, 130, [["ticks/9", "k2"]]),
    entry("update", "ok", 150, 160, [["trades/17", "t2"]]),
  ];
  const TORN_STATE: [string, string][] = [["trades/17", "t2"], ["ticks/9", "k1"]];

  it("catches a torn cut across two keys under point-in-time, naming the keys and the gap", async () => {
    const result = await runCheck(TORN, TORN_STATE, POINT_IN_TIME);
    expect(result.valid).toBe(false);
    expect(result.figures.violations).toEqual({ ...NO_VIOLATIONS, "torn-cut": 1 });
    expect(result.figures.cut).toEqual({
      consistency: "point-in-time", toleranceMs: 0, groups: 1, tornGroups: 1, untimedKeys: 0,
      worst: { group: "all keys", visibleKey: "trades/17", visibleInvokeAt: 150, missingKey: "ticks/9", missingCompleteAt: 130, byMs: 20 },
    });
    expect(result.summary).toContain("torn cut: trades/17 holds a write invoked at 150.0 ms while ticks/9 lacks a write acknowledged at 130.0 ms (20.0 ms apart)");
    expect(result.examples).toHaveLength(1);
    expect(result.examples![0]).toMatch(/^torn-cut all keys\n/);
  });

  it("passes the same state under per-key, which promises no cut", async () => {
    const result = await runCheck(TORN, TORN_STATE, PER_KEY);
    expect(result.valid).toBe(true);
    expect(result.figures.cut).toEqual({ consistency: "per-key", toleranceMs: 0, groups: 0, tornGroups: 0, untimedKeys: 0 });
  });

  it("does not claim a tear within the span the backup promised, and does beyond it", async () => {
    // The same 20 ms tear: inside a 25 ms span (a checkpoint taking the tables one by one), outside a 15 ms one.
    expect((await runCheck(TORN, TORN_STATE, { ...POINT_IN_TIME, toleranceMs: 25 })).valid).toBe(true);
    const beyond = await runCheck(TORN, TORN_STATE, { ...POINT_IN_TIME, toleranceMs: 15 });
    expect(beyond.figures.cut).toMatchObject({ toleranceMs: 15, tornGroups: 1, worst: { byMs: 20 } });
  });

  it("passes a consistent cut taken while writes were in flight", async () => {
    // The cut at 125 sees a2 (invoked at 120) and not b2 (acknowledged at 170).
    const entries = [
      entry("load", "ok", 0, 10, [["a/1", "a1"], ["b/1", "b1"]]),
      entry("update", "ok", 110, 170, [["b/1", "b2"]]),
      entry("update", "ok", 120, 180, [["a/1", "a2"]]),
    ];
    const result = await runCheck(entries, [["a/1", "a2"], ["b/1", "b1"]], POINT_IN_TIME);
    expect(result.valid).toBe(true);
    expect(result.figures.cut.groups).toBe(1);
  });

  it("does not claim a torn cut when the visible value may come from an older write of the same value", async () => {
    // x/1 holds v1, written at 0 and again at 150: the cut may predate v2 (acknowledged at 115) and y/1's w2 (at 130).
    const entries = [
      entry("load", "ok", 0, 10, [["x/1", "v1"], ["y/1", "w1"]]),
      entry("update", "ok", 110, 115, [["x/1", "v2"]]),
      entry("update", "ok", 120, 130, [["y/1", "w2"]]),
      entry("update", "ok", 150, 160, [["x/1", "v1"]]),
    ];
    const result = await runCheck(entries, [["x/1", "v1"], ["y/1", "w1"]], POINT_IN_TIME);
    expect(result.valid).toBe(true);
  });

  it("never counts an info write as a missing acknowledged write", async () => {
    const entries = [
      entry("load", "ok", 0, 10, [["a/1", "a1"], ["b/1", "b1"]]),
      entry("update", "info", 110, 130, [["b/1", "b2"]]),
      entry("update", "ok", 150, 160, [["a/1", "a2"]]),
    ];
    const result = await runCheck(entries, [["a/1", "a2"], ["b/1", "b1"]], POINT_IN_TIME);
    expect(result.valid).toBe(true);
  });

  it("leaves a key matched by a wildcard write out of the cut", async () => {
    const entries = [
      entry("load", "ok", 0, 10, [["a/1", "a1"], ["b/1", "b1"]]),
      entry("update", "ok", 120, 130, [["b/1", "b2"]]),
      entry("transfer", "ok", 150, 160, [["a/1", UNKNOWN_DIGEST]]),
    ];
    const result = await runCheck(entries, [["a/1", "any"], ["b/1", "b1"]], POINT_IN_TIME);
    expect(result.valid).toBe(true);
    expect(result.figures.cut.untimedKeys).toBe(1);
  });

  it("treats an absent key after a delete as visible at the delete's invocation", async () => {
    const entries = [
      entry("load", "ok", 0, 10, [["a/1", "a1"], ["b/1", "b1"]]),
      entry("update", "ok", 120, 130, [["b/1", "b2"]]),
      entry("delete", "ok", 150, 160, [["a/1", ABSENT_DIGEST]]),
    ];
    const result = await runCheck(entries, [["b/1", "b1"]], POINT_IN_TIME);
    expect(result.figures.cut.worst).toMatchObject({ visibleKey: "a/1", visibleInvokeAt: 150, missingKey: "b/1", missingCompleteAt: 130 });
  });

  const s = (stream: string, seq: number) => `${stream}${LIST_SEPARATOR}${String(seq).padStart(4, "0")}`;
  const append = (stream: string, seq: number, invokeAt: number, completeAt: number) => entry("append", "ok", invokeAt, completeAt, [[s(stream, seq), `${stream}${seq}`]]);

  it("reports a stream with a gap as torn under prefix-per-stream", async () => {
    const entries = [append("orders", 1, 0, 10), append("orders", 2, 120, 130), append("orders", 3, 140, 150)];
    const result = await runCheck(entries, [[s("orders", 1), "orders1"], [s("orders", 3), "orders3"]], PER_STREAM);
    expect(result.figures.violations).toEqual({ ...NO_VIOLATIONS, "torn-cut": 1 });
    expect(result.figures.cut.worst).toEqual({ group: "orders", visibleKey: s("orders", 3), visibleInvokeAt: 140, missingKey: s("orders", 2), missingCompleteAt: 130, byMs: 10 });
  });

  it("passes two streams each restored as a prefix, at different points", async () => {
    // pays stops before its item 2 (acknowledged at 108) while orders holds its item 2 (invoked at 110).
    const entries = [append("orders", 1, 0, 10), append("pays", 1, 0, 10), append("pays", 2, 105, 108), append("orders", 2, 110, 120)];
    const result = await runCheck(entries, [[s("orders", 1), "orders1"], [s("orders", 2), "orders2"], [s("pays", 1), "pays1"]], PER_STREAM);
    expect(result.valid).toBe(true);
    expect(result.figures.cut).toMatchObject({ groups: 2, tornGroups: 0 });
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
        const valid = await runCheck(entries, [...restored], PER_KEY, window);
        expect(valid.figures.violations).toEqual(NO_VIOLATIONS);
        expect(valid.figures.keysChecked).toBe(registers.length);
        expect(valid.figures.keysPresent).toBe(restored.size);

        fc.pre(replaceable.length > 0);
        restored.set(replaceable[picks[6]! % replaceable.length]!, "never-written");
        const broken = await runCheck(entries, [...restored], PER_KEY, window);
        expect(broken.valid).toBe(false);
        expect(broken.figures.violations).toEqual({ ...NO_VIOLATIONS, corrupt: 1 });
      }),
      { numRuns: 40, seed: 20240601 },
    );
  });
});
