import fc from "fast-check";
import { createHash } from "node:crypto";
import type { OpSource, WorkloadOp } from "../../harness/workload.ts";
import { deriveSeed } from "../../harness/seed.ts";
import {
  bytes,
  decimal,
  float64,
  int16,
  int32,
  int64,
  jsonDocument,
  nastyText,
  nullable,
  text,
  timestamp,
} from "../../harness/hostile-values.ts";

/**
 * The relational data model of the PostgreSQL drills: three tables of hostile values, plus accounts and transfers for
 * the invariant workload. Each table starts with `id bigint` and `version integer NOT NULL`: updates bump `version`,
 * and fault injection relies on that fixed layout (a flipped byte right after the id lands in `version`).
 */
export type SqlValue = string | number | boolean | Buffer | null | SqlValue[];

export interface TableModel {
  name: string;
  /** Column definitions after `id` and `version`. */
  columns: { name: string; type: string }[];
  row: fc.Arbitrary<SqlValue[]>;
}

const json = (v: unknown) => JSON.stringify(v);

export const TABLES: readonly TableModel[] = [
  {
    name: "people",
    columns: [
      { name: "name", type: "text NOT NULL" },
      { name: "bio", type: "text" },
      { name: "tags", type: "text[]" },
      { name: "born", type: "timestamptz" },
    ],
    row: fc.tuple(
      nastyText(30),
      nullable(text),
      nullable(fc.array(nullable(nastyText(12)), { maxLength: 6 })),
      nullable(timestamp),
    ),
  },
  {
    name: "measurements",
    columns: [
      { name: "small", type: "smallint" },
      { name: "regular", type: "integer" },
      { name: "big", type: "bigint" },
      { name: "exact", type: "numeric" },
      { name: "approx", type: "double precision" },
      { name: "approx4", type: "real" },
      { name: "measured_at", type: "timestamptz" },
      { name: "flag", type: "boolean" },
    ],
    row: fc.tuple(
      nullable(int16),
      nullable(int32),
      nullable(int64),
      nullable(decimal),
      nullable(float64),
      nullable(fc.float().map((f) => (Object.is(f, -0) ? "-0" : String(f)))),
      nullable(timestamp),
      nullable(fc.boolean()),
    ),
  },
  {
    name: "documents",
    columns: [
      { name: "body", type: "jsonb" },
      { name: "payload", type: "bytea" },
      { name: "scores", type: "integer[]" },
      { name: "title", type: "text" },
    ],
    row: fc.tuple(
      nullable(jsonDocument.map(json)),
      nullable(bytes),
      nullable(fc.array(nullable(int32), { maxLength: 8 })),
      nullable(text),
    ),
  },
];

export const ACCOUNTS = { count: 64, initialBalance: 1_000_000 };

/** Loaded row `index` (0-based) goes to table `index % 3` with id `index + 1`: ids are unique across tables. */
export function tableOfId(id: number): TableModel {
  return TABLES[(id - 1) % TABLES.length]!;
}

export interface RowBatch {
  table: TableModel;
  ids: number[];
  rows: SqlValue[][];
}

/** Rows per table in one generated batch. Batches are the unit of reproducibility, so this size is part of the data set. */
export const LOAD_BATCH = 300;

/** The data set of `rows` rows for a seed, batch by batch: the same seed and size always give the same rows. */
export function* datasetBatches(seed: number, rows: number): Generator<RowBatch> {
  for (let start = 0; start < rows; start += LOAD_BATCH * TABLES.length) {
    const end = Math.min(rows, start + LOAD_BATCH * TABLES.length);
    for (const [t, table] of TABLES.entries()) {
      const ids: number[] = [];
      for (let i = start + t; i < end; i += TABLES.length) ids.push(i + 1);
      if (ids.length === 0) continue;
      const generated = fc.sample(table.row, {
        seed: deriveSeed(seed, "load", table.name, start),
        numRuns: ids.length,
      });
      yield { table, ids, rows: generated };
    }
  }
}

/** A fingerprint of the generated data set itself (no engine involved): equal seeds and sizes give equal fingerprints. */
export function datasetFingerprint(seed: number, rows: number): string {
  const hash = createHash("sha256");
  for (const batch of datasetBatches(seed, rows)) {
    hash.update(batch.table.name);
    hash.update(JSON.stringify(batch.ids));
    hash.update(
      JSON.stringify(batch.rows, (_k, v: unknown) =>
        v && typeof v === "object" && (v as { type?: string }).type === "Buffer"
          ? `bytes:${Buffer.from((v as { data: number[] }).data).toString("hex")}`
          : v,
      ),
    );
  }
  return hash.digest("hex");
}

export type PgOp =
  | { kind: "insert"; table: TableModel; id: number; row: SqlValue[] }
  | { kind: "update"; table: TableModel; id: number; row: SqlValue[] }
  | { kind: "transfer"; id: number; from: number; to: number; amount: number };

/** Ids of rows the workload inserts start here, far above any loaded id. */
export const WORKLOAD_ID_BASE = 1_000_000_000_000;

/**
 * The write workload: inserts of new rows, updates of loaded rows, and transfers between accounts. Each writer owns
 * the keys it writes (ids ≡ writer mod writers), so the writes to one key never overlap and their order is known.
 * Transfers touch shared accounts, so their balances are checked by the invariant, not key by key.
 */
export class PostgresWorkload implements OpSource<PgOp> {
  private readonly counters = new Map<number, number>();

  constructor(
    private readonly seed: number,
    private readonly loadedRows: number,
  ) {}

  next(writer: number, writers: number): WorkloadOp<PgOp> {
    const n = this.counters.get(writer) ?? 0;
    this.counters.set(writer, n + 1);
    const opSeed = deriveSeed(this.seed, "op", writer, n);
    const [choice] = fc.sample(fc.nat({ max: 99 }), { seed: opSeed, numRuns: 1 });
    const ownId = WORKLOAD_ID_BASE + n * writers + writer;
    if (choice! < 45 || this.loadedRows < writers) {
      const table = TABLES[n % TABLES.length]!;
      const [row] = fc.sample(table.row, { seed: opSeed, numRuns: 1 });
      return {
        kind: "insert",
        keys: [`${table.name}/${ownId}`],
        payload: { kind: "insert", table, id: ownId, row: row! },
      };
    }
    if (choice! < 75) {
      // A loaded id this writer owns: id ≡ writer (mod writers).
      const lastSlot = Math.floor((this.loadedRows - 1 - writer) / writers);
      const [slot] = fc.sample(fc.nat({ max: lastSlot }), { seed: opSeed + 1, numRuns: 1 });
      const id = writer + 1 + slot! * writers;
      const table = tableOfId(id);
      const [row] = fc.sample(table.row, { seed: opSeed, numRuns: 1 });
      return { kind: "update", keys: [`${table.name}/${id}`], payload: { kind: "update", table, id, row: row! } };
    }
    const [pick] = fc.sample(
      fc.tuple(
        fc.nat({ max: ACCOUNTS.count - 1 }),
        fc.nat({ max: ACCOUNTS.count - 2 }),
        fc.integer({ min: 1, max: 5_000 }),
      ),
      { seed: opSeed, numRuns: 1 },
    );
    const [from, offset, amount] = pick!;
    const to = (from + 1 + offset) % ACCOUNTS.count;
    return {
      kind: "transfer",
      keys: [`transfers/${ownId}`, `accounts/${from + 1}`, `accounts/${to + 1}`],
      payload: { kind: "transfer", id: ownId, from: from + 1, to: to + 1, amount },
    };
  }
}
