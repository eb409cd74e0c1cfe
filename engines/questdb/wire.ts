import type pg from "pg";
import type { Sender } from "@questdb/nodejs-client";
import type { KeyWrite } from "../../harness/ledger.ts";
import { QDB_COLUMNS, canonicalRowText, rowDigest, rowKey, type QdbRow, type QdbTable } from "./model.ts";

/**
 * Writing rows to QuestDB and reading its state, over the two protocols the drills use. What "acknowledged" means:
 * - PostgreSQL wire: an INSERT in auto-commit mode returned. Non-WAL tables: the rows are committed to the table.
 *   WAL tables: the rows are committed to the table's WAL (a sequencer transaction); they become visible when the
 *   apply job has run, and a checkpoint taken after the INSERT returned includes them.
 * - ILP over HTTP: `flush()` resolved, i.e. the server answered the request after committing its rows (to the WAL).
 * - ILP over TCP (port 9009) has no acknowledgement at all (a flush only means bytes left the socket), so the drill
 *   does not use it for writes it must account for.
 */

/** The DDL of a drill table: `id`, the generated columns, the designated timestamp, its partitioning and WAL mode. */
export function createTableSql(table: QdbTable, opts: { ifNotExists?: boolean } = {}): string {
  const cols = [`id LONG`, ...QDB_COLUMNS.map((c) => `${c.name} ${c.type}`), "ts TIMESTAMP"].join(", ");
  return `CREATE TABLE ${opts.ifNotExists ? "IF NOT EXISTS " : ""}${table.name} (${cols}) TIMESTAMP(ts) PARTITION BY ${table.partitionBy} ${table.wal ? "WAL" : "BYPASS WAL"}`;
}

/** The columns the canonical read selects, timestamps as integer microseconds. */
export const CANONICAL_COLUMNS =
  "id, sym, qty, price, flag, note, cast(event_ts AS LONG) AS event_ts, cast(ts AS LONG) AS ts";

/**
 * The canonical columns as the `/exp` read selects them. The DOUBLE goes as text made by `concat`, which prints it as PG
 * wire does (Numbers.append, every digit), because 8.2.0's CSV export prints a DOUBLE column with its `doubleScale`
 * and rounds some values (24 of 500 rows of a 2,000-row drill data set): a value never written. 9.x prints every
 * digit; the same query serves all versions. NULL stays NULL.
 */
export const EXPORT_COLUMNS =
  "id, sym, qty, CASE WHEN price IS NULL THEN NULL ELSE concat('', price) END AS price, flag, note, cast(event_ts AS LONG) AS event_ts, cast(ts AS LONG) AS ts";

/** The names of the canonical columns, in the order `CANONICAL_COLUMNS` and `EXPORT_COLUMNS` select them. */
export const EXPORT_HEADER = ["id", "sym", "qty", "price", "flag", "note", "event_ts", "ts"] as const;

function isoMicros(micros: number): string {
  const ms = Math.floor(micros / 1000);
  return `${new Date(ms).toISOString().slice(0, 19)}.${String(micros - Math.floor(micros / 1_000_000) * 1_000_000).padStart(6, "0")}Z`;
}

function insertSql(table: QdbTable, rows: number): string {
  const cols = ["id", ...QDB_COLUMNS.map((c) => c.name), "ts"];
  const values = Array.from(
    { length: rows },
    (_, r) => `(${cols.map((_c, i) => `$${r * cols.length + i + 1}`).join(", ")})`,
  );
  return `INSERT INTO ${table.name} (${cols.join(", ")}) VALUES ${values.join(", ")}`;
}

function insertParams(rows: QdbRow[]): unknown[] {
  return rows.flatMap((r) => [
    r.id,
    r.sym,
    r.qty,
    r.price,
    r.flag,
    r.note,
    r.eventTs === null ? null : isoMicros(r.eventTs),
    isoMicros(r.ts),
  ]);
}

/** The ledger's view of rows written: QuestDB has no RETURNING, so the digests are the client's (see `canonicalRowText`). */
export function keyWrites(table: QdbTable, rows: QdbRow[]): KeyWrite[] {
  return rows.map((r) => ({
    key: rowKey(table, r.id),
    digest: rowDigest(r),
    preview: canonicalRowText(r).slice(0, 160),
  }));
}

/** Writes a batch through the table's protocol; resolves when the server acknowledged it (see the header comment). */
export async function writeBatch(
  client: pg.Client,
  sender: () => Promise<Sender>,
  table: QdbTable,
  rows: QdbRow[],
): Promise<void> {
  if (table.protocol === "pg") {
    await client.query(insertSql(table, rows.length), insertParams(rows));
    return;
  }
  const s = await sender();
  for (const r of rows) {
    s.table(table.name);
    if (r.sym !== null) s.symbol("sym", r.sym);
    s.intColumn("id", r.id);
    if (r.qty !== null) s.intColumn("qty", r.qty);
    if (r.price !== null) s.floatColumn("price", r.price);
    s.booleanColumn("flag", r.flag);
    if (r.note !== null) s.stringColumn("note", r.note);
    if (r.eventTs !== null) s.timestampColumn("event_ts", BigInt(r.eventTs), "us");
    await s.at(BigInt(r.ts), "us");
  }
  await s.flush();
}

export interface WalRow {
  name: string;
  suspended: boolean;
  writerTxn: string;
  sequencerTxn: string;
}

/** Every WAL table as `wal_tables()` reports it: suspended or not, how far its writer applied the sequencer's txns. */
export async function walState(client: pg.Client): Promise<WalRow[]> {
  const r = await client.query<{ name: string; suspended: string; writerTxn: string; sequencerTxn: string }>(
    "SELECT name, suspended, writerTxn, sequencerTxn FROM wal_tables()",
  );
  return r.rows.map((w) => ({
    name: w.name,
    suspended: w.suspended === "true" || w.suspended === "t",
    writerTxn: w.writerTxn,
    sequencerTxn: w.sequencerTxn,
  }));
}

/** The first value of the first row, as text. */
export async function scalar(client: pg.Client, sql: string): Promise<string> {
  const r = await client.query<Record<string, string>>(sql);
  return String(Object.values(r.rows[0] ?? {})[0] ?? "");
}

/** PG wire sends booleans as `t`/`f`; QuestDB's HTTP and some versions say `true`/`false`. */
export function isTrue(value: string | null | undefined): boolean {
  return value === "t" || value === "true";
}
