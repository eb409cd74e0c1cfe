import { readFile } from "node:fs/promises";
import { join } from "node:path";
import type { Damage, DamageTarget } from "../../harness/verify/damage.ts";

const NODE_STORE = join("databases", "neo4j", "neostore.nodestore.db");
/**
 * The node store as Neo4j 5's `aligned` record format (the Community default) lays it out: 15-byte records that never
 * cross an 8 KiB page (546 per page, the page's last 2 bytes unused). A record: the header byte (bit 0: in use), the
 * first relationship and the first property (4 bytes each), the label field (5 bytes, least significant first: 36 bits
 * of inlined label ids, then 3 bits of their count, then the bit that says the labels are in a dynamic record), and a
 * byte of flags (NodeRecordFormat).
 */
const PAGE_BYTES = 8192;
const RECORD_BYTES = 15;
const PER_PAGE = Math.floor(PAGE_BYTES / RECORD_BYTES);
const LABEL_FIELD = 9;
const recordAt = (id: number) => Math.floor(id / PER_PAGE) * PAGE_BYTES + (id % PER_PAGE) * RECORD_BYTES;

/** A node in use with inlined labels: what the read-back reads by label. */
function usedNodesWithLabels(store: Buffer): number[] {
  const ids: number[] = [];
  for (let id = 0; ; id++) {
    const at = recordAt(id);
    if (at + RECORD_BYTES > store.length) return ids;
    const top = store[at + LABEL_FIELD + 4]!;
    if ((store[at]! & 1) === 1 && (top & 0x80) === 0 && ((top >> 4) & 0x7) > 0) ids.push(id);
  }
}

/**
 * Where a test's damage to a cold copy goes: a flipped byte of the label field of the node in the middle of the used
 * ones (a label id changed: the node leaves its label), which the restored server reads; the transaction logs of a
 * cleanly stopped server are not read at all. Cuts and removals keep the default target; a dump keeps it for all.
 */
export async function neo4jDamageTargets(dir: string, damage: Damage): Promise<DamageTarget | undefined> {
  if (damage !== "flip-byte") return undefined;
  const store = await readFile(join(dir, NODE_STORE)).catch(() => undefined);
  if (!store) return undefined;
  const used = usedNodesWithLabels(store);
  const id = used[Math.floor(used.length / 2)];
  if (id === undefined) throw new Error(`${NODE_STORE}: no node in use with inlined labels`);
  return {
    file: NODE_STORE,
    offset: recordAt(id) + LABEL_FIELD,
    why: `the lowest byte of the label field of node ${id}, the middle of ${used.length} nodes in use with labels`,
  };
}
