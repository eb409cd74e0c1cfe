import type { KeyWrite } from "../../harness/ledger.ts";
import { digestColumns } from "../../protocols/pg/digest.ts";
import { ACCOUNTS, TABLES, type TableModel } from "./model.ts";

/** SQL for the drill schema; every write returns, and the read-back reads, the row's canonical digest (protocols/pg/digest.ts). */

export function createSchemaSql(): string {
  const tables = TABLES.map(
    (t) =>
      `CREATE TABLE ${t.name} (id bigint PRIMARY KEY, version integer NOT NULL, ${t.columns.map((c) => `${c.name} ${c.type}`).join(", ")});`,
  );
  return [
    ...tables,
    "CREATE TABLE accounts (id bigint PRIMARY KEY, balance bigint NOT NULL);",
    "CREATE TABLE transfers (id bigint PRIMARY KEY, from_id bigint NOT NULL, to_id bigint NOT NULL, amount bigint NOT NULL);",
  ].join("\n");
}

export const INSERT_ACCOUNTS_SQL = `INSERT INTO accounts AS t SELECT g, ${ACCOUNTS.initialBalance} FROM generate_series(1, ${ACCOUNTS.count}) g RETURNING t.id, ${digestColumns()}`;

/** Every table the canonical read covers, in a fixed order. */
export const ALL_TABLES = [...TABLES.map((t) => t.name), "accounts", "transfers"];

/** A multi-row INSERT of `rows` rows into `table`, returning each row's key, digest and preview. */
export function insertSql(table: TableModel, rows: number): string {
  const width = table.columns.length + 2;
  const values = Array.from(
    { length: rows },
    (_, r) => `(${Array.from({ length: width }, (_, c) => `$${r * width + c + 1}`).join(", ")})`,
  );
  return `INSERT INTO ${table.name} AS t (id, version, ${table.columns.map((c) => c.name).join(", ")}) VALUES ${values.join(", ")} RETURNING t.id, ${digestColumns()}`;
}

export function updateSql(table: TableModel): string {
  const sets = table.columns.map((c, i) => `${c.name} = $${i + 2}`).join(", ");
  return `UPDATE ${table.name} AS t SET version = t.version + 1, ${sets} WHERE t.id = $1 RETURNING t.id, ${digestColumns()}`;
}

/** `ROW(...)::table` of parameters typed like the table's columns, starting at `$first`. */
function typedRow(table: TableModel, first: number): string {
  return table.columns.map((c, i) => `$${first + i}::${c.type.replace(/ NOT NULL$/, "")}`).join(", ");
}

const digestOfRow = (row: string) => `SELECT t.id, ${digestColumns()} FROM (SELECT ${row} AS t) s`;

/** The digest an insert of (`$1` id, `$2`… columns) would return, without writing: for writes whose outcome is unknown. */
export function intendedInsertSql(table: TableModel): string {
  return digestOfRow(`ROW($1::bigint, 1, ${typedRow(table, 2)})::${table.name}`);
}

/** The digest an update of row `$1` would return (its version bumped), without writing. */
export function intendedUpdateSql(table: TableModel): string {
  return `SELECT (s.t).id, ${digestColumns("s.t")} FROM (SELECT ROW(c.id, c.version + 1, ${typedRow(table, 2)})::${table.name} AS t FROM ${table.name} c WHERE c.id = $1) s`;
}

export function intendedTransferSql(): string {
  return digestOfRow("ROW($1::bigint, $2::bigint, $3::bigint, $4::bigint)::transfers");
}

export const INSERT_TRANSFER_SQL = `INSERT INTO transfers AS t VALUES ($1, $2, $3, $4) RETURNING t.id, ${digestColumns()}`;

/** A table's rows as the read-back streams them (engines/postgres/read-tables.ts): each record's key and the row's text. */
export function canonicalReadSql(table: string): string {
  return `SELECT '${table}/' || t.id AS key, t::text AS row FROM ${table} t`;
}

/** A statement's RETURNING rows: the key, the server's digest of the stored row, a preview. */
export interface KeyRow {
  id: string;
  digest: string;
  preview: string;
}

export function keyWrites(table: string, rows: KeyRow[]): KeyWrite[] {
  return rows.map((r) => ({ key: `${table}/${r.id}`, digest: r.digest, preview: r.preview }));
}
