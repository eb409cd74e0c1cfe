import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import {
  checkAgainstLedger,
  noViolations,
  type BackupWindow,
  type RecordModel,
} from "../../harness/checkers/ledger-oracle.ts";
import { judgeKey } from "../../harness/checkers/key-writes.ts";
import { measure, targetChecks } from "../../harness/drill/measures.ts";
import { ABSENT_DIGEST, UNKNOWN_DIGEST, type LedgerEntry, type Outcome } from "../../harness/ledger.ts";
import { LIST_SEPARATOR, RecordFile } from "../../harness/records.ts";
import { isOracleDetails, oracleDetails } from "../../harness/checkers/oracle-details.ts";
import { makeTempDir, oracleDetailsWith } from "./support.ts";

type WriteRow = Parameters<typeof judgeKey>[0][number];
const WINDOW: BackupWindow = { start: 100, end: 200 };
const w = (outcome: Outcome, digest: string, invokeAt: number, completeAt: number): WriteRow => ({
  outcome,
  digest,
  invokeAt,
  completeAt,
  preview: digest,
});

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
    expect(judgeKey([w("ok", "d1", 10, 20), w("fail", "d2", 30, 40)], "d2", WINDOW)).toEqual({
      violation: "failed-present",
    });
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
    expect(judgeKey([w("ok", "d1", 10, 20), w("info", UNKNOWN_DIGEST, 120, 130)], "anything", WINDOW)).toEqual({
      matched: 1,
      oldest: 1,
    });
  });

  it("names the oldest and the newest write that may have left a recurring value", () => {
    expect(judgeKey([w("ok", "v1", 10, 20), w("ok", "v2", 110, 115), w("ok", "v1", 150, 160)], "v1", WINDOW)).toEqual({
      matched: 2,
      oldest: 0,
    });
  });

  it("accepts absence after a delete acknowledged before the start, and reports the deleted value as stale", () => {
    const writes = [w("ok", "d1", 10, 20), w("ok", ABSENT_DIGEST, 30, 40)];
    expect(judgeKey(writes, undefined, WINDOW)).toEqual({ matched: 1, oldest: 1 });
    expect(judgeKey(writes, "d1", WINDOW)).toEqual({ violation: "stale" });
  });

  it("reports lost when only a delete invoked after the backup ended could explain absence", () => {
    expect(judgeKey([w("ok", "d1", 10, 20), w("ok", ABSENT_DIGEST, 250, 260)], undefined, WINDOW)).toEqual({
      violation: "lost",
    });
  });
});

type Entry = Omit<LedgerEntry, "seq" | "process">;
/** Keys and their digests: `{ key: digest }`, or pairs where a key comes twice or a record has a list position. */
type Digests = Record<string, string> | [key: string, digest: string, position?: number][];
const pairsOf = (digests: Digests) => (Array.isArray(digests) ? digests : Object.entries(digests));

const entry = (
  op: string,
  outcome: Outcome,
  invokeAt: number,
  completeAt: number,
  writes: Digests,
  declared: Pick<Entry, "atomic"> = {},
): Entry => ({
  op,
  outcome,
  invokeAt,
  completeAt,
  writes: pairsOf(writes).map(([key, digest]) => ({ key, digest, preview: `value ${digest}` })),
  ...declared,
});

const PER_KEY: RecordModel = { consistency: "per-key" };
const POINT_IN_TIME: RecordModel = { consistency: "point-in-time" };
const PER_STREAM: RecordModel = { consistency: "prefix-per-stream" };

async function runCheck(entries: Entry[], restored: Digests, model = PER_KEY, window = WINDOW) {
  const dir = await makeTempDir();
  const ledgerPath = join(dir, "ledger.jsonl");
  await writeFile(
    ledgerPath,
    entries.map((e, seq) => JSON.stringify({ seq, process: "writer-0", ...e })).join("\n") + "\n",
  );
  const file = new RecordFile(join(dir, "restored.tsv"));
  for (const [key, digest, position] of pairsOf(restored))
    await file.add({ key, digest, preview: `value ${digest}`, ...(position === undefined ? {} : { position }) });
  await file.close();
  return checkAgainstLedger({ ledgerPath, restoredPath: file.path, window, model, workDir: dir });
}

const LOAD = entry("load", "ok", 0, 10, { "people/1": "a1", "people/2": "a2", "people/10": "a10" });
const cutCheck = (result: Awaited<ReturnType<typeof runCheck>>, name: string) =>
  result.cutChecks.find((c) => c.name === name);
const NO_VIOLATIONS = noViolations();

