import { statSync } from "node:fs";
import { join } from "node:path";
import type pg from "pg";
import type { CheckResult } from "../../harness/checkers/checker.ts";
import type { StateSummary } from "../../harness/checkers/equivalence.ts";
import { acceptedState, byKey, DeepFindings } from "../../harness/campaign/deep-compare.ts";
import { engineErrors } from "../../protocols/pg/errors.ts";
import { QDB_TABLES, rowKey, type QdbTable } from "./model.ts";
import { canonicalFromServer, digestOfText, type QuestDbNode } from "./node.ts";
import { CANONICAL_COLUMNS } from "./wire.ts";

/** The probe write (node.ts `probeWrite`) lands in 2030, after every row of the data set: its partitions are left out. */
const PROBE_FROM_MICROS = Date.UTC(2030, 0, 1) * 1000;
const isProbe = (key: string) => /\/-\d+$/.test(key);

interface PartitionCount {
  name: string;
  /** What the table's metadata (`_txn`) says the partition holds. */
  numRows: number;
  /** Rows a `ts IN '<partition>'` query counts through the designated timestamp. */
  counted: number;
}

/**
 * The deep verification of a restored QuestDB whose drill passed. QuestDB has no checker of its own, so two other read
 * paths than the drill's (which slices each table by designated-timestamp ranges): every partition's row count in
 * `table_partitions()` (the `_txn` metadata) against a `count()` over `ts IN '<partition>'`, and every row read again
 * through the SYMBOL column's dictionary (`WHERE sym = $1` resolves the value through the symbol map's `.k`/`.v`
 * index; NULL symbols by `sym IS NULL`), compared with the accepted state by key and digest.
 */
export async function questDbDeepVerify(node: QuestDbNode, restored: StateSummary): Promise<CheckResult> {
  const accepted = await acceptedState(restored.path);
  const client = await node.qdb.client();
  const findings = new DeepFindings();
  let partitions = 0;
  let rows = 0;
  try {
    await engineErrors(async () => {
      for (const t of QDB_TABLES) {
        const expected = new Map([...accepted].filter(([k]) => k.startsWith(`${t.name}/`)));
        const exists = await client.query<{ n: string }>("SELECT count() AS n FROM tables() WHERE table_name = $1", [
          t.name,
        ]);
        if (Number(exists.rows[0]?.n ?? 0) === 0) {
          if (expected.size) findings.add(`${t.name}: not listed by tables(), ${expected.size} accepted rows`);
          continue;
        }
        const counts = await partitionCounts(client, t);
        partitions += counts.length;
        const off = counts.filter((p) => p.numRows !== p.counted);
        if (off.length)
          findings.add(
            `${t.name}: ${off.length} partition(s) whose _txn row count differs from a count over ts IN the partition`,
            off.slice(0, 5).map((p) => `${t.name} partition ${p.name}: numRows ${p.numRows}, counted ${p.counted}`),
          );
        const meta = counts.reduce((n, p) => n + p.numRows, 0);
        if (meta !== expected.size)
          findings.add(`${t.name}: table_partitions() says ${meta} rows, the accepted state holds ${expected.size}`);
        const bySymbol = await readBySymbol(client, t);
        rows += bySymbol.size;
        findings.compare(`${t.name} read by symbol`, "by symbol", expected, bySymbol);
      }
    });
  } finally {
    await client.end();
  }
  return findings.result(
    `${partitions} partitions' _txn row counts equal counts over ts IN each partition; ${rows} rows read again through their SYMBOL dictionary equal the accepted state`,
    { partitions, rowsBySymbol: rows },
  );
}

async function partitionCounts(client: pg.Client, t: QdbTable): Promise<PartitionCount[]> {
  const parts = await client.query<{ name: string; numrows: string; lo: string | null }>(
    `SELECT name, numRows AS numrows, cast(minTimestamp AS LONG) AS lo FROM table_partitions('${t.name}')`,
  );
  const out: PartitionCount[] = [];
  for (const p of parts.rows) {
    if (p.lo !== null && Number(p.lo) >= PROBE_FROM_MICROS) continue;
    const counted = await client.query<{ n: string }>(
      `SELECT count() AS n FROM ${t.name} WHERE ts IN '${p.name.replace(/\.\d+$/, "")}'`,
    );
    out.push({ name: p.name, numRows: Number(p.numrows), counted: Number(counted.rows[0]?.n ?? 0) });
  }
  return out;
}

async function readBySymbol(client: pg.Client, t: QdbTable): Promise<Map<string, string>> {
  const symbols = await client.query<{ sym: string | null }>(`SELECT DISTINCT sym FROM ${t.name}`);
  const records = [];
  for (const { sym } of symbols.rows) {
    const page =
      sym === null
        ? await client.query<Record<string, string | null>>(
            `SELECT ${CANONICAL_COLUMNS} FROM ${t.name} WHERE sym IS NULL`,
          )
        : await client.query<Record<string, string | null>>(
            `SELECT ${CANONICAL_COLUMNS} FROM ${t.name} WHERE sym = $1`,
            [sym],
          );
    for (const r of page.rows) {
      const key = rowKey(t, r.id ?? "null");
      if (!isProbe(key)) records.push({ key, digest: digestOfText(canonicalFromServer(r)), preview: "" });
    }
  }
  return byKey(records);
}

/** What a file of a QuestDB backup is, by name: column files by extension, the table's metadata files, WAL, other. */
export function questDbFileKind(dir: string, path: string): string {
  const name = path.split("/").at(-1)!;
  if (statSync(join(dir, path), { throwIfNoEntry: false })?.isDirectory()) {
    if (/^\d{4}-\d\d-\d\d(T\d\d)?(\.\d+)?$/.test(name)) return "directory partition";
    if (/^wal\d+$/.test(name)) return "directory WAL";
    if (/~\d+$/.test(name)) return "directory table";
    return `directory ${name}`;
  }
  if (path.includes("/txn_seq/")) return "txn_seq";
  if (/\/wal\d+\//.test(path)) return "WAL segment";
  for (const meta of ["_txn", "_meta", "_cv", "_name", "_todo_"]) if (name === meta) return meta;
  const ext = /\.([a-z])(\.\d+)?$/.exec(name)?.[1];
  // A column file of a table (WAL tables are `<name>~<id>`, the others plain `<name>`), in a partition or beside them.
  if (ext && "dikvoc".includes(ext) && !name.startsWith("_") && path.startsWith("db/") && path.split("/").length >= 3)
    return `.${ext}`;
  if (/^tables\.d\.\d+$/.test(name) || name.startsWith("_tab_index")) return "table registry";
  return `other (${name.replace(/\d+/g, "N")})`;
}
