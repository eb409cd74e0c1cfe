import type pg from "pg";
import { UNKNOWN_DIGEST, type KeyWrite } from "../../harness/ledger.ts";
import type { WorkloadClient, WorkloadOp } from "../../harness/workload.ts";
import { isDefiniteSqlFailure } from "../../protocols/pg/errors.ts";
import type { PgOp } from "./model.ts";
import {
  INSERT_TRANSFER_SQL,
  insertSql,
  intendedInsertSql,
  intendedTransferSql,
  intendedUpdateSql,
  keyWrites,
  updateSql,
  type KeyRow,
} from "./schema.ts";

/** The row an update targets does not exist: nothing was written, so the outcome is a definite `fail`. */
class NoRowError extends Error {}

export class PostgresWorkloadClient implements WorkloadClient<PgOp> {
  constructor(private readonly client: pg.Client) {}

  /** The server's digest of the row the op is about to write, computed before it is sent (the same expression as RETURNING). */
  async intended(op: WorkloadOp<PgOp>): Promise<KeyWrite[]> {
    const p = op.payload;
    if (p.kind === "transfer") {
      const rows = (await this.client.query<KeyRow>(intendedTransferSql(), [p.id, p.from, p.to, p.amount])).rows;
      return [...keyWrites("transfers", rows), ...op.keys.slice(1).map((key) => ({ key, digest: UNKNOWN_DIGEST }))];
    }
    const sql = p.kind === "insert" ? intendedInsertSql(p.table) : intendedUpdateSql(p.table);
    return keyWrites(p.table.name, (await this.client.query<KeyRow>(sql, [p.id, ...p.row])).rows);
  }

  async apply(op: WorkloadOp<PgOp>): Promise<KeyWrite[]> {
    const p = op.payload;
    if (p.kind === "insert") {
      return keyWrites(
        p.table.name,
        (await this.client.query<KeyRow>(insertSql(p.table, 1), [p.id, 1, ...p.row])).rows,
      );
    }
    if (p.kind === "update") {
      const result = await this.client.query<KeyRow>(updateSql(p.table), [p.id, ...p.row]);
      if (result.rowCount === 0) throw new NoRowError(`${p.table.name}/${p.id} does not exist`);
      return keyWrites(p.table.name, result.rows);
    }
    // Lock accounts in id order so concurrent transfers cannot deadlock.
    const [first, second] = p.from < p.to ? [p.from, p.to] : [p.to, p.from];
    try {
      await this.client.query("BEGIN");
      for (const id of [first, second]) {
        await this.client.query("UPDATE accounts SET balance = balance + $2 WHERE id = $1", [
          id,
          id === p.from ? -p.amount : p.amount,
        ]);
      }
      const inserted = await this.client.query<KeyRow>(INSERT_TRANSFER_SQL, [p.id, p.from, p.to, p.amount]);
      await this.client.query("COMMIT");
      // The balances' new values depend on every other transfer: unknown to this client, checked by the invariants.
      return [
        ...keyWrites("transfers", inserted.rows),
        ...op.keys.slice(1).map((key) => ({ key, digest: UNKNOWN_DIGEST })),
      ];
    } catch (err) {
      await this.client.query("ROLLBACK").catch(() => undefined);
      throw err;
    }
  }

  isDefiniteFailure(err: unknown): boolean {
    return err instanceof NoRowError || isDefiniteSqlFailure(err);
  }

  async close(): Promise<void> {
    await this.client.end();
  }
}