describe("checkAgainstLedger", () => {
  it("passes a restored state consistent with the ledger, with its figures", async () => {
    const entries = [
      LOAD,
      entry("update", "ok", 50, 60, { "people/1": "b1" }),
      entry("insert", "ok", 150, 160, { "people/9": "a9" }),
    ];
    const result = await runCheck(entries, {
      "people/9": "a9",
      "people/1": "b1",
      "people/10": "a10",
      "people/2": "a2",
    });
    expect(result.valid).toBe(true);
    expect(result.figures).toMatchObject({
      keysChecked: 4,
      keysPresent: 4,
      violations: NO_VIOLATIONS,
      ackedLostAfterRecoveryPoint: 0,
      newestSurvivingAck: 160,
    });
  });

  it("fails with exact counts and named examples for one lost, one corrupt and one phantom key", async () => {
    const result = await runCheck([LOAD], { "people/2": "garbage", "people/10": "a10", "people/99": "x" });
    expect(result.valid).toBe(false);
    expect(result.figures.violations).toEqual({ ...NO_VIOLATIONS, lost: 1, corrupt: 1, phantom: 1 });
    expect(result.figures.keysChecked).toBe(4);
    expect(result.figures.lostInsideRecoveryPoint).toBe(1);
    expect(result.examples).toHaveLength(3);
    expect(result.examples!.some((e) => e.startsWith("lost people/1\n"))).toBe(true);
    expect(result.examples!.some((e) => e.startsWith("corrupt people/2\n") && e.includes("garbage"))).toBe(true);
    expect(result.examples!.some((e) => e.startsWith("phantom people/99\n") && e.includes("(never written)"))).toBe(
      true,
    );
    expect(result.summary).toMatch(/1 lost, 1 phantom, 1 corrupt/);
  });

  it("finds the one record of 30,000 whose digest differs in one character, across many file chunks", async () => {
    const hex = (i: number) => createHash("sha256").update(String(i)).digest("hex");
    const keys = Array.from({ length: 30_000 }, (_, i) => `t/${i}`);
    const load: Record<string, string> = Object.fromEntries(keys.map((k, i) => [k, hex(i)]));
    const restored = { ...load };
    const odd = restored["t/17321"]!;
    restored["t/17321"] = odd.slice(0, -1) + (odd.endsWith("0") ? "1" : "0");
    const whole = await runCheck([entry("load", "ok", 0, 10, load)], load, POINT_IN_TIME);
    expect(whole.valid).toBe(true);
    const result = await runCheck([entry("load", "ok", 0, 10, load)], restored, POINT_IN_TIME);
    expect(result.figures.violations).toEqual({ ...NO_VIOLATIONS, corrupt: 1 });
    expect(result.figures.keysChecked).toBe(30_000);
    expect(result.examples).toEqual([expect.stringMatching(/^corrupt t\/17321\n/)]);
  });

  const PEOPLE_1_TWICE: Digests = [
    ["people/1", "a1"],
    ["people/1", "a1"],
    ["people/2", "a2"],
    ["people/10", "a10"],
  ];

  it("reports a key restored twice as a duplicate when duplicates are forbidden", async () => {
    const result = await runCheck([LOAD], PEOPLE_1_TWICE);
    expect(result.figures.violations).toEqual({ ...NO_VIOLATIONS, duplicate: 1 });
  });

  it("accepts copies of one acceptable value when duplicates are allowed, and counts them", async () => {
    const result = await runCheck([LOAD], PEOPLE_1_TWICE, { consistency: "per-key", duplicates: "allowed" });
    expect(result.valid).toBe(true);
    expect(result.figures.duplicatesSeen).toBe(1);
  });

  it("reports copies that disagree as a duplicate even when duplicates are allowed", async () => {
    const entries = [LOAD, entry("update", "ok", 120, 130, { "people/1": "b1" })];
    const result = await runCheck(
      entries,
      [
        ["people/1", "a1"],
        ["people/1", "b1"],
        ["people/2", "a2"],
        ["people/10", "a10"],
      ],
      { consistency: "per-key", duplicates: "allowed" },
    );
    expect(result.figures.violations).toEqual({ ...NO_VIOLATIONS, duplicate: 1 });
  });

  it("counts acknowledged writes after the backup started that were not restored", async () => {
    const entries = [
      LOAD,
      entry("update", "ok", 120, 130, { "people/1": "b1" }),
      entry("insert", "ok", 140, 150, { "people/9": "a9" }),
      entry("update", "ok", 160, 170, { "people/2": "b2" }),
    ];
    const result = await runCheck(entries, { "people/1": "a1", "people/2": "b2", "people/10": "a10" });
    expect(result.valid).toBe(true);
    expect(result.figures.ackedLostAfterRecoveryPoint).toBe(2);
    expect(result.figures.keysPresent).toBe(3);
    expect(result.figures.newestSurvivingAck).toBe(170);
  });

  it("counts info writes whose known value was restored, not wildcard ones", async () => {
    const entries = [
      LOAD,
      entry("update", "info", 120, 300, { "people/1": "b1" }),
      entry("update", "info", 120, 300, [["people/2", UNKNOWN_DIGEST]]),
    ];
    const result = await runCheck(entries, { "people/1": "b1", "people/2": "whatever", "people/10": "a10" });
    expect(result.valid).toBe(true);
    expect(result.figures.infoRecovered).toBe(1);
  });

  it("cannot decide when nothing was acknowledged before the backup: an empty source and an empty restore prove nothing", async () => {
    const empty = await runCheck([], []);
    expect(empty.valid).toBe("unknown");
    expect(empty.figures.ackedBeforeWindow).toBe(0);
    expect(empty.summary).toMatch(
      /^nothing to check: the ledger holds no write acknowledged before the backup started \(0 keys, 0 restored\), so an empty restore would pass as well/,
    );
    // Every write of the load failed or is unknown, or came after the backup started: still nothing the backup promised.
    const unacknowledged = [
      entry("load", "fail", 0, 10, { "people/1": "a1" }),
      entry("load", "info", 10, 20, { "people/2": "a2" }),
      entry("insert", "ok", 120, 130, { "people/9": "a9" }),
    ];
    expect((await runCheck(unacknowledged, [])).valid).toBe("unknown");
    expect((await runCheck(unacknowledged, { "people/9": "a9" })).valid).toBe("unknown");
    // A violation is still a failure: false beats unknown.
    expect((await runCheck(unacknowledged, { "people/1": "a1" })).valid).toBe(false);
    // One write acknowledged before the start is a promise the restore can keep or break.
    const kept = await runCheck([entry("load", "ok", 0, 10, [["people/1", "a1"]])], { "people/1": "a1" });
    expect(kept.valid).toBe(true);
    expect(kept.figures.ackedBeforeWindow).toBe(1);
  });

  it("reports a list whose items are restored out of append order", async () => {
    const q = (seq: string) => `queue${LIST_SEPARATOR}${seq}`;
    const entries = [
      entry("append", "ok", 0, 10, [
        [q("01"), "m1"],
        [q("02"), "m2"],
        [q("03"), "m3"],
      ]),
    ];
    expect(
      (
        await runCheck(entries, [
          [q("01"), "m1", 0],
          [q("02"), "m2", 1],
          [q("03"), "m3", 2],
        ])
      ).valid,
    ).toBe(true);
    const result = await runCheck(entries, [
      [q("01"), "m1", 0],
      [q("02"), "m2", 2],
      [q("03"), "m3", 1],
    ]);
    expect(result.figures.violations).toEqual({ ...NO_VIOLATIONS, reordered: 1 });
    expect(result.examples).toEqual([
      "reordered queue\n  queue\u241f03 restored at position 1, before queue\u241f02 at 2",
    ]);
  });
});

