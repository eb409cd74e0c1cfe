import { to as copyTo } from "pg-copy-streams";
import type { PhaseProgress } from "../../harness/progress.ts";
import type { RecordFile } from "../../harness/records.ts";
import { engineErrors } from "../../protocols/pg/errors.ts";
import { copyRows } from "../../protocols/pg/copy-binary.ts";
import { digestOfText } from "../../protocols/pg/digest.ts";
import type { StartedPostgres } from "../../protocols/pg/container.ts";

/** A table to read back: its name for `to_regclass`, and the query giving each row's key and its text form (`t::text`). */
export interface CanonicalTable {
  regclass: string;
  sql: string;
}

/**
 * Reads tables back in one repeatable-read snapshot into the canonical record file. A binary COPY streams each table
 * (a sequential scan of the heap) and the client hashes each row's text: the server would compute the text twice per
 * row to hash it. An absent table has no records: the oracle counts what is missing.
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
      for await (const [key, text] of copyRows(client.query(copyTo(`COPY (${table.sql}) TO STDOUT (FORMAT binary)`)))) {
        if (!key || !text) throw new Error(`${table.regclass}: the read-back returned a row without its key or text`);
        await into.add({ key: key.toString("utf8"), ...digestOfText(text) });
        if (into.digest.count % 5000 === 0) progress.update({ records: into.digest.count });
      }
      progress.update({ records: into.digest.count });
    }
    await client.query("COMMIT");
  }).finally(() => client.end());
}
