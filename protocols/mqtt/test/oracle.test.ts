import { describe, expect, it } from "vitest";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import {
  checkAgainstLedger,
  type BackupWindow,
  type OracleFigures,
  type RecordModel,
} from "../../../harness/checkers/ledger-oracle.ts";
import type { KeyWrite, LedgerEntry, Outcome } from "../../../harness/ledger.ts";
import { formatRecordLine, type CanonicalRecord } from "../../../harness/records.ts";
import {
  framePayload,
  MQTT_RECORDS,
  queuedWrite,
  retainedPayload,
  retainedWrite,
  sessionWrite,
  SESSION_PRESENT,
  sessionKey,
} from "../model.ts";
import { makeTempDir } from "../../../test/unit/support.ts";

// The shared oracle on MQTT ledgers: the writes are built with the model's own functions (as the load and the
// workload build them), the restored state as the read-back writes it, and the harness's ledger oracle judges.
const WINDOW: BackupWindow = { start: 1_000, end: 2_000 };
const TOPIC = "ünï/😀//levels";
const INBOX = "dr-drill-inbox/0/x";
const CLIENT = "dd-v3-0";

const set = (topic: string, id: string) => retainedWrite(topic, retainedPayload(id, Buffer.from("body")));
const del = (topic: string) => retainedWrite(topic, Buffer.alloc(0));
const msg = (seq: number) => queuedWrite(CLIENT, seq, INBOX, framePayload(seq, Buffer.from([0, 1, 2, seq])));

interface Write {
  write: KeyWrite;
  at: number;
  outcome?: Outcome;
}

async function judge(
  writes: Write[],
  restored: CanonicalRecord[],
  model: RecordModel = MQTT_RECORDS,
): Promise<{ valid: unknown; figures: OracleFigures; examples: string[] }> {
  const dir = await makeTempDir();
  const ledger = writes.map((w, seq): LedgerEntry => ({
    seq,
    process: "p",
    op: "publish",
    invokeAt: w.at,
    completeAt: w.at + 5,
    outcome: w.outcome ?? "ok",
    writes: [w.write],
  }));
  await writeFile(join(dir, "ledger.jsonl"), ledger.map((e) => JSON.stringify(e) + "\n").join(""));
  await writeFile(join(dir, "restored.tsv"), restored.map((r) => formatRecordLine(r) + "\n").join(""));
  const result = await checkAgainstLedger({
    ledgerPath: join(dir, "ledger.jsonl"),
    restoredPath: join(dir, "restored.tsv"),
    window: WINDOW,
    model,
    workDir: dir,
  });
  return { valid: result.valid, figures: result.figures, examples: result.examples ?? [] };
}

const rec = (w: KeyWrite, position?: number): CanonicalRecord => ({
  key: w.key,
  digest: w.digest,
  preview: w.preview ?? "",
  ...(position === undefined ? {} : { position }),
});

describe("MQTT oracle: retained messages", () => {
  it("a new retained publish replaces the old one: the newest acknowledged value passes, the replaced one is stale", async () => {
    const first = set(TOPIC, "a");
    const second = set(TOPIC, "b");
    const writes = [
      { write: first, at: 10 },
      { write: second, at: 20 },
    ];
    expect((await judge(writes, [rec(second)])).valid).toBe(true);
    const stale = await judge(writes, [rec(first)]);
    expect(stale.valid).toBe(false);
    expect(stale.figures.violations.stale).toBe(1);
  });

  it("an empty retained payload deletes: absent passes, the deleted value still there is stale", async () => {
    const value = set(TOPIC, "a");
    const writes = [
      { write: value, at: 10 },
      { write: del(TOPIC), at: 20 },
    ];
    expect((await judge(writes, [])).valid).toBe(true);
    expect((await judge(writes, [rec(value)])).figures.violations.stale).toBe(1);
  });

  it("a retained message acknowledged before the backup and missing is lost; one acknowledged after it may be missing", async () => {
    const before = set(TOPIC, "a");
    const lost = await judge([{ write: before, at: 10 }], []);
    expect(lost.figures.violations.lost).toBe(1);
    expect(lost.examples[0]).toMatch(/^lost retained\/ünï\/😀\/\/levels/);
    const kept = set("t1", "a");
    const after = await judge(
      [
        { write: kept, at: 10 },
        { write: set("t2", "b"), at: 1_500 },
      ],
      [rec(kept)],
    );
    expect(after.valid).toBe(true);
    expect(after.figures.ackedLostAfterRecoveryPoint).toBe(1);
  });

  it("a publish without an acknowledgement (info) may or may not be there; a refused one (fail) must not be", async () => {
    const old = set(TOPIC, "a");
    const unacked = set(TOPIC, "b");
    const writes = [
      { write: old, at: 10 },
      { write: unacked, at: 20, outcome: "info" as const },
    ];
    expect((await judge(writes, [rec(old)])).valid).toBe(true);
    expect((await judge(writes, [rec(unacked)])).valid).toBe(true);
    const refused = await judge(
      [
        { write: old, at: 10 },
        { write: unacked, at: 20, outcome: "fail" },
      ],
      [rec(unacked)],
    );
    expect(refused.figures.violations["failed-present"]).toBe(1);
  });

  it("a retained payload that matches no write is corrupt; a topic nobody wrote is a phantom", async () => {
    const value = set(TOPIC, "a");
    const changed = { ...value, digest: retainedWrite(TOPIC, Buffer.from("other")).digest };
    expect((await judge([{ write: value, at: 10 }], [rec(changed)])).figures.violations.corrupt).toBe(1);
    expect(
      (await judge([{ write: value, at: 10 }], [rec(value), rec(set("never", "x"))])).figures.violations.phantom,
    ).toBe(1);
  });
});