describe("an info write older than the last acknowledged write of its key", () => {
  // Jepsen: an info op may take effect any time after its invocation, so after a later acknowledged write as well.
  it("may have landed after it: its value, or its delete, is accepted; an ok or failed write's value stays stale", () => {
    expect(judgeKey([w("info", "d1", 10, 20), w("ok", "d2", 30, 40)], "d1", WINDOW)).toEqual({ matched: 0, oldest: 0 });
    expect(
      judgeKey([w("ok", "d0", 0, 5), w("info", ABSENT_DIGEST, 10, 20), w("ok", "d2", 30, 40)], undefined, WINDOW),
    ).toEqual({ matched: 1, oldest: 1 });
    expect(judgeKey([w("ok", "d1", 10, 20), w("ok", "d2", 30, 40)], "d1", WINDOW)).toEqual({ violation: "stale" });
    expect(judgeKey([w("fail", "d1", 10, 20), w("ok", "d2", 30, 40)], "d1", WINDOW)).toEqual({ violation: "stale" });
  });

  it("leaves the acknowledged write neither lost after the recovery point nor missing from the cut", async () => {
    const entries = [
      entry("load", "ok", 0, 10, { "a/1": "a1", "b/1": "b1" }),
      entry("update", "info", 20, 30, { "a/1": "late" }),
      entry("update", "ok", 40, 50, { "a/1": "a2" }),
      entry("update", "ok", 150, 160, { "b/1": "b2" }),
    ];
    const result = await runCheck(entries, { "a/1": "late", "b/1": "b2" }, POINT_IN_TIME);
    expect(result.valid).toBe(true);
    expect(result.figures).toMatchObject({
      violations: NO_VIOLATIONS,
      ackedLostAfterRecoveryPoint: 0,
      infoRecovered: 1,
      cut: { tornGroups: 0 },
    });
  });
});

