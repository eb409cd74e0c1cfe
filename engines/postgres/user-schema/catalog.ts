import type pg from "pg";

/** One column of a user table as the catalog describes it (pg_attribute, pg_type). */
export interface UserColumn {
  name: string;
  /** `format_type`: e.g. `text`, `numeric(12,2)`, `mood`, `integer[]`. */
  type: string;
  /** The base type's name (`int4`, `text`, `jsonb`, the enum's name); for an array, its element's. */
  base: string;
  array: boolean;
  /** The enum's labels, when the base type is an enum. */
  labels?: string[];
  notNull: boolean;
  /** Filled by the server (identity, generated, or a default with nothing else to write): never written by us. */
  serverFilled: boolean;
}

export interface ForeignKey {
  columns: string[];
  table: string;
  refColumns: string[];
}

/** A table the drill writes: an ordinary or partitioned table of the user's schema (partitions are reached through it). */
export interface UserTable {
  /** Qualified and quoted, ready for SQL: `"public"."orders"`. */
  sql: string;
  /** How keys and messages name it: `orders`, or `schema.orders` outside `public`. */
  name: string;
  unlogged: boolean;
  partitioned: boolean;
  columns: UserColumn[];
  primaryKey: string[];
  foreignKeys: ForeignKey[];
  /** Check constraints, as `pg_get_constraintdef` prints them (rows that break one are the server's refusal). */
  checks: string[];
}

const TABLES_SQL = `
SELECT c.oid::text AS oid, n.nspname::text AS nspname, c.relname::text AS relname, c.relpersistence = 'u' AS unlogged, c.relkind = 'p' AS partitioned
  FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
 WHERE c.relkind IN ('r', 'p') AND NOT c.relispartition
   AND n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg\\_%'
 ORDER BY n.nspname, c.relname`;

const COLUMNS_SQL = `
SELECT a.attrelid::text AS rel, a.attname::text AS name, format_type(a.atttypid, a.atttypmod) AS type,
       coalesce(et.typname, t.typname)::text AS base, et.oid IS NOT NULL AS array, a.attnotnull AS not_null,
       (a.attidentity <> '' OR a.attgenerated <> '') AS server_filled,
       (SELECT array_agg(e.enumlabel::text ORDER BY e.enumsortorder) FROM pg_enum e
         WHERE e.enumtypid = coalesce(et.oid, t.oid)) AS labels
  FROM pg_attribute a JOIN pg_type t ON t.oid = a.atttypid
  LEFT JOIN pg_type et ON et.oid = t.typelem AND t.typcategory = 'A'
 WHERE a.attrelid = ANY($1::oid[]) AND a.attnum > 0 AND NOT a.attisdropped
 ORDER BY a.attrelid, a.attnum`;

const CONSTRAINTS_SQL = `
SELECT k.conrelid::text AS rel, k.contype::text AS kind, pg_get_constraintdef(k.oid) AS def,
       ARRAY(SELECT a.attname::text FROM unnest(k.conkey) WITH ORDINALITY u(n, i)
               JOIN pg_attribute a ON a.attrelid = k.conrelid AND a.attnum = u.n ORDER BY u.i) AS columns,
       k.confrelid::text AS ref,
       ARRAY(SELECT a.attname::text FROM unnest(k.confkey) WITH ORDINALITY u(n, i)
               JOIN pg_attribute a ON a.attrelid = k.confrelid AND a.attnum = u.n ORDER BY u.i) AS ref_columns
  FROM pg_constraint k
 WHERE k.conrelid = ANY($1::oid[]) AND k.contype IN ('p', 'f', 'c') AND k.conparentid = 0
 ORDER BY k.conrelid, k.conname`;

const quote = (id: string) => `"${id.replaceAll('"', '""')}"`;

/**
 * The user's tables as the catalog describes them after their DDL ran: columns and types (enums with their labels,
 * arrays with their element), primary and foreign keys, check constraints, partitioning, and which are UNLOGGED.
 */
export async function readUserTables(client: pg.Client): Promise<UserTable[]> {
  const tables = (
    await client.query<{ oid: string; nspname: string; relname: string; unlogged: boolean; partitioned: boolean }>(
      TABLES_SQL,
    )
  ).rows;
  const oids = tables.map((t) => t.oid);
  const columns = (
    await client.query<{
      rel: string;
      name: string;
      type: string;
      base: string;
      array: boolean;
      not_null: boolean;
      server_filled: boolean;
      labels: string[] | null;
    }>(COLUMNS_SQL, [oids])
  ).rows;
  const constraints = (
    await client.query<{
      rel: string;
      kind: "p" | "f" | "c";
      def: string;
      columns: string[];
      ref: string;
      ref_columns: string[];
    }>(CONSTRAINTS_SQL, [oids])
  ).rows;
  const nameOf = new Map(tables.map((t) => [t.oid, t.nspname === "public" ? t.relname : `${t.nspname}.${t.relname}`]));
  return tables.map((t) => {
    const own = constraints.filter((k) => k.rel === t.oid);
    return {
      sql: `${quote(t.nspname)}.${quote(t.relname)}`,
      name: nameOf.get(t.oid)!,
      unlogged: t.unlogged,
      partitioned: t.partitioned,
      columns: columns
        .filter((c) => c.rel === t.oid)
        .map((c) => ({
          name: c.name,
          type: c.type,
          base: c.base,
          array: c.array,
          ...(c.labels ? { labels: c.labels } : {}),
          notNull: c.not_null,
          serverFilled: c.server_filled,
        })),
      primaryKey: own.find((k) => k.kind === "p")?.columns ?? [],
      foreignKeys: own
        .filter((k) => k.kind === "f")
        .map((k) => ({ columns: k.columns, table: nameOf.get(k.ref) ?? k.ref, refColumns: k.ref_columns })),
      checks: own.filter((k) => k.kind === "c").map((k) => k.def),
    };
  });
}

/** Tables in an order where every table comes after those its foreign keys reference (a cycle keeps its order). */
export function dependencyOrder(tables: UserTable[]): UserTable[] {
  const done = new Set<string>();
  const out: UserTable[] = [];
  const visit = (t: UserTable, path: Set<string>) => {
    if (done.has(t.name) || path.has(t.name)) return;
    path.add(t.name);
    for (const fk of t.foreignKeys) {
      const ref = tables.find((x) => x.name === fk.table);
      if (ref && ref !== t) visit(ref, path);
    }
    done.add(t.name);
    out.push(t);
  };
  for (const t of tables) visit(t, new Set());
  return out;
}

export { quote as quoteIdent };
