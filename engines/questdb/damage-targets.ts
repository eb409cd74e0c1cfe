import { readFile, readdir } from "node:fs/promises";
import { join } from "node:path";
import type { Damage, DamageTarget } from "../../harness/verify/damage.ts";
import { QDB_TABLES } from "./model.ts";
import { partitionDirName, txnPartitions } from "./txn-file.ts";

/** The column a damage hits: `id`, a LONG every row has and the read-back keys on. */
const COLUMN = "id";
const LONG_BYTES = 8;

/**
 * Where a test's damage to a QuestDB checkpoint copy goes: the `id` column file of the partition holding the most
 * rows, as the checkpoint's `_txn` (the one the restore recovers to) counts them. Column files are preallocated far
 * past their rows, so a byte past them is never read: the flip lands on the middle row, the cut keeps half the rows.
 * A removal keeps the default target.
 */
export async function questdbDamageTargets(dir: string, damage: Damage): Promise<DamageTarget | undefined> {
  if (damage === "remove") return undefined;
  const part = await fullestPartition(dir);
  const partDir = join("db", part.table, part.dir);
  const file = (await readdir(join(dir, partDir))).find((f) => new RegExp(`^${COLUMN}\\.d(\\.\\d+)?$`).test(f));
  if (!file) throw new Error(`${partDir} has no ${COLUMN}.d column file`);
  const half = Math.floor(part.rows / 2);
  const where = `${COLUMN} column of ${part.table} partition ${part.dir}, ${part.rows} rows by the checkpoint's _txn`;
  return damage === "flip-byte"
    ? { file: join(partDir, file), offset: half * LONG_BYTES, why: `row ${half} of the ${where}` }
    : { file: join(partDir, file), keepBytes: half * LONG_BYTES, why: `cut after row ${half} of the ${where}` };
}

async function fullestPartition(dir: string): Promise<{ table: string; dir: string; rows: number }> {
  const checkpoint = join(dir, ".checkpoint", "db");
  let best: { table: string; dir: string; rows: number } | undefined;
  for (const table of await readdir(checkpoint)) {
    const model = QDB_TABLES.find((t) => table === t.name || table.startsWith(`${t.name}~`));
    if (!model) continue;
    for (const p of txnPartitions(await readFile(join(checkpoint, table, "_txn"))))
      if (!best || p.rows > best.rows) best = { table, dir: partitionDirName(p, model.partitionBy), rows: p.rows };
  }
  if (!best || best.rows < 2) throw new Error(`${checkpoint}: no drill table's partition holds two rows to damage`);
  return best;
}