describe("checkAgainstLedger: what the RPO is measured from", () => {
  it("an absent key proves no write survived, even where a delete explains it: only a present value does", async () => {
    // g/1 was created at 110-115 and deleted at 190-305; the backup holds neither, and "never created" explains the
    // absence as well as the delete. Counting the delete as surviving reported 95 ms where the truth is 390 ms.
    const entries = [
      entry("load", "ok", 0, 10, { "a/1": "a1" }),
      entry("create", "ok", 110, 115, { "g/1": "g1" }),
      entry("delete", "ok", 190, 305, [["g/1", ABSENT_DIGEST]]),
      entry("update", "ok", 390, 400, { "a/1": "a2" }),
    ];
    const result = await runCheck(entries, { "a/1": "a1" });
    expect(result.valid).toBe(true);
    expect(result.figures.newestSurvivingAck).toBe(10);
    const achieved = measure({ disasterAt: 400 }, result.figures, true);
    expect(achieved.rpoMs).toBe(390);
    expect(targetChecks(achieved, { rpoMs: 100 })).toMatchObject([
      { name: "rpo-target", valid: false, summary: "RPO 390ms exceeds target 100ms" },
    ]);
  });

  it("a restore that holds nothing has no recovery point: no RPO, and no target is met", async () => {
    // Every key's last write was a delete, so every absence is allowed; the restore still proves no write survived.
    const entries = [
      entry("load", "ok", 0, 10, { "a/1": "a1", "b/1": "b1" }),
      entry("delete", "ok", 150, 160, [["a/1", ABSENT_DIGEST]]),
      entry("delete", "ok", 170, 180, [["b/1", ABSENT_DIGEST]]),
    ];
    const result = await runCheck(entries, []);
    expect(result.valid).toBe(true);
    expect(result.figures.newestSurvivingAck).toBeUndefined();
    const achieved = measure({ disasterAt: 180 }, result.figures, true);
    expect(achieved.rpoMs).toBeNull();
    expect(targetChecks(achieved, { rpoMs: 1_000_000 })).toMatchObject([{ name: "rpo-target", valid: false }]);
  });

  it("the recovery point never passes the oldest acknowledged write that is missing: a nearly empty restore is far from its disaster", async () => {
    const entries = [LOAD, entry("update", "ok", 150, 160, { "people/10": "b10" })];
    const result = await runCheck(entries, { "people/10": "b10" });
    expect(result.figures).toMatchObject({
      violations: { ...NO_VIOLATIONS, lost: 2 },
      newestSurvivingAck: 160,
      earliestMissingAck: 10,
    });
    const achieved = measure({ disasterAt: 160 }, result.figures, false);
    expect(achieved.rpoMs).toBe(150);
    expect(targetChecks(achieved, { rpoMs: 100 })).toMatchObject([{ name: "rpo-target", valid: false }]);
  });

  it("measures a consistent restore from its newest surviving write", async () => {
    const entries = [
      LOAD,
      entry("update", "ok", 120, 130, { "people/1": "b1" }),
      entry("update", "ok", 170, 180, { "people/2": "b2" }),
    ];
    const result = await runCheck(entries, { "people/1": "b1", "people/2": "a2", "people/10": "a10" }, POINT_IN_TIME);
    expect(result.figures).toMatchObject({ newestSurvivingAck: 130, earliestMissingAck: 180 });
    expect(measure({ disasterAt: 180 }, result.figures, true).rpoMs).toBe(50);
  });
});

