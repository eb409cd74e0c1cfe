import { describe, expect, it } from "vitest";
import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import fc from "fast-check";
import { canonicalFromServer, digestOfText } from "../node.ts";
import { causeLine, failedAttempt, serverExited, startedAttempt } from "../recovery.ts";
import { preflightChecks } from "../preflight.ts";
import type { QuestDbArtifact } from "../artifact.ts";
import { QUESTDB_VERSIONS, majorOf, questdbImageSpec } from "../versions.ts";
import {
  QDB_TABLES,
  QDB_WORKLOAD_ID_BASE,
  QuestDbWorkload,
  canonicalRowText,
  questdbDataset,
  rowDigest,
  type QdbRow,
} from "../model.ts";
import { logFixture, makeTempDir } from "../../../test/unit/support.ts";
import { questDbFileKind } from "../deep-verify.ts";
import { partitionDirName, txnPartitions } from "../txn-file.ts";
import { questdbDamageTargets } from "../damage-targets.ts";

/** How the server prints a row over PG wire (text mode): LONG decimal, DOUBLE Java-style, BOOLEAN t/f, casts to LONG. */
function serverText(r: QdbRow): Record<string, string | null> {
  const javaDouble = (d: number) => {
    const s = String(d);
    return /e/.test(s) ? s.replace("e+", "E").replace("e", "E") : Number.isInteger(d) ? `${s}.0` : s;
  };
  return {
    id: String(r.id),
    sym: r.sym,
    qty: r.qty === null ? null : String(r.qty),
    price: r.price === null ? null : javaDouble(r.price),
    flag: r.flag ? "t" : "f",
    note: r.note,
    event_ts: r.eventTs === null ? null : String(r.eventTs),
    ts: String(r.ts),
  };
}

describe("questdb canonical form", () => {
  it("a row read back as the server prints it has the canonical text of the row written", () => {
    for (const batch of questdbDataset(7, 400)) {
      for (const row of batch.rows) expect(canonicalFromServer(serverText(row))).toBe(canonicalRowText(row));
    }
  });

  it("the read-back's digest of a row's text is the ledger's digest of the row", () => {
    for (const r of [...questdbDataset(11, 400)].flatMap((b) => b.rows))
      expect(digestOfText(canonicalRowText(r))).toBe(rowDigest(r));
  });

  it("any changed value changes the digest (a corrupted value cannot pass as the written one)", () => {
    const [row] = [...questdbDataset(3, 4)][0]!.rows;
    const variants: QdbRow[] = [
      { ...row!, qty: (row!.qty ?? 0) + 1 },
      { ...row!, price: (row!.price ?? 0) + 1 },
      { ...row!, flag: !row!.flag },
      { ...row!, note: (row!.note ?? "") + "x" },
      { ...row!, sym: row!.sym === null ? "x" : null },
      { ...row!, ts: row!.ts + 1 },
      { ...row!, eventTs: row!.eventTs === null ? 0 : null },
    ];
    for (const v of variants) expect(rowDigest(v)).not.toBe(rowDigest(row!));
    // NULL and the empty string are different values.
    expect(rowDigest({ ...row!, note: null })).not.toBe(rowDigest({ ...row!, note: "" }));
  });
});

describe("questdb generator", () => {
  it("the same seed and size give the same data set; ids are unique and every table gets rows", () => {
    const a = [...questdbDataset(11, 3000)].flatMap((b) => b.rows.map((r) => canonicalRowText(r)));
    const b = [...questdbDataset(11, 3000)].flatMap((b) => b.rows.map((r) => canonicalRowText(r)));
    expect(a).toEqual(b);
    const ids = [...questdbDataset(11, 3000)].flatMap((b) => b.rows.map((r) => r.id));
    expect(new Set(ids).size).toBe(3000);
    expect(new Set([...questdbDataset(11, 3000)].map((b) => b.table.name))).toEqual(
      new Set(QDB_TABLES.map((t) => t.name)),
    );
  });

  it("rows spread over many partitions, out of order, with NULLs, within QuestDB's exact ranges", () => {
    const rows = [...questdbDataset(5, 4000)].flatMap((b) => b.rows.map((r) => ({ r, t: b.table })));
    const hours = new Set(
      rows.filter(({ t }) => t.partitionBy === "HOUR").map(({ r }) => Math.floor(r.ts / 3_600_000_000)),
    );
    expect(hours.size).toBeGreaterThan(50);
    expect(rows.some(({ r }, i) => i > 0 && r.ts < rows[i - 1]!.r.ts)).toBe(true);
    for (const col of ["sym", "qty", "price", "note", "eventTs"] as const)
      expect(
        rows.some(({ r }) => r[col] === null),
        col,
      ).toBe(true);
    for (const { r } of rows) {
      if (r.qty !== null) expect(Number.isSafeInteger(r.qty)).toBe(true);
      if (r.price !== null) expect(Number.isFinite(r.price)).toBe(true);
      expect(r.note ?? "").not.toContain("\0");
    }
  });

  it("workload writers own disjoint ids above the loaded range, and use both protocols", () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 6 }), fc.integer({ min: 0, max: 2 ** 31 - 1 }), (writers, seed) => {
        const w = new QuestDbWorkload(seed);
        const seen = new Map<number, number>();
        const kinds = new Set<string>();
        for (let i = 0; i < 12; i++) {
          for (let writer = 0; writer < writers; writer++) {
            const op = w.next(writer, writers);
            kinds.add(op.kind);
            for (const r of op.payload.rows) {
              expect(r.id).toBeGreaterThanOrEqual(QDB_WORKLOAD_ID_BASE);
              expect(seen.has(r.id)).toBe(false);
              seen.set(r.id, writer);
              expect((r.id - QDB_WORKLOAD_ID_BASE) % writers).toBe(writer);
            }
          }
        }
        expect(kinds).toEqual(new Set(["insert-ilp", "insert-pg"]));
      }),
      { numRuns: 20 },
    );
  });
});

