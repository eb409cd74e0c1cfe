import { digestColumns } from "../../../protocols/pg/digest.ts";
import { quoteIdent, type UserColumn, type UserTable } from "./catalog.ts";

/** SQL on the user's tables: every write returns, and the read-back reads, the row's key and canonical digest. */

const literal = (s: string) => `'${s.replaceAll("'", "''")}'`;

/** A row's key: the table's name, then its primary key's values as the server prints them, `|`-separated. */
const keyOf = (table: UserTable, row: string) =>
  `${literal(`${table.name}/`)} || concat_ws('|', ${table.primaryKey.map((c) => `${row}.${quoteIdent(c)}::text`).join(", ")})`;

const params = (columns: UserColumn[]) => columns.map((c, i) => `$${i + 1}::${c.type}`).join(", ");

export function insertRowSql(table: UserTable, columns: UserColumn[]): string {
  return `INSERT INTO ${table.sql} AS t (${columns.map((c) => quoteIdent(c.name)).join(", ")}) VALUES (${params(columns)}) RETURNING ${keyOf(table, "t")} AS key, ${digestColumns()}`;
}

/** The key an insert of these values would write, computed by the server without writing (for a write that fails). */
export function intendedKeySql(table: UserTable, columns: UserColumn[]): string {
  const named = columns.map((c, i) => `$${i + 1}::${c.type} AS ${quoteIdent(c.name)}`).join(", ");
  return `SELECT ${keyOf(table, "t")} AS key FROM (SELECT ${named}) t`;
}

/** The table's rows as the read-back streams them (engines/postgres/read-tables.ts): each record's key and the row's text. */
export function canonicalReadSql(table: UserTable): string {
  return `SELECT ${keyOf(table, "t")} AS key, t::text AS row FROM ${table.sql} t`;
}