describe("checkAgainstLedger: atomicity", () => {
  // One update wrote x/1 and y/1 at 150-160: the cut check sees one invocation and one completion for both keys.
  const BOTH = [
    entry("load", "ok", 0, 10, { "x/1": "x1", "y/1": "y1" }),
    entry("update", "ok", 150, 160, { "x/1": "x2", "y/1": "y2" }),
  ];

  it("catches half of one write of several keys, which the cut check passes", async () => {
    const result = await runCheck(BOTH, { "x/1": "x2", "y/1": "y1" }, POINT_IN_TIME);
    expect(result.valid).toBe(true);
    expect(result.figures.cut.tornGroups).toBe(0);
    expect(cutCheck(result, "atomicity")).toMatchObject({
      valid: false,
      details: { torn: 1 },
      examples: ["torn entry #1 (update)\n  applied on x/1, not on y/1"],
    });
    expect((await runCheck(BOTH, { "x/1": "x2", "y/1": "y2" }, POINT_IN_TIME)).cutChecks).toMatchObject([
      { name: "atomicity", valid: true, details: { entries: 2, torn: 0 } },
    ]);
    expect((await runCheck(BOTH, { "x/1": "x1", "y/1": "y1" }, POINT_IN_TIME)).cutChecks).toMatchObject([
      { name: "atomicity", valid: true },
    ]);
  });

  it("does not check a write its engine declares not atomic, nor a model that promises no cut", async () => {
    const split = [BOTH[0]!, { ...BOTH[1]!, atomic: false as const }];
    expect(cutCheck(await runCheck(split, { "x/1": "x2", "y/1": "y1" }, POINT_IN_TIME), "atomicity")).toMatchObject({
      valid: true,
      details: { entries: 1 },
    });
    expect((await runCheck(BOTH, { "x/1": "x2", "y/1": "y1" }, PER_KEY)).cutChecks).toEqual([]);
  });

  it("catches a key of the write missing as never created", async () => {
    const created = [entry("create", "ok", 150, 160, { "x/1": "x1", "y/1": "y1" })];
    expect(cutCheck(await runCheck(created, { "y/1": "y1" }, POINT_IN_TIME), "atomicity")).toMatchObject({
      valid: false,
      examples: ["torn entry #0 (create)\n  applied on y/1, not on x/1"],
    });
  });

  it("claims no tear it cannot prove: a recurring value, an info write that may land late, a wildcard, a delete", async () => {
    // x/1 holds x1, which the update wrote again: it may hold the update.
    const recurring = [BOTH[0]!, entry("update", "ok", 150, 160, { "x/1": "x1", "y/1": "y2" })];
    expect(cutCheck(await runCheck(recurring, { "x/1": "x1", "y/1": "y1" }, POINT_IN_TIME), "atomicity")?.valid).toBe(
      true,
    );
    // y/1 holds an info write given up on before the update was invoked: it may have landed after it all the same.
    const late = [BOTH[0]!, entry("update", "info", 110, 120, { "y/1": "late" }), BOTH[1]!];
    expect(cutCheck(await runCheck(late, { "x/1": "x2", "y/1": "late" }, POINT_IN_TIME), "atomicity")?.valid).toBe(
      true,
    );
    // y/1's new value is unknown to the client: y1 may be it.
    const wildcard = [
      BOTH[0]!,
      entry("transfer", "ok", 150, 160, [
        ["x/1", "x2"],
        ["y/1", UNKNOWN_DIGEST],
      ]),
    ];
    expect(cutCheck(await runCheck(wildcard, { "x/1": "x2", "y/1": "y1" }, POINT_IN_TIME), "atomicity")?.valid).toBe(
      true,
    );
    // x/1 was created after the backup started and deleted by the write: absent either way.
    const deletes = [
      entry("load", "ok", 0, 10, { "y/1": "y1" }),
      entry("create", "ok", 120, 130, { "x/1": "x1" }),
      entry("update", "ok", 150, 160, [
        ["x/1", ABSENT_DIGEST],
        ["y/1", "y2"],
      ]),
    ];
    expect(cutCheck(await runCheck(deletes, { "y/1": "y1" }, POINT_IN_TIME), "atomicity")?.valid).toBe(true);
    // A failed write of several keys claims nothing (its value present is failed-present): only the load is checked.
    const failed = [BOTH[0]!, entry("update", "fail", 150, 160, { "x/1": "x2", "y/1": "y2" })];
    expect(cutCheck(await runCheck(failed, { "x/1": "x1", "y/1": "y1" }, POINT_IN_TIME), "atomicity")).toMatchObject({
      valid: true,
      details: { entries: 1 },
    });
  });
});

