import type pg from "pg";
import type { DatasetSpec, EngineNode, LoadStats } from "../../../harness/engine.ts";
import { EngineError } from "../../../harness/engine-error.ts";
import { InputError } from "../../../harness/errors.ts";
import { UNKNOWN_DIGEST, type KeyWrite, type Ledger } from "../../../harness/ledger.ts";
import type { PhaseProgress } from "../../../harness/progress.ts";
import type { RecordFile } from "../../../harness/records.ts";
import type { ResolvedImage } from "../../../harness/runtime/images.ts";
import type { OpSource, WorkloadClient, WorkloadOp } from "../../../harness/workload.ts";
import { engineErrors, isDefiniteSqlFailure } from "../../../protocols/pg/errors.ts";
import type { PostgresNode } from "../node.ts";
import { readTables } from "../read-tables.ts";
import { dependencyOrder, readUserTables, type UserTable } from "./catalog.ts";
import { generateRow, type GeneratedRow, type WrittenRows } from "./rows.ts";
import { canonicalReadSql, insertRowSql, intendedKeySql } from "./sql.ts";

/** One insert into a user table. */
export interface UserOp {
  table: UserTable;
  row: GeneratedRow;
}

/** The user's schema on a node: the tables found in the catalog after the DDL ran, and the rows generated so far. */
export class UserSchemaState {
  tables: UserTable[] = [];
  readonly written: WrittenRows = new Map();
  /** Rows the load inserted per table (acknowledged), for the UNLOGGED check. */
  readonly loaded = new Map<string, number>();
}

/** The row's key as the server prints it, or the insert's refusal when it cannot even read the values. */
async function intendedKey(client: pg.Client, op: UserOp): Promise<KeyWrite[]> {
  const r = await client.query<{ key: string }>(intendedKeySql(op.table, op.row.columns), op.row.values);
  return [{ key: r.rows[0]!.key, digest: UNKNOWN_DIGEST }];
}

async function insert(client: pg.Client, op: UserOp): Promise<KeyWrite[]> {
  const r = await client.query<{ key: string; digest: string; preview: string }>(
    insertRowSql(op.table, op.row.columns),
    op.row.values,
  );
  return r.rows.map((x) => ({ key: x.key, digest: x.digest, preview: x.preview }));
}

/** Refuses a schema the drill cannot key: every table needs a primary key whose values dr-drill writes. */
function checkKeys(tables: UserTable[]): void {
  if (tables.length === 0) throw new InputError("--schema: the DDL created no table");
  for (const t of tables) {
    if (t.primaryKey.length === 0)
      throw new InputError(`--schema: table ${t.name} has no primary key: dr-drill keys every row by it`);
    const filled = t.primaryKey.filter((k) => t.columns.find((c) => c.name === k)?.serverFilled);
    if (filled.length)
      throw new InputError(
        `--schema: table ${t.name}'s primary key column ${filled.join(", ")} is filled by the server: dr-drill must know each row's key before writing it`,
      );
  }
}

/**
 * A PostgreSQL node drilled on the user's schema (`--schema FILE.sql`): the DDL applied, the catalog read, rows
 * generated per column type and inserted one by one (a row the server refuses, e.g. one breaking a check constraint,
 * is a `fail` in the ledger), read back table by table with the server's digest of each row.
 */
export class UserSchemaNode implements EngineNode<UserOp> {
  constructor(
    readonly inner: PostgresNode,
    private readonly ddl: string,
    readonly state: UserSchemaState,
  ) {}

  get images(): ResolvedImage[] {
    return this.inner.images;
  }

  serverErrors(): Promise<string[]> {
    return this.inner.serverErrors();
  }

  async load(dataset: DatasetSpec, ledger: Ledger, progress: PhaseProgress): Promise<LoadStats> {
    const client = await this.inner.pg.client();
    try {
      try {
        await client.query(this.ddl);
      } catch (err) {
        throw new InputError(
          `--schema: the server refused the DDL: ${err instanceof Error ? err.message : String(err)}`,
        );
      }
      const tables = dependencyOrder(await readUserTables(client));
      checkKeys(tables);
      this.state.tables = tables;
      const perTable = Math.max(1, Math.ceil(dataset.rows / tables.length));
      let records = 0;
      for (const table of tables) {
        let ok = 0;
        for (let n = 1; n <= perTable; n++) {
          const op = { table, row: generateRow(table, dataset.seed, n, this.state.written) };
          const intended = await intendedKey(client, op).catch(() => []);
          const outcome = await ledger.record(
            "loader",
            "load",
            intended,
            () => insert(client, op),
            isDefiniteSqlFailure,
          );
          if (outcome === "ok") ok++;
          progress.update({ records: records + ok });
        }
        this.state.loaded.set(table.name, ok);
        records += ok;
      }
      return { records };
    } finally {
      await client.end();
    }
  }

  async openWorkloadClient(): Promise<WorkloadClient<UserOp>> {
    const client = await this.inner.pg.client({ statementTimeoutMs: 10_000 });
    return {
      intended: (op) => intendedKey(client, op.payload),
      apply: (op) => insert(client, op.payload),
      isDefiniteFailure: isDefiniteSqlFailure,
      close: () => client.end(),
    };
  }

  readCanonical(into: RecordFile, progress: PhaseProgress): Promise<void> {
    const tables = this.state.tables.map((t) => ({ regclass: t.sql, sql: canonicalReadSql(t) }));
    return readTables(this.inner.pg, tables, into, progress);
  }

  /** A table of dr-drill's own, so the probe never depends on the user's constraints. */
  async probeWrite(): Promise<string> {
    const client = await this.inner.pg.client();
    try {
      const note = `dr-drill probe ${new Date().toISOString()} ✓`;
      const back = await engineErrors(async () => {
        await client.query("CREATE TABLE IF NOT EXISTS dr_drill_probe (id int PRIMARY KEY, note text)");
        await client.query("INSERT INTO dr_drill_probe VALUES (1, $1)", [note]);
        return client.query<{ note: string }>("SELECT note FROM dr_drill_probe WHERE id = 1");
      });
      if (back.rows[0]?.note !== note)
        throw new EngineError(`wrote ${JSON.stringify(note)}, read back ${JSON.stringify(back.rows[0]?.note)}`);
      return "created a table, inserted a row and read it back";
    } finally {
      await client.end();
    }
  }

  destroy(): Promise<void> {
    return this.inner.destroy();
  }
}

/** The workload on the user's schema: new rows, table after table, keys above the load's and distinct per writer. */
export class UserSchemaWorkload implements OpSource<UserOp> {
  private readonly counters = new Map<number, number>();

  constructor(
    private readonly state: UserSchemaState,
    private readonly seed: number,
    private readonly rows: number,
  ) {}

  next(writer: number, writers: number): WorkloadOp<UserOp> {
    const count = this.counters.get(writer) ?? 0;
    this.counters.set(writer, count + 1);
    const table = this.state.tables[(count + writer) % this.state.tables.length]!;
    const n = this.rows + 1 + count * writers + writer;
    const row = generateRow(table, this.seed, n, this.state.written);
    return { kind: "insert", keys: [`${table.name}/${n}`], payload: { table, row } };
  }
}
