import { describe, expect, it } from "vitest";
import fc from "fast-check";
import {
  ACCOUNTS,
  PostgresWorkload,
  TABLES,
  WORKLOAD_ID_BASE,
  datasetBatches,
  datasetFingerprint,
  tableOfId,
  type PgOp,
  type SqlValue,
} from "../model.ts";
import { jsonDocument, nastyText, text } from "../../../harness/hostile-values.ts";
import { firstErrorLine } from "../engine.ts";
import type { WorkloadOp } from "../../../harness/workload.ts";

describe("datasetBatches", () => {
  it("yields ids 1..rows exactly once, each in the table tableOfId names", () => {
    const rows = 2_000; // more than one batch round (300 rows per table)
    const seen: number[] = [];
    for (const batch of datasetBatches(7, rows)) {
      expect(batch.rows).toHaveLength(batch.ids.length);
      for (const id of batch.ids) expect(tableOfId(id)).toBe(batch.table);
      seen.push(...batch.ids);
    }
    expect(seen).toHaveLength(rows);
    expect([...seen].sort((a, b) => a - b)).toEqual(Array.from({ length: rows }, (_, i) => i + 1));
  });

  it("yields nothing for zero rows and one row for one", () => {
    expect([...datasetBatches(7, 0)]).toEqual([]);
    expect([...datasetBatches(7, 1)].map((b) => [b.table.name, b.ids])).toEqual([["people", [1]]]);
  });
});

describe("datasetFingerprint", () => {
  it("is equal for the same seed and size", () => {
    expect(datasetFingerprint(42, 120)).toBe(datasetFingerprint(42, 120));
  });

  it("differs for another seed or another size", () => {
    expect(datasetFingerprint(43, 120)).not.toBe(datasetFingerprint(42, 120));
    expect(datasetFingerprint(42, 121)).not.toBe(datasetFingerprint(42, 120));
  });
});

describe("PostgresWorkload", () => {
  const WRITERS = 4;
  const LOADED = 100;

  function ops(seed = 11, loaded = LOADED, perWriter = 150): { writer: number; op: WorkloadOp<PgOp> }[] {
    const workload = new PostgresWorkload(seed, loaded);
    const out = [];
    for (let n = 0; n < perWriter; n++)
      for (let writer = 0; writer < WRITERS; writer++) out.push({ writer, op: workload.next(writer, WRITERS) });
    return out;
  }

  it("produces inserts, updates and transfers", () => {
    expect(new Set(ops().map(({ op }) => op.kind))).toEqual(new Set(["insert", "update", "transfer"]));
  });

  it("gives inserts and transfers ids from WORKLOAD_ID_BASE, unique across writers, owned by the writer", () => {
    const ids = ops().flatMap(({ writer, op }) => {
      const p = op.payload;
      if (p.kind === "update") return [];
      expect(p.id).toBeGreaterThanOrEqual(WORKLOAD_ID_BASE);
      expect((p.id - WORKLOAD_ID_BASE) % WRITERS).toBe(writer);
      expect(op.keys[0]).toBe(p.kind === "insert" ? `${p.table.name}/${p.id}` : `transfers/${p.id}`);
      return [p.id];
    });
    expect(new Set(ids).size).toBe(ids.length);
  });

  it("updates only loaded ids the writer owns, in the id's table", () => {
    for (const { writer, op } of ops()) {
      const p = op.payload;
      if (p.kind !== "update") continue;
      expect(p.id).toBeGreaterThanOrEqual(1);
      expect(p.id).toBeLessThanOrEqual(LOADED);
      expect((p.id - 1) % WRITERS).toBe(writer);
      expect(p.table).toBe(tableOfId(p.id));
      expect(op.keys).toEqual([`${p.table.name}/${p.id}`]);
    }
  });

  it("transfers between two different accounts within 1..ACCOUNTS.count", () => {
    for (const { op } of ops()) {
      const p = op.payload;
      if (p.kind !== "transfer") continue;
      expect(p.from).not.toBe(p.to);
      for (const account of [p.from, p.to]) expect(account >= 1 && account <= ACCOUNTS.count).toBe(true);
      expect(op.keys).toEqual([`transfers/${p.id}`, `accounts/${p.from}`, `accounts/${p.to}`]);
    }
  });

  it("only inserts when fewer rows are loaded than there are writers", () => {
    expect(new Set(ops(11, WRITERS - 1, 40).map(({ op }) => op.kind))).toEqual(new Set(["insert"]));
  });

  it("is reproducible from its seed", () => {
    const keys = (seed: number) => ops(seed, LOADED, 30).map(({ op }) => op.keys.join(","));
    expect(keys(5)).toEqual(keys(5));
    expect(keys(6)).not.toEqual(keys(5));
  });
});

/** Every string inside a generated value (rows, arrays, JSON). */
function strings(value: unknown): string[] {
  if (typeof value === "string") return [value];
  if (Array.isArray(value)) return value.flatMap(strings);
  if (value && typeof value === "object" && !Buffer.isBuffer(value))
    return Object.entries(value).flatMap(([k, v]) => [k, ...strings(v)]);
  return [];
}

describe("nasty values", () => {
  it("never contain NUL, which PostgreSQL text cannot hold", () => {
    const samples: unknown[] = [
      ...fc.sample(nastyText(), { seed: 1, numRuns: 3_000 }),
      ...fc.sample(text, { seed: 2, numRuns: 2_000 }),
      ...fc.sample(jsonDocument, { seed: 3, numRuns: 1_000 }),
      ...TABLES.flatMap((t, i) => fc.sample<SqlValue[]>(t.row, { seed: 4 + i, numRuns: 1_000 })),
    ];
    const all = samples.flatMap(strings);
    expect(all.length).toBeGreaterThan(5_000);
    expect(all.filter((s) => s.includes("\0"))).toEqual([]);
  });

  it("include astral-plane characters and combining marks", () => {
    const sample = fc.sample(nastyText(), { seed: 99, numRuns: 2_000 });
    expect(sample.some((s) => /[\u{10000}-\u{10FFFF}]/u.test(s))).toBe(true);
    expect(sample.some((s) => /\p{M}/u.test(s))).toBe(true);
  });
});

describe("firstErrorLine", () => {
  const ts = (level: string, msg: string) => `2024-05-01 10:00:00.123 UTC [42] ${level}:  ${msg}`;

  it("prefers a PANIC over an earlier FATAL, without the log prefix", () => {
    const log = [
      ts("LOG", "starting PostgreSQL 16"),
      ts("FATAL", "could not open file"),
      ts("PANIC", "could not locate a valid checkpoint record"),
    ].join("\n");
    expect(firstErrorLine(log)).toBe("PANIC:  could not locate a valid checkpoint record");
  });

  it("skips clients turned away while the server starts up", () => {
    const log = [
      ts("FATAL", "the database system is starting up"),
      ts("FATAL", 'invalid data in file "backup_label"'),
    ].join("\n");
    expect(firstErrorLine(log)).toBe('FATAL:  invalid data in file "backup_label"');
  });

  it("falls back to error-looking lines, then the last line", () => {
    expect(
      firstErrorLine("pg_restore: connecting\npg_restore: error: could not read from input file: end of file\n"),
    ).toBe("pg_restore: error: could not read from input file: end of file");
    expect(firstErrorLine("line one\n  line two  \n")).toBe("line two");
    expect(firstErrorLine("\n\n")).toBe("(no output)");
  });
});
