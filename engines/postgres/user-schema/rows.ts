import fc from "fast-check";
import { InputError } from "../../../harness/errors.ts";
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
  timestamp,
} from "../../../harness/hostile-values.ts";
import { deriveSeed } from "../../../harness/seed.ts";
import type { SqlValue } from "../model.ts";
import type { UserColumn, UserTable } from "./catalog.ts";

/** Mostly values a column of that type takes, sometimes the hostile edges (which a typmod or a check may refuse). */
const mostly = <T>(plain: fc.Arbitrary<T>, edges: fc.Arbitrary<T>) =>
  fc.oneof({ weight: 4, arbitrary: plain }, { weight: 1, arbitrary: edges });

const smallDecimal = fc.integer({ min: -9_999_999, max: 9_999_999 }).map((n) => (n / 100).toFixed(2));

/** fast-check values per base type (pg_type.typname); undefined for a type dr-drill cannot generate. */
function baseArbitrary(c: UserColumn): fc.Arbitrary<SqlValue> | undefined {
  if (c.labels) return fc.constantFrom(...c.labels);
  switch (c.base) {
    case "int2":
      return int16;
    case "int4":
      return mostly(fc.integer({ min: 0, max: 100_000 }), int32);
    case "int8":
      return mostly(fc.integer({ min: 0, max: 100_000 }).map(String), int64);
    case "numeric":
      return mostly(smallDecimal, decimal);
    case "float4":
    case "float8":
      return mostly(
        fc.integer({ min: -1e6, max: 1e6 }).map((n) => String(n / 8)),
        float64,
      );
    case "bool":
      return fc.boolean();
    case "text":
    case "varchar":
    case "bpchar":
    case "citext":
      return mostly(nastyText(12), nastyText(200));
    case "bytea":
      return bytes;
    case "json":
    case "jsonb":
      return jsonDocument.map((v) => JSON.stringify(v));
    case "timestamp":
    case "timestamptz":
      return mostly(
        fc.integer({ min: Date.UTC(2020, 0, 1), max: Date.UTC(2030, 0, 1) }).map((ms) => new Date(ms).toISOString()),
        timestamp,
      );
    case "date":
      return timestamp.map((t) => (t.includes("infinity") ? t : t.slice(0, 10)));
    case "uuid":
      return fc.uuid();
    default:
      return undefined;
  }
}

/** One column's values: its base type's, in arrays for an array column, NULL now and then where allowed. */
export function columnArbitrary(table: UserTable, c: UserColumn): fc.Arbitrary<SqlValue> {
  const base = baseArbitrary(c);
  if (!base) {
    if (!c.notNull) return fc.constant(null);
    throw new InputError(
      `--schema: column ${table.name}.${c.name} has type ${c.type}, which dr-drill cannot generate values for, and is NOT NULL (give it a default, or use another type)`,
    );
  }
  const values = c.array ? fc.array(base, { maxLength: 4 }) : base;
  return c.notNull ? values : nullable(values);
}

/** The value of a key column for row `n`: unique per row, of the column's type. */
function keyValue(c: UserColumn, n: number): SqlValue {
  if (["int2", "int4", "int8", "numeric"].includes(c.base)) return String(n);
  if (c.base === "uuid") return `00000000-0000-4000-8000-${n.toString(16).padStart(12, "0")}`;
  return `k${n}`;
}

/** A row to insert: the columns written and their values, in the table's column order. */
export interface GeneratedRow {
  columns: UserColumn[];
  values: SqlValue[];
}

/** The rows already generated per table, for foreign keys to point at (their referenced columns' values). */
export type WrittenRows = Map<string, Map<string, SqlValue>[]>;

/**
 * Row `n` of a table for a seed: the first primary-key column unique by `n` (when it is an integer, text or uuid
 * column), a foreign key pointing at a row generated earlier for the table it references (a dangling one when there
 * is none: the server refuses it), every other column drawn from its type. Columns the server fills (identity,
 * generated) are left to it.
 */
export function generateRow(table: UserTable, seed: number, n: number, written: WrittenRows): GeneratedRow {
  const columns = table.columns.filter((c) => !c.serverFilled);
  const rowSeed = deriveSeed(seed, "schema", table.name, n);
  const [drawn] = fc.sample(fc.tuple(...columns.map((c) => columnArbitrary(table, c))), { seed: rowSeed, numRuns: 1 });
  const [pick] = fc.sample(fc.nat(), { seed: rowSeed + 1, numRuns: 1 });
  const values = new Map<string, SqlValue>(columns.map((c, i) => [c.name, drawn![i] ?? null]));
  const keyColumn = columns.find((c) => c.name === table.primaryKey[0]);
  if (keyColumn && ["int2", "int4", "int8", "numeric", "text", "varchar", "uuid"].includes(keyColumn.base))
    values.set(keyColumn.name, keyValue(keyColumn, n));
  for (const fk of table.foreignKeys) {
    const targets = written.get(fk.table) ?? [];
    const target = targets[pick! % Math.max(1, targets.length)];
    fk.columns.forEach((col, i) => values.set(col, target?.get(fk.refColumns[i]!) ?? null));
  }
  const row = { columns, values: columns.map((c) => values.get(c.name) ?? null) };
  const list = written.get(table.name) ?? [];
  list.push(values);
  written.set(table.name, list);
  return row;
}
