import type pg from "pg";
import type { DatasetSpec, EngineNode, LoadStats } from "../../harness/engine.ts";
import type { Ledger } from "../../harness/ledger.ts";
import type { RecordFile } from "../../harness/records.ts";
import type { PhaseProgress } from "../../harness/progress.ts";
import type { WorkloadClient } from "../../harness/workload.ts";
import type { ResolvedImage } from "../../harness/runtime/images.ts";
import { removeVolume } from "../../harness/runtime/resources.ts";
import { EngineError } from "../../harness/engine-error.ts";
import { engineErrors } from "../../protocols/pg/errors.ts";
import { rowsAsText } from "../../protocols/pg/rows.ts";
import { datasetBatches, type PgOp } from "./model.ts";
import { PGDATA, type StartedPostgres } from "../../protocols/pg/container.ts";
import {
  ALL_TABLES,
  INSERT_ACCOUNTS_SQL,
  canonicalReadSql,
  createSchemaSql,
  insertSql,
  keyWrites,
  type KeyRow,
} from "./schema.ts";
import { PostgresWorkloadClient } from "./workload-client.ts";
import { RELATION_KINDS_SQL } from "./file-kind.ts";
import { readTables } from "./read-tables.ts";

/** A running PostgreSQL server on its own volume: the source of a drill (with a volume for backups), or a restored node. */
export class PostgresNode implements EngineNode<PgOp> {
  readonly dataDirectory = PGDATA;

  constructor(
    readonly pg: StartedPostgres,
    readonly volume: string,
    private readonly onLoaded: (rows: number) => void,
    readonly backupVolume?: string,
  ) {}

  get images(): ResolvedImage[] {
    return [this.pg.image];
  }

  serverErrors(): Promise<string[]> {
    return this.pg.serverErrors();
  }

  /** A user's SQL, in a read-only transaction: a check must not change what the next one reads. */
  async userQuery(text: string): Promise<string[][]> {
    const client = await this.pg.client();
    try {
      return await engineErrors(async () => {
        await client.query("BEGIN READ ONLY");
        const rows = await rowsAsText(client, text);
        await client.query("ROLLBACK");
        return rows;
      });
    } finally {
      await client.end();
    }
  }

  async load(dataset: DatasetSpec, ledger: Ledger, progress: PhaseProgress): Promise<LoadStats> {
    const client = await this.pg.client();
    try {
      await client.query(createSchemaSql());
      let records = await this.loadStatement(client, ledger, "accounts", INSERT_ACCOUNTS_SQL, []);
      for (const batch of datasetBatches(dataset.seed, dataset.rows)) {
        const params = batch.ids.flatMap((id, i) => [id, 1, ...batch.rows[i]!]);
        records += await this.loadStatement(
          client,
          ledger,
          batch.table.name,
          insertSql(batch.table, batch.ids.length),
          params,
        );
        progress.update({ records, "records/s": Math.round(records / (progress.elapsedMs() / 1000)) });
      }
      const size = await client.query<{ bytes: string }>("SELECT pg_database_size(current_database())::text AS bytes");
      this.onLoaded(dataset.rows);
      return { records, bytes: Number(size.rows[0]!.bytes) };
    } finally {
      await client.end();
    }
  }

  /** One autocommit statement, acknowledged when it returns: one ledger entry with a digest per row. */
  private async loadStatement(
    client: pg.Client,
    ledger: Ledger,
    table: string,
    sql: string,
    params: unknown[],
  ): Promise<number> {
    const invokeAt = ledger.clock.now();
    const result = await client.query<KeyRow>(sql, params);
    ledger.appendLoad(invokeAt, keyWrites(table, result.rows));
    return result.rowCount ?? 0;
  }

  async openWorkloadClient(): Promise<WorkloadClient<PgOp>> {
    return new PostgresWorkloadClient(await this.pg.client({ statementTimeoutMs: 10_000 }));
  }

  readCanonical(into: RecordFile, progress: PhaseProgress): Promise<void> {
    return readTables(
      this.pg,
      ALL_TABLES.map((t) => ({ regclass: t, sql: canonicalReadSql(t) })),
      into,
      progress,
    );
  }

  /** The server's refusal of the write, or a different value served back, is the engine's answer (EngineError). */
  async probeWrite(): Promise<string> {
    const client = await this.pg.client();
    try {
      const name = `dr-drill probe ${new Date().toISOString()} ✓`;
      const back = await engineErrors(async () => {
        await client.query("INSERT INTO people (id, version, name) VALUES (-1, 1, $1)", [name]);
        return client.query<{ name: string }>("SELECT name FROM people WHERE id = -1");
      });
      if (back.rows[0]?.name !== name)
        throw new EngineError(`wrote ${JSON.stringify(name)}, read back ${JSON.stringify(back.rows[0]?.name)}`);
      return "inserted a row into people and read it back";
    } finally {
      await client.end();
    }
  }

  /** A query of the config's checks: every column as text, in the canonical session; the server's errors are its words. */
  async checkQuery(text: string): Promise<string[][]> {
    const client = await this.pg.client({ statementTimeoutMs: 60_000 });
    try {
      const result = await engineErrors(() =>
        client.query({ text, rowMode: "array", types: { getTypeParser: () => (v: string) => v } }),
      );
      return result.rows.map((row: unknown[]) => row.map((v) => (v === null ? "NULL" : String(v))));
    } finally {
      await client.end();
    }
  }

  async relationFiles(): Promise<Record<string, string>> {
    const client = await this.pg.client();
    try {
      const rows = await client.query<{ relname: string; path: string }>(
        "SELECT relname, pg_relation_filepath(oid) AS path FROM pg_class WHERE relname = ANY($1) AND relkind = 'r'",
        [ALL_TABLES],
      );
      return Object.fromEntries(rows.rows.map((r) => [r.relname, r.path]));
    } finally {
      await client.end();
    }
  }

  /** Every relation's data file and its kind (engines/postgres/file-kind.ts). */
  async relationKinds(): Promise<Record<string, string>> {
    const client = await this.pg.client();
    try {
      const rows = await client.query<{ path: string; kind: string }>(RELATION_KINDS_SQL);
      return Object.fromEntries(rows.rows.map((r) => [r.path, r.kind]));
    } finally {
      await client.end();
    }
  }

  async destroy(): Promise<void> {
    await this.pg.stop();
    await removeVolume(this.volume);
    if (this.backupVolume) await removeVolume(this.backupVolume);
  }
}
