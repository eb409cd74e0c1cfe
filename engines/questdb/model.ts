import fc from "fast-check";
import { createHash } from "node:crypto";
import type { OpSource, WorkloadOp } from "../../harness/workload.ts";
import { deriveSeed } from "../../harness/seed.ts";
import { nastyText, nullable } from "../../harness/hostile-values.ts";

/**
 * The time-series data model of the QuestDB drills: four tables with a designated timestamp `ts`, partitioned by DAY
 * or HOUR over many partitions, two WAL and two non-WAL (`BYPASS WAL`), written over ILP (HTTP) or PostgreSQL wire.
 * Every row has a unique `id` (QuestDB has no primary key: `id` is what the ledger keys on) and SYMBOL, LONG, DOUBLE,
 * BOOLEAN, VARCHAR and TIMESTAMP columns with NULLs; `ts` is drawn across the whole span, so most batches arrive out
 * of order.
 */
export type QdbProtocol = "ilp" | "pg";

export interface QdbTable {
  name: string;
  wal: boolean;
  partitionBy: "DAY" | "HOUR";
  /** How the load and the workload write this table. ILP here is ILP over HTTP (acknowledged), see the engine. */
  protocol: QdbProtocol;
  /** Hours the designated timestamps of the loaded rows spread over, from {@link TS_BASE_MICROS}. */
  spanHours: number;
}

export const QDB_TABLES: readonly QdbTable[] = [
  { name: "trades", wal: true, partitionBy: "HOUR", protocol: "ilp", spanHours: 96 },
  { name: "quotes", wal: true, partitionBy: "DAY", protocol: "pg", spanHours: 40 * 24 },
  { name: "ticks", wal: false, partitionBy: "DAY", protocol: "pg", spanHours: 40 * 24 },
  { name: "events", wal: false, partitionBy: "HOUR", protocol: "pg", spanHours: 72 },
];

/** 2024-01-01T00:00:00Z in microseconds: QuestDB timestamps are microseconds since the epoch. */
export const TS_BASE_MICROS = Date.UTC(2024, 0, 1) * 1000;
const HOUR_MICROS = 3_600_000_000;

/** Columns after `id`, in table order; the canonical form lists them in this order too. */
export const QDB_COLUMNS = [
  { name: "sym", type: "SYMBOL" },
  { name: "qty", type: "LONG" },
  { name: "price", type: "DOUBLE" },
  { name: "flag", type: "BOOLEAN" },
  { name: "note", type: "VARCHAR" },
  { name: "event_ts", type: "TIMESTAMP" },
] as const;

export interface QdbRow {
  id: number;
  sym: string | null;
  /** LONG within ±2^53: the ILP client takes JavaScript numbers; Long.MIN_VALUE is QuestDB's NULL and never generated. */
  qty: number | null;
  /** Finite doubles only: QuestDB stores NaN as NULL, so a generated NaN could not be told apart from a NULL. */
  price: number | null;
  /** BOOLEAN has no NULL in QuestDB. */
  flag: boolean;
  note: string | null;
  /** Microseconds since the epoch, or NULL. */
  eventTs: number | null;
  /** The designated timestamp, microseconds; never NULL. */
  ts: number;
}

/** Symbol values: few distinct (SYMBOL is a dictionary), some with ILP's separators, quotes and astral characters. */
const SYMBOLS = ["AAPL", "BTC-USD", "ünïcödé", "with space", "a,b=c", "😀 rocket", 'q"uote', "back\\slash", "Ω", "x"];

const long = fc.oneof(
  fc.constantFrom(0, -1, 1, Number.MAX_SAFE_INTEGER, -Number.MAX_SAFE_INTEGER),
  fc.integer({ min: -(2 ** 31), max: 2 ** 31 }),
  fc.maxSafeInteger(),
);
const double = fc.oneof(
  fc.constantFrom(0, 1.5, -2.25, 1e-300, 1.7976931348623157e308, 5e-324, 0.1 + 0.2),
  fc.double({ noNaN: true, noDefaultInfinity: true }).map((d) => (Object.is(d, -0) ? 0 : d)),
);
/** Hostile VARCHAR text; NUL is left out (PostgreSQL wire text cannot carry it). */
const note = nastyText(40);
const eventTs = fc
  .integer({ min: Date.UTC(1970, 0, 1), max: Date.UTC(2200, 0, 1) })
  .chain((ms) => fc.integer({ min: 0, max: 999 }).map((us) => ms * 1000 + us));

/** A row of `table` at a designated timestamp drawn by `ts` (micros). */
function rowArb(ts: fc.Arbitrary<number>): fc.Arbitrary<Omit<QdbRow, "id">> {
  return fc.record({
    sym: nullable(fc.constantFrom(...SYMBOLS)),
    qty: nullable(long),
    price: nullable(double),
    flag: fc.boolean(),
    note: nullable(note),
    eventTs: nullable(eventTs),
    ts,
  });
}

function spanTs(table: QdbTable): fc.Arbitrary<number> {
  return fc
    .integer({ min: 0, max: table.spanHours * 3600 - 1 })
    .chain((s) => fc.integer({ min: 0, max: 999_999 }).map((us) => TS_BASE_MICROS + s * 1_000_000 + us));
}