describe("questdb versions", () => {
  it("the known versions are two 9.x minors and one 8.x, with pinned sha1s", () => {
    const versions = Object.keys(QUESTDB_VERSIONS);
    expect(versions.filter((v) => majorOf(v) === "9").length).toBeGreaterThanOrEqual(2);
    expect(versions.filter((v) => majorOf(v) === "8").length).toBeGreaterThanOrEqual(1);
    for (const v of Object.values(QUESTDB_VERSIONS)) expect(v.jarSha1).toMatch(/^[0-9a-f]{40}$/);
    expect(() => questdbImageSpec("1.2.3")).toThrow(/unknown QuestDB version "1.2.3"; known versions: /);
    expect(questdbImageSpec("9.3.4").official).toBe("questdb/questdb:9.3.4");
  });
});

describe("questdb preflight", () => {
  async function artifact(
    files: string[],
    version = "9.3.4",
    procedure: QuestDbArtifact["procedure"] = "checkpoint",
  ): Promise<QuestDbArtifact> {
    const dir = await makeTempDir();
    for (const f of files) {
      await mkdir(join(dir, f, ".."), { recursive: true });
      await writeFile(join(dir, f), "");
    }
    return {
      dir,
      method: "checkpoint",
      tool: "t",
      finishedAt: 0,
      sourceVersion: version,
      sourceBuild: "",
      checkpointSql: "checkpoint",
      vanishedDuringCopy: 0,
      procedure,
    };
  }
  const complete = [
    ".checkpoint/db/_checkpoint_meta.d",
    ".checkpoint/db/trades~6/_meta",
    ".checkpoint/db/trades~6/_txn",
    ".checkpoint/db/trades~6/_cv",
    "db/trades~6/_txn",
  ];

  it("a copy of the tables without a checkpoint is left to the oracle, not passed, and its tables are still checked", async () => {
    const results = await preflightChecks(
      await artifact(
        ["db/trades~6/_meta", "db/trades~6/_txn", "db/trades~6/_cv", "db/ticks/_meta"],
        "9.3.4",
        "tables-one-by-one",
      ),
      "9.3.4",
    );
    expect(results.find((r) => r.name === "preflight:procedure")).toMatchObject({
      valid: true,
      summary: expect.stringMatching(/^warning: .*without a checkpoint/),
    });
    expect(results.find((r) => r.name === "preflight:table-metadata")).toMatchObject({
      valid: false,
      summary: expect.stringMatching(/ticks\/_txn/),
    });
    expect(results.some((r) => r.name === "preflight:checkpoint-dir")).toBe(false);
  });

  it("passes a complete backup for the same major", async () => {
    const checks = await preflightChecks(await artifact(complete), "9.2.3");
    expect(checks.map((c) => [c.name, c.valid])).toEqual([
      ["preflight:checkpoint-dir", true],
      ["preflight:checkpoint-meta", true],
      ["preflight:table-metadata", true],
      ["preflight:version", true],
    ]);
  });

  it("names a missing .checkpoint, a missing _checkpoint_meta.d, a missing _txn, and another major", async () => {
    const noDir = await preflightChecks(await artifact(["db/trades~6/_txn"]), "9.3.4");
    expect(noDir.find((c) => c.name === "preflight:checkpoint-dir")).toMatchObject({
      valid: false,
      summary: expect.stringMatching(/no \.checkpoint\/ directory/),
    });
    const noMeta = await preflightChecks(
      await artifact(complete.filter((f) => !f.endsWith("_checkpoint_meta.d"))),
      "9.3.4",
    );
    expect(noMeta.find((c) => c.name === "preflight:checkpoint-meta")).toMatchObject({
      valid: false,
      summary: expect.stringMatching(/_checkpoint_meta\.d missing/),
    });
    const noTxn = await preflightChecks(
      await artifact(complete.filter((f) => f !== ".checkpoint/db/trades~6/_txn")),
      "9.3.4",
    );
    expect(noTxn.find((c) => c.name === "preflight:table-metadata")).toMatchObject({
      valid: false,
      examples: ["trades~6/_txn"],
    });
    const otherMajor = await preflightChecks(await artifact(complete, "8.2.0"), "9.3.4");
    expect(otherMajor.find((c) => c.name === "preflight:version")).toMatchObject({
      valid: true,
      summary: expect.stringMatching(
        /another major version, which the docs do not support; the restore and the oracle decide/,
      ),
    });
  });
});

