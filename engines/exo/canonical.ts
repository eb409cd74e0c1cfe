import type { RecordFile } from "../../harness/records.ts";
import type { PhaseProgress } from "../../harness/progress.ts";
import { engineErrors } from "../../protocols/pg/errors.ts";
import { CANONICAL_TABLES, DATASOURCES, canonicalSql } from "./schema.ts";
import { CHAT_DB, chatRecord, fileKey, type TierSession } from "./writes.ts";

/**
 * The parts of the data directory the platform cannot do without: the file storage, the JCR value files and the codec.
 * `jcr/index` is rebuilt at start when missing, `jcr/swap` and `jta` are optional (docs/engines/exo.md, "The vendor's
 * backup guide"): not records.
 */
export const ESSENTIAL_DIRS = ["data/files", "data/jcr/values", "conf/codec"];

/** Reads the whole tier as canonical records: every row of the three datasources, every essential file, every chat document. */
export async function readTier(
  s: Omit<TierSession, "codec">,
  into: RecordFile,
  progress: PhaseProgress,
): Promise<void> {
  let records = 0;
  for (const ds of DATASOURCES) {
    for (const t of CANONICAL_TABLES[ds]) {
      const { rows } = await engineErrors(() =>
        s.sql[ds].query<{ key: string; digest: string; preview: string }>(canonicalSql(ds, t)),
      );
      for (const r of rows) await into.add(r);
      records += rows.length;
      progress.update({ records, at: `${ds}.${t.table}` });
    }
  }
  for (const [rel, digest] of await s.gatein.hashes(ESSENTIAL_DIRS))
    await into.add({ key: fileKey(rel), digest, preview: rel.slice(-80) });
  const collections = (await s.chat.listCollections({}, { nameOnly: true }).toArray()).map((c) => c.name).sort();
  for (const name of collections) {
    for await (const doc of s.chat.collection<{ _id: unknown }>(name).find()) await into.add(chatRecord(name, doc));
  }
  progress.update({ records, chat: `${CHAT_DB}: ${collections.length} collections` });
}