/**
 * The canonical text of a row, the same on both sides: built here from the values written, and by the engine from
 * what the server sends back. QuestDB has no RETURNING, so a write's digest cannot come from the server; instead both
 * sides are normalised to this form (LONG as decimal, DOUBLE as JavaScript's shortest round-trip text, timestamps as
 * integer microseconds), and a server that stores anything else shows up as `corrupt`.
 */
export function canonicalRowText(row: QdbRow): string {
  return JSON.stringify([
    String(row.id),
    row.sym,
    row.qty === null ? null : String(row.qty),
    row.price === null ? null : String(row.price),
    row.flag,
    row.note,
    row.eventTs === null ? null : String(row.eventTs),
    String(row.ts),
  ]);
}

export function rowDigest(row: QdbRow): string {
  return createHash("sha256").update(canonicalRowText(row)).digest("hex");
}

export function rowKey(table: QdbTable, id: number | string): string {
  return `${table.name}/${id}`;
}

export interface QdbBatch {
  table: QdbTable;
  rows: QdbRow[];
}

/** Rows per generated batch: batches are the unit of reproducibility, so this is part of the data set. */
export const QDB_LOAD_BATCH = 2_000;

/** One round of batches in this many reaches back across the whole span (out of order); the others move forward. */
const OUT_OF_ORDER_EVERY = 5;

/**
 * The data set of `rows` rows for a seed: row `i` (0-based) goes to table `i % 4` with id `i + 1`. Most rounds of
 * batches advance through each table's time span in order, as a real feed does; every fifth round (the second one
 * first, so small data sets have one too) lands all over the span, so the load writes out-of-order rows into old
 * partitions without making every batch rewrite them.
 */
export function* questdbDataset(seed: number, rows: number): Generator<QdbBatch> {
  const n = QDB_TABLES.length;
  for (let start = 0, round = 0; start < rows; start += QDB_LOAD_BATCH * n, round++) {
    const end = Math.min(rows, start + QDB_LOAD_BATCH * n);
    const outOfOrder = round % OUT_OF_ORDER_EVERY === 1;
    for (const [t, table] of QDB_TABLES.entries()) {
      const ids: number[] = [];
      for (let i = start + t; i < end; i += n) ids.push(i + 1);
      if (ids.length === 0) continue;
      const generated = fc.sample(rowArb(spanTs(table)), {
        seed: deriveSeed(seed, "qdb-load", table.name, start),
        numRuns: ids.length,
      });
      const perTable = Math.ceil((rows - t) / n);
      const spanMicros = table.spanHours * HOUR_MICROS;
      yield {
        table,
        rows: generated.map((r, i) => {
          if (outOfOrder) return { id: ids[i]!, ...r };
          // In order: the j-th row of the table sits in the j-th slot of the span, jittered inside it.
          const j = (ids[i]! - 1 - t) / n;
          const slot = spanMicros / perTable;
          const jitter = ((r.ts - TS_BASE_MICROS) % 1_000_000) / 1_000_000;
          return { id: ids[i]!, ...r, ts: TS_BASE_MICROS + Math.floor((j + jitter) * slot) };
        }),
      };
    }
  }
}

export interface QdbOp {
  table: QdbTable;
  rows: QdbRow[];
}

/** Ids of workload rows start here, far above any loaded id (and below 2^53). */
export const QDB_WORKLOAD_ID_BASE = 1_000_000_000_000;

/** Rows per workload op (one ILP flush or one multi-row INSERT: one transaction, one ledger entry). */
export const QDB_OP_ROWS = 8;

/**
 * The ingestion workload: batches of new rows, mostly appended after the loaded span (in order, the newest partition),
 * one in five reaching back into old partitions (out of order). Each writer owns its ids (≡ writer mod writers), and
 * rows are only ever inserted, never updated: a key is written at most once.
 */
export class QuestDbWorkload implements OpSource<QdbOp> {
  private readonly counters = new Map<number, number>();

  constructor(private readonly seed: number) {}

  next(writer: number, writers: number): WorkloadOp<QdbOp> {
    const n = this.counters.get(writer) ?? 0;
    this.counters.set(writer, n + 1);
    const table = QDB_TABLES[(n + writer) % QDB_TABLES.length]!;
    const opSeed = deriveSeed(this.seed, "qdb-op", writer, n);
    const [outOfOrder] = fc.sample(fc.nat({ max: 4 }), { seed: opSeed, numRuns: 1 });
    const appendTs = fc
      .integer({ min: 0, max: 2 * HOUR_MICROS - 1 })
      .map((us) => TS_BASE_MICROS + table.spanHours * HOUR_MICROS + us);
    const generated = fc.sample(rowArb(outOfOrder === 0 ? spanTs(table) : appendTs), {
      seed: opSeed,
      numRuns: QDB_OP_ROWS,
    });
    const rows = generated.map((r, i) => ({
      id: QDB_WORKLOAD_ID_BASE + (n * QDB_OP_ROWS + i) * writers + writer,
      ...r,
    }));
    return { kind: `insert-${table.protocol}`, keys: rows.map((r) => rowKey(table, r.id)), payload: { table, rows } };
  }
}