describe("checkAgainstLedger: contiguous prefix per stream", () => {
  const ev = (stream: string, seq: number) => `${stream}${LIST_SEPARATOR}${String(seq).padStart(8, "0")}`;
  const events = (stream: string, seqs: number[]) =>
    seqs.map((n): [string, string] => [ev(stream, n), `${stream}${n}`]);

  it("catches a gap inside one append (events 1, 2, 4, 5 of 1..5, where 3..5 were one append), which the cut check passes", async () => {
    const entries = [
      entry("append", "ok", 0, 10, events("s", [1, 2])),
      entry("append", "ok", 150, 160, events("s", [3, 4, 5])),
    ];
    const result = await runCheck(entries, events("s", [1, 2, 4, 5]), PER_STREAM);
    expect(result.valid).toBe(true);
    expect(result.figures.cut.tornGroups).toBe(0);
    expect(cutCheck(result, "prefix")).toMatchObject({
      valid: false,
      details: { lists: 1, gaps: 1 },
      examples: ["gap in s\n  s␟00000003 is missing, acknowledged, while s␟00000005 after it is present"],
    });
    expect(cutCheck(result, "atomicity")?.valid).toBe(false);
    const whole = await runCheck(entries, events("s", [1, 2]), PER_STREAM);
    expect(whole.cutChecks.map((c) => [c.name, c.valid])).toEqual([
      ["atomicity", true],
      ["prefix", true],
    ]);
  });

  it("orders items by their sequence numbers as numbers, not by the bytes of their keys", async () => {
    // 8-digit padding overflows: 100000000 sorts before 99999999 in byte order.
    const [early, late] = [`s${LIST_SEPARATOR}99999999`, `s${LIST_SEPARATOR}100000000`];
    const entries = [entry("append", "ok", 120, 130, [[early, "e1"]]), entry("append", "ok", 140, 150, [[late, "e2"]])];
    expect(cutCheck(await runCheck(entries, [[late, "e2"]], PER_STREAM), "prefix")?.valid).toBe(false);
    expect(cutCheck(await runCheck(entries, [[early, "e1"]], PER_STREAM), "prefix")?.valid).toBe(true);
  });

  it("claims no gap for an item that may never have been appended, or was deleted or pushed out; a stream's state is not an item", async () => {
    const entries = [
      entry("append", "ok", 0, 10, events("s", [1])),
      entry("append", "info", 110, 300, events("s", [2])),
      entry("append", "fail", 120, 125, events("s", [3])),
      entry("append", "ok", 130, 135, [...events("s", [4]), [ev("s", 1), ABSENT_DIGEST]]),
      entry("append", "ok", 140, 145, events("s", [5])),
      entry("tombstone", "ok", 150, 155, [
        [ev("t", 1), ABSENT_DIGEST],
        [`t${LIST_SEPARATOR}~state`, "tombstoned"],
      ]),
    ];
    const result = await runCheck(
      [entry("append", "ok", 0, 10, events("t", [1])), ...entries],
      [...events("s", [4, 5]), [`t${LIST_SEPARATOR}~state`, "tombstoned"]],
      PER_STREAM,
    );
    expect(result.valid).toBe(true);
    expect(cutCheck(result, "prefix")).toMatchObject({ valid: true, details: { lists: 1, gaps: 0 } });
  });
});

