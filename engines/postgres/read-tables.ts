import type { PhaseProgress } from "../../harness/progress.ts";
import type { RecordFile } from "../../harness/records.ts";
import { engineErrors } from "../../protocols/pg/errors.ts";
import type { StartedPostgres } from "../../protocols/pg/container.ts";

/** A table to read back: its name for `to_regclass`, and the query giving each row's key, digest and preview. */
export interface CanonicalTable {
  regclass: string;
  sql: string;
}

/**
 * Reads tables back in one repeatable-read snapshot, each through a cursor (a sequential scan of the heap), into the
 * canonical record file. An absent table has no records: the oracle counts what is missing.
 */
export async function readTables(
  pg: StartedPostgres,
  tables: CanonicalTable[],
  into: RecordFile,
  progress: PhaseProgress,
): Promise<void> {
  const client = await pg.client();
  await engineErrors(async () => {
    await client.query("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY");
    for (const table of tables) {
      const exists = await client.query<{ t: string | null }>("SELECT to_regclass($1)::text AS t", [table.regclass]);
      if (!exists.rows[0]?.t) continue;
      await client.query(`DECLARE canon NO SCROLL CURSOR FOR ${table.sql}`);
      for (;;) {
        const batch = await client.query<{ key: string; digest: string; preview: string }>("FETCH 5000 FROM canon");
        for (const r of batch.rows) await into.add(r);
        progress.update({ records: into.digest.count });
        if (batch.rows.length < 5000) break;
      }
      await client.query("CLOSE canon");
    }
    await client.query("COMMIT");
  }).finally(() => client.end());
}