describe("MQTT oracle: persistent session queues", () => {
  const queued = [msg(0), msg(1), msg(2), msg(3)];
  const writes: Write[] = [
    { write: sessionWrite(CLIENT), at: 5 },
    ...queued.map((write, i) => ({ write, at: 10 + i * 10 })),
  ];
  const session = { key: sessionKey(CLIENT), digest: SESSION_PRESENT, preview: "session present" };
  /** The session, then its queued messages delivered in this order (indexes into `queued`). */
  const delivered = (...order: number[]) => [session, ...order.map((q, i) => rec(queued[q]!, i))];

  it("the queue back in order passes", async () => {
    expect((await judge(writes, [session, ...queued.map((m, i) => rec(m, i))])).valid).toBe(true);
  });

  it("at-least-once: a redelivered copy is allowed, and counted", async () => {
    const result = await judge(writes, delivered(0, 1, 0, 2, 3));
    expect(result.valid).toBe(true);
    expect(result.figures.duplicatesSeen).toBe(1);
  });

  it("a queued message acknowledged before the backup and missing is lost", async () => {
    const result = await judge(writes, delivered(0, 2, 3));
    expect(result.valid).toBe(false);
    expect(result.figures.violations.lost).toBe(1);
    expect(result.examples.join("\n")).toMatch(/lost queue\/dd-v3-0␟000000001/);
  });

  it("a queue delivered out of order is reordered", async () => {
    const result = await judge(writes, delivered(0, 2, 1, 3));
    expect(result.valid).toBe(false);
    expect(result.figures.violations.reordered).toBe(1);
  });

  it("a lost session is lost, with everything it held", async () => {
    const result = await judge(writes, []);
    expect(result.figures.violations.lost).toBe(5);
  });

  it("a changed payload is corrupt, and a message delivered on another topic too", async () => {
    const other = queuedWrite(CLIENT, 1, "dr-drill-inbox/0/y", framePayload(1, Buffer.from([0, 1, 2, 1])));
    const result = await judge(writes, [
      session,
      rec(queued[0]!, 0),
      rec(other, 1),
      rec(queued[2]!, 2),
      rec(queued[3]!, 3),
    ]);
    expect(result.figures.violations.corrupt).toBe(1);
  });

  it("copies of one message that disagree are not duplicates but a violation", async () => {
    const changed = { ...rec(queued[1]!, 2), digest: "0".repeat(64) };
    const result = await judge(writes, [
      session,
      rec(queued[0]!, 0),
      rec(queued[1]!, 1),
      changed,
      rec(queued[2]!, 3),
      rec(queued[3]!, 4),
    ]);
    expect(result.valid).toBe(false);
  });

  it("a point-in-time model catches a snapshot that has a later retained write but misses an earlier queued one", async () => {
    const late = set(TOPIC, "late");
    // Both acknowledged inside the backup window, so either may be missing alone; not the later without the earlier.
    const cut = [...writes.slice(0, 2), { write: msg(1), at: 1_100 }, { write: late, at: 1_200 }];
    const restored = [session, rec(queued[0]!, 0), rec(late)];
    expect((await judge(cut, restored)).valid).toBe(true);
    const torn = await judge(cut, restored, { ...MQTT_RECORDS, consistency: "point-in-time" });
    expect(torn.figures.violations["torn-cut"]).toBe(1);
    expect(torn.figures.violations.lost).toBe(0);
  });
});