describe("checkAgainstLedger: consistency of the cut", () => {
  // trades/17 was written at 150 (visible) after ticks/9 was acknowledged at 130 (missing): no instant explains both.
  const TORN = [
    entry("load", "ok", 0, 10, { "trades/17": "t1", "ticks/9": "k1" }),
    entry("update", "ok", 120, 130, { "ticks/9": "k2" }),
    entry("update", "ok", 150, 160, { "trades/17": "t2" }),
  ];
  const TORN_STATE: [string, string][] = [
    ["trades/17", "t2"],
    ["ticks/9", "k1"],
  ];

  it("catches a torn cut across two keys under point-in-time, naming the keys and the gap", async () => {
    const result = await runCheck(TORN, TORN_STATE, POINT_IN_TIME);
    expect(result.valid).toBe(false);
    expect(result.figures.violations).toEqual({ ...NO_VIOLATIONS, "torn-cut": 1 });
    expect(result.figures.cut).toEqual({
      consistency: "point-in-time",
      toleranceMs: 0,
      groups: 1,
      tornGroups: 1,
      untimedKeys: 0,
      worst: {
        group: "all keys",
        visibleKey: "trades/17",
        visibleInvokeAt: 150,
        missingKey: "ticks/9",
        missingCompleteAt: 130,
        byMs: 20,
      },
    });
    expect(result.summary).toContain(
      "torn cut: trades/17 holds a write invoked at 150.0 ms while ticks/9 lacks a write acknowledged at 130.0 ms (20.0 ms apart)",
    );
    expect(result.examples).toHaveLength(1);
    expect(result.examples![0]).toMatch(/^torn-cut all keys\n/);
  });

  it("passes the same state under per-key, which promises no cut", async () => {
    const result = await runCheck(TORN, TORN_STATE, PER_KEY);
    expect(result.valid).toBe(true);
    expect(result.figures.cut).toEqual({
      consistency: "per-key",
      toleranceMs: 0,
      groups: 0,
      tornGroups: 0,
      untimedKeys: 0,
    });
  });

  it("does not claim a tear within the span the backup promised, and does beyond it", async () => {
    // The same 20 ms tear: inside a 25 ms span (a checkpoint taking the tables one by one), outside a 15 ms one.
    expect((await runCheck(TORN, TORN_STATE, { ...POINT_IN_TIME, toleranceMs: 25 })).valid).toBe(true);
    const beyond = await runCheck(TORN, TORN_STATE, { ...POINT_IN_TIME, toleranceMs: 15 });
    expect(beyond.figures.cut).toMatchObject({ toleranceMs: 15, tornGroups: 1, worst: { byMs: 20 } });
  });

  it.each<[string, Entry[], Digests, object]>([
    [
      // The cut at 125 sees a2 (invoked at 120) and not b2 (acknowledged at 170).
      "passes a consistent cut taken while writes were in flight",
      [
        entry("load", "ok", 0, 10, { "a/1": "a1", "b/1": "b1" }),
        entry("update", "ok", 110, 170, { "b/1": "b2" }),
        entry("update", "ok", 120, 180, { "a/1": "a2" }),
      ],
      { "a/1": "a2", "b/1": "b1" },
      { groups: 1 },
    ],
    [
      // x/1 holds v1, written at 0 and again at 150: the cut may predate v2 (acknowledged at 115) and y/1's w2 (at 130).
      "does not claim a torn cut when the visible value may come from an older write of the same value",
      [
        entry("load", "ok", 0, 10, { "x/1": "v1", "y/1": "w1" }),
        entry("update", "ok", 110, 115, { "x/1": "v2" }),
        entry("update", "ok", 120, 130, { "y/1": "w2" }),
        entry("update", "ok", 150, 160, { "x/1": "v1" }),
      ],
      { "x/1": "v1", "y/1": "w1" },
      {},
    ],
    [
      "never counts an info write as a missing acknowledged write",
      [
        entry("load", "ok", 0, 10, { "a/1": "a1", "b/1": "b1" }),
        entry("update", "info", 110, 130, { "b/1": "b2" }),
        entry("update", "ok", 150, 160, { "a/1": "a2" }),
      ],
      { "a/1": "a2", "b/1": "b1" },
      {},
    ],
    [
      "leaves a key matched by a wildcard write out of the cut",
      [
        entry("load", "ok", 0, 10, { "a/1": "a1", "b/1": "b1" }),
        entry("update", "ok", 120, 130, { "b/1": "b2" }),
        entry("transfer", "ok", 150, 160, [["a/1", UNKNOWN_DIGEST]]),
      ],
      { "a/1": "any", "b/1": "b1" },
      { untimedKeys: 1 },
    ],
  ])("%s", async (_name, entries, state, cut) => {
    const result = await runCheck(entries, state, POINT_IN_TIME);
    expect(result.valid).toBe(true);
    expect(result.figures.cut).toMatchObject(cut);
  });

  it("treats an absent key after a delete as visible at the delete's invocation", async () => {
    const entries = [
      entry("load", "ok", 0, 10, { "a/1": "a1", "b/1": "b1" }),
      entry("update", "ok", 120, 130, { "b/1": "b2" }),
      entry("delete", "ok", 150, 160, [["a/1", ABSENT_DIGEST]]),
    ];
    const result = await runCheck(entries, { "b/1": "b1" }, POINT_IN_TIME);
    expect(result.figures.cut.worst).toMatchObject({
      visibleKey: "a/1",
      visibleInvokeAt: 150,
      missingKey: "b/1",
      missingCompleteAt: 130,
    });
  });

  const s = (stream: string, seq: number) => `${stream}${LIST_SEPARATOR}${String(seq).padStart(4, "0")}`;
  const append = (stream: string, seq: number, invokeAt: number, completeAt: number) =>
    entry("append", "ok", invokeAt, completeAt, [[s(stream, seq), `${stream}${seq}`]]);

  it("reports a stream with a gap as torn under prefix-per-stream", async () => {
    const entries = [append("orders", 1, 0, 10), append("orders", 2, 120, 130), append("orders", 3, 140, 150)];
    const result = await runCheck(
      entries,
      [
        [s("orders", 1), "orders1"],
        [s("orders", 3), "orders3"],
      ],
      PER_STREAM,
    );
    expect(result.figures.violations).toEqual({ ...NO_VIOLATIONS, "torn-cut": 1 });
    expect(result.figures.cut.worst).toEqual({
      group: "orders",
      visibleKey: s("orders", 3),
      visibleInvokeAt: 140,
      missingKey: s("orders", 2),
      missingCompleteAt: 130,
      byMs: 10,
    });
  });

  it("passes two streams each restored as a prefix, at different points", async () => {
    // pays stops before its item 2 (acknowledged at 108) while orders holds its item 2 (invoked at 110).
    const entries = [
      append("orders", 1, 0, 10),
      append("pays", 1, 0, 10),
      append("pays", 2, 105, 108),
      append("orders", 2, 110, 120),
    ];
    const result = await runCheck(
      entries,
      [
        [s("orders", 1), "orders1"],
        [s("orders", 2), "orders2"],
        [s("pays", 1), "pays1"],
      ],
      PER_STREAM,
    );
    expect(result.valid).toBe(true);
    expect(result.figures.cut).toMatchObject({ groups: 2, tornGroups: 0 });
  });
});

