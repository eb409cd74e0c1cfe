import { readFile } from "node:fs/promises";
import type { CheckResult } from "../../../harness/checkers/checker.ts";
import type { RecordModel } from "../../../harness/checkers/ledger-oracle.ts";
import type { DatasetSpec, DrillRuntime, Engine, RestoreResult } from "../../../harness/engine.ts";
import { InputError } from "../../../harness/errors.ts";
import { engineErrors } from "../../../protocols/pg/errors.ts";
import { PostgresEngine, type PostgresArtifact, type PostgresBackupMethod } from "../engine.ts";
import { UserSchemaNode, UserSchemaState, UserSchemaWorkload, type UserOp } from "./node.ts";

/**
 * PostgreSQL drilled on the user's own schema (`--schema FILE.sql`) with the built-in methods' backup, preflight and
 * restore: only the data differs (engines/postgres/user-schema/node.ts).
 */
export class UserSchemaEngine implements Engine<UserOp, UserSchemaNode, PostgresArtifact> {
  readonly name = "postgres";
  readonly backupMode = "online";
  readonly records: RecordModel = { consistency: "point-in-time" };
  private readonly base: PostgresEngine;
  private readonly state = new UserSchemaState();
  private seed = 0;
  private rows = 0;

  constructor(
    readonly version: string,
    readonly backupMethod: PostgresBackupMethod,
    private readonly schemaFile: string | undefined,
  ) {
    this.base = new PostgresEngine(version, backupMethod);
  }

  private async ddl(): Promise<string> {
    if (!this.schemaFile)
      throw new InputError("scenario user-schema drills your schema: give its DDL with --schema FILE.sql");
    return readFile(this.schemaFile, "utf8").catch((err: Error) => {
      throw new InputError(`--schema ${this.schemaFile}: ${err.message}`);
    });
  }

  async provision(rt: DrillRuntime): Promise<UserSchemaNode> {
    const ddl = await this.ddl();
    return new UserSchemaNode(await this.base.provision(rt), ddl, this.state);
  }

  backup(node: UserSchemaNode, dir: string, rt: DrillRuntime): Promise<PostgresArtifact> {
    return this.base.backup(node.inner, dir, rt);
  }

  preflight(artifact: PostgresArtifact, rt: DrillRuntime): Promise<CheckResult[]> {
    return this.base.preflight(artifact, rt);
  }

  /** The built-in restore (it takes no hooks: a physical backup goes into the empty PGDATA whole). */
  async restore(artifact: PostgresArtifact, rt: DrillRuntime): Promise<RestoreResult<UserSchemaNode>> {
    const { node, ...restored } = await this.base.restore(artifact, rt);
    return { ...restored, ...(node ? { node: new UserSchemaNode(node, await this.ddl(), this.state) } : {}) };
  }

  workload(dataset: DatasetSpec): UserSchemaWorkload {
    this.seed = dataset.seed;
    this.rows = dataset.rows;
    return new UserSchemaWorkload(this.state, this.seed, this.rows);
  }

  /**
   * `unlogged-tables`: an UNLOGGED table is not WAL-logged, so a physical backup restores it empty (PostgreSQL resets
   * it at the end of recovery); a dump carries its rows. Found and named, never hidden among the lost rows.
   */
  async invariants(node: UserSchemaNode): Promise<CheckResult[]> {
    const unlogged = this.state.tables.filter((t) => t.unlogged);
    if (unlogged.length === 0)
      return [{ name: "unlogged-tables", valid: true, summary: "no UNLOGGED table in the schema" }];
    const client = await node.inner.pg.client();
    const counts = await engineErrors(async () => {
      const out: { name: string; loaded: number; restored: number }[] = [];
      for (const t of unlogged) {
        const r = await client.query<{ n: string }>(`SELECT count(*)::text AS n FROM ${t.sql}`);
        out.push({ name: t.name, loaded: this.state.loaded.get(t.name) ?? 0, restored: Number(r.rows[0]!.n) });
      }
      return out;
    }).finally(() => client.end());
    const emptied = counts.filter((c) => c.loaded > 0 && c.restored === 0);
    const list = (cs: typeof counts) =>
      cs.map((c) => `${c.name} (${c.loaded} rows loaded on the source, ${c.restored} restored)`).join(", ");
    return [
      emptied.length
        ? {
            name: "unlogged-tables",
            valid: false,
            summary: `UNLOGGED table(s) empty after the restore: ${list(emptied)}; PostgreSQL does not write unlogged tables to the WAL, so a physical backup cannot carry their rows`,
          }
        : {
            name: "unlogged-tables",
            valid: true,
            summary: `UNLOGGED table(s) restored with their rows: ${list(counts)}`,
          },
    ];
  }
}