describe("questdb log cause", () => {
  it("picks the exception that stopped the server, with the lines that explain it", () => {
    const log = logFixture(import.meta.url, "checkpoint-meta-missing.log");
    expect(causeLine(log)).toMatch(/^io\.questdb\.cairo\.CairoException: \[-1\] checkpoint trigger file found/);
    const config = logFixture(import.meta.url, "config-typo.log");
    expect(causeLine(config)).toBe(
      "io.questdb.ServerConfigurationException: Configuration issues: Invalid settings (not recognized, probable typos): * query.timeout",
    );
  });

  it("names a JVM crash by its signal and frame, not by a line of its report", () => {
    const log = logFixture(import.meta.url, "jvm-crash.log");
    expect(causeLine(log)).toBe("JVM crashed (SIGSEGV) in C  [libc.so.6+0x152b00]");
    expect(causeLine("# C  [libc.so.6+0x152b00]")).not.toMatch(/JVM crashed/);
  });
});

describe("questdb restore observations", () => {
  // Lines as QuestDB 9.3.4 logged them during a real checkpoint restore (8.2.0 and 9.2.3 log the same message).
  const recovered = logFixture(import.meta.url, "checkpoint-recovered.log");
  const skipped =
    "2026-11-23T09:23:40.743807Z I i.q.c.DatabaseCheckpointAgent skipping recovery from checkpoint [currentId=, previousId=]";

  it("says recovered only when the trigger was there, is gone, and the log has QuestDB's line", () => {
    const seen = startedAttempt({ triggerBefore: true, triggerAfter: false, log: recovered });
    expect(seen).toMatchObject({
      ok: true,
      toolErrors: [],
      summary:
        "server started; recovered from the checkpoint (log: checkpoint recovered [metaFilesCount=28, walFilesCount=1, symbolFilesCount=12]); _restore removed",
    });
    expect(seen.observed).toEqual([
      "_restore present before the start",
      "_restore gone after the start",
      expect.stringMatching(/^log: 2026-.* checkpoint recovered \[metaFilesCount=28/),
    ]);
    const noLine = startedAttempt({ triggerBefore: true, triggerAfter: false, log: "" });
    expect(noLine.ok).toBe(true);
    expect(noLine.summary).not.toMatch(/recovered from/);
  });

  it("a start without the trigger is the raw copy, never a recovery", () => {
    const seen = startedAttempt({ triggerBefore: false, triggerAfter: false, log: skipped });
    expect(seen).toMatchObject({ ok: true, toolErrors: [] });
    expect(seen.summary).toMatch(/^no _restore trigger: the server started on the raw copy, no recovery requested/);
    expect(seen.summary).not.toMatch(/recovered/);
    expect(seen.observed).toContain("no _restore before the start");
  });

  it("a trigger left after the start fails the attempt and reports a tool error", () => {
    const seen = startedAttempt({ triggerBefore: true, triggerAfter: true, log: "" });
    expect(seen.ok).toBe(false);
    expect(seen.toolErrors[0]).toMatch(/_restore still present .*recovery did not run/);
    expect(seen.observed).toContain("_restore still present after the start");
  });

  it("a failed start names the cause and whether the trigger stayed", () => {
    const log =
      "io.questdb.cairo.CairoException: [-1] checkpoint trigger file found, but the checkpoint directory does not exist [dir=/var/lib/questdb/.checkpoint/db/]";
    const seen = failedAttempt({
      triggerBefore: true,
      triggerAfter: true,
      refusal: serverExited({ exitCode: 55, logTail: log }),
    });
    expect(seen.summary).toBe(`server exited with code 55: ${log}; _restore still present`);
    expect(seen.observed).toEqual(["_restore present before the start", "_restore still present after the exit"]);
  });
});

describe("campaign file kinds of a QuestDB backup", () => {
  it("names column files by extension, the table's metadata files, WAL and directories", async () => {
    const dir = await makeTempDir();
    await mkdir(join(dir, "db/trades~1/2024-01-01T00.2"), { recursive: true });
    await mkdir(join(dir, "db/trades~1/wal1/0"), { recursive: true });
    const kinds = [
      ["db/trades~1/2024-01-01T00.2/sym.d", ".d"],
      ["db/trades~1/2024-01-01T00.2/note.i", ".i"],
      ["db/trades~1/sym.k", ".k"],
      ["db/trades~1/sym.v", ".v"],
      ["db/ticks/sym.v", ".v"],
      ["db/ticks/2024-01-16/note.d", ".d"],
      ["db/trades~1/_txn", "_txn"],
      ["db/trades~1/_meta", "_meta"],
      ["db/trades~1/_cv", "_cv"],
      ["db/trades~1/txn_seq/_txnlog", "txn_seq"],
      ["db/trades~1/wal1/0/sym.d", "WAL segment"],
      ["db/trades~1/_wal_index.d", "other (_wal_index.d)"],
      ["db/trades~1/2024-01-01T00.2", "directory partition"],
      ["db/trades~1", "directory table"],
    ];
    for (const [path, kind] of kinds) expect(questDbFileKind(dir, path!), path).toBe(kind);
  });
});

/** A `_txn` as QuestDB writes it (txn-file.ts): the record in slot A (even version) or B (odd), little-endian. */
function txnFile(o: {
  slotB: boolean;
  symbols: number;
  partitions: [ts: string, rows: number, nameTxn: number][];
  transient: number;
}): Buffer {
  const base = 64;
  const first = base + 128 + 4 + 8 * o.symbols + 4;
  const buf = Buffer.alloc(first + 32 * o.partitions.length + 16);
  buf.writeBigInt64LE(o.slotB ? 7n : 6n, 0);
  const slot = o.slotB ? 32 : 8;
  buf.writeInt32LE(base, slot);
  buf.writeInt32LE(8 * o.symbols, slot + 4);
  buf.writeInt32LE(32 * o.partitions.length, slot + 8);
  buf.writeBigInt64LE(BigInt(o.transient), base + 8);
  buf.writeInt32LE(o.symbols, base + 128);
  o.partitions.forEach(([ts, rows, nameTxn], i) => {
    const at = first + 32 * i;
    buf.writeBigInt64LE(BigInt(Date.parse(ts)) * 1000n, at);
    // A flag in the high bits (read-only, bit 62) must not count as rows.
    buf.writeBigInt64LE(BigInt(rows) | (1n << 62n), at + 8);
    buf.writeBigInt64LE(BigInt(nameTxn), at + 16);
  });
  return buf;
}

describe("where a verify test's damage goes in a QuestDB checkpoint copy", () => {
  it("_txn: each partition's rows (the last one's from the transient row count) and its directory name", () => {
    for (const slotB of [false, true]) {
      const parts = txnPartitions(
        txnFile({
          slotB,
          symbols: 1,
          partitions: [
            ["2024-01-02T00:00:00Z", 10, -1],
            ["2024-01-03T05:00:00Z", 999, 4],
          ],
          transient: 3,
        }),
      );
      expect(parts.map((p) => p.rows)).toEqual([10, 3]);
      expect(parts.map((p) => partitionDirName(p, "DAY"))).toEqual(["2024-01-02", "2024-01-03.4"]);
      expect(partitionDirName(parts[1]!, "HOUR")).toBe("2024-01-03T05.4");
    }
    expect(() => txnPartitions(Buffer.alloc(10))).toThrow(/less than its 64-byte header/);
  });

  it("flips a byte and cuts inside the used rows of the id column of the fullest partition, never its preallocated tail", async () => {
    const dir = await makeTempDir();
    const txn = txnFile({
      slotB: false,
      symbols: 1,
      partitions: [
        ["2024-01-01T00:00:00Z", 4, -1],
        ["2024-01-02T00:00:00Z", 11, 2],
        ["2024-01-03T00:00:00Z", 0, -1],
      ],
      transient: 1,
    });
    await mkdir(join(dir, ".checkpoint", "db", "ticks"), { recursive: true });
    await writeFile(join(dir, ".checkpoint", "db", "ticks", "_txn"), txn);
    await mkdir(join(dir, "db", "ticks", "2024-01-02.2"), { recursive: true });
    await writeFile(join(dir, "db", "ticks", "2024-01-02.2", "id.d"), Buffer.alloc(16 * 1024 * 1024));
    const id = join("db", "ticks", "2024-01-02.2", "id.d");
    expect(await questdbDamageTargets(dir, "flip-byte")).toMatchObject({ file: id, offset: 5 * 8 });
    expect(await questdbDamageTargets(dir, "truncate")).toMatchObject({ file: id, keepBytes: 5 * 8 });
    expect(await questdbDamageTargets(dir, "remove")).toBeUndefined();
  });
});