/** Single-writer registers: each key's writes are sequential; integer times, window bounds at .5 so nothing ties. */
const registerArb = fc.array(
  fc.record({
    outcome: fc.constantFrom<Outcome>("ok", "ok", "info", "fail"),
    gap: fc.nat(30),
    dur: fc.integer({ min: 1, max: 60 }),
    wildcard: fc.boolean(),
  }),
  { minLength: 1, maxLength: 5 },
);
const scenarioArb = fc.record({
  registers: fc.array(registerArb, { minLength: 1, maxLength: 6 }),
  start: fc.nat(200),
  length: fc.nat(150),
  picks: fc.array(fc.nat(), { minLength: 7, maxLength: 7 }),
});

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
            const digest =
              spec.outcome === "fail" || (spec.outcome === "info" && spec.wildcard) ? UNKNOWN_DIGEST : `v${k}.${j}`;
            entries.push(entry("write", spec.outcome, invokeAt, t, [[key, digest]]));
            return { ...spec, invokeAt, completeAt: t, digest };
          });
          // Rules 1-4: not older than the last ack before start (unless info: it may land late), never a failed write,
          // never invoked after the end.
          const lastAcked = rows.reduce(
            (last, r, j) => (r.outcome === "ok" && r.completeAt < window.start ? j : last),
            -1,
          );
          const allowed = rows.filter(
            (r, j) => (j >= lastAcked || r.outcome === "info") && r.outcome !== "fail" && r.invokeAt < window.end,
          );
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

describe("oracleDetails: the oracle's figures found back among a drill's checks", () => {
  const TORN = [
    entry("load", "ok", 0, 10, { "a/1": "a1", "b/1": "b1" }),
    entry("update", "ok", 120, 130, { "b/1": "b2" }),
    entry("update", "ok", 150, 160, { "a/1": "a2" }),
  ];

  it("finds the typed details the oracle wrote, and they keep their shape through the evidence's JSON", async () => {
    const { figures, cutChecks, ...oracle } = await runCheck(TORN, { "a/1": "a2", "b/1": "b1" }, POINT_IN_TIME);
    const checks = [{ name: "read-back", valid: true, summary: "served" }, oracle, ...cutChecks];
    expect(oracleDetails(checks)).toEqual({ ...figures, window: WINDOW, model: POINT_IN_TIME });
    expect(oracleDetails(checks)?.cut.worst?.byMs).toBe(20);
    expect(figures.earliestMissingAck).toBeDefined();
    expect(isOracleDetails(JSON.parse(JSON.stringify(oracle.details)))).toBe(true);
    const { earliestMissingAck: _dropped, ...withoutUndefined } = oracleDetailsWith({ lost: 1 });
    expect(isOracleDetails(JSON.parse(JSON.stringify(withoutUndefined)))).toBe(true);
  });

  it("is undefined when the oracle did not judge or its details have another shape", () => {
    const good = oracleDetailsWith({ corrupt: 1 });
    const judged = (details?: object) => [
      { name: "ledger-oracle", valid: false as const, summary: "x", ...(details ? { details } : {}) },
    ];
    expect(oracleDetails(judged(good))?.violations.corrupt).toBe(1);
    expect(oracleDetails([])).toBeUndefined();
    expect(oracleDetails(judged())).toBeUndefined();
    expect(oracleDetails([{ name: "exact-equivalence", valid: true, summary: "x", details: good }])).toBeUndefined();
    const { "torn-cut": _torn, ...partial } = good.violations;
    expect(oracleDetails(judged({ ...good, violations: partial }))).toBeUndefined();
    expect(oracleDetails(judged({ ...good, keysChecked: "10" }))).toBeUndefined();
    expect(oracleDetails(judged({ ...good, cut: { ...good.cut, consistency: "eventual" } }))).toBeUndefined();
    expect(oracleDetails(judged({ ...good, cut: { ...good.cut, worst: { byMs: 3 } } }))).toBeUndefined();
    expect(
      oracleDetails(judged({ ...good, model: { consistency: "per-key", duplicates: "sometimes" } })),
    ).toBeUndefined();
    const { window: _window, ...windowless } = good;
    expect(oracleDetails(judged(windowless))).toBeUndefined();
  });
});
