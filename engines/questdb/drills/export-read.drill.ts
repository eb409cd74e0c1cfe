import { describe, it, expect } from "vitest";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createDrillRuntime } from "../../../harness/drill.ts";
import { Ledger } from "../../../harness/ledger.ts";
import { RecordFile, sortFile } from "../../../harness/records.ts";
import type { PhaseProgress } from "../../../harness/progress.ts";
import { removeManaged } from "../../../harness/runtime/resources.ts";
import { publishedHost } from "../../../harness/runtime/docker.ts";
import { missingImage, skipUnless, SCENARIO_SEED } from "../../../test/drills/support.ts";
import { QuestDbEngine } from "../engine.ts";
import { QDB_HTTP_PORT } from "../container.ts";
import { exportRows } from "../export-read.ts";
import { canonicalFromServer, digestOfText, type QuestDbNode } from "../node.ts";
import { QDB_TABLES, rowKey } from "../model.ts";
import { QUESTDB_VERSIONS } from "../versions.ts";
import { CANONICAL_COLUMNS } from "../wire.ts";

const ROWS = Math.min(Number(process.env.DR_DRILL_ROWS ?? 2_000), 4_000);

/**
 * The read-back as it was before the `/exp` read: PG-wire queries slice by slice of the designated timestamp. The
 * reference the export read must equal, record for record.
 */
async function readOverPgWire(node: QuestDbNode, into: RecordFile): Promise<void> {
  const client = await node.qdb.client();
  try {
    for (const t of QDB_TABLES) {
      const range = (
        await client.query<{ lo: string | null; hi: string | null }>(
          `SELECT cast(min(ts) AS LONG) AS lo, cast(max(ts) AS LONG) AS hi FROM ${t.name}`,
        )
      ).rows[0];
      if (!range?.lo || !range.hi) continue;
      const step = (t.partitionBy === "DAY" ? 24 : 1) * 3_600_000_000;
      for (let lo = Number(range.lo); lo <= Number(range.hi); lo += step) {
        const rows = await client.query<Record<string, string | null>>(
          `SELECT ${CANONICAL_COLUMNS} FROM ${t.name} WHERE ts >= cast(${lo} AS TIMESTAMP) AND ts < cast(${lo + step} AS TIMESTAMP)`,
        );
        for (const r of rows.rows) {
          const text = canonicalFromServer(r);
          await into.add({ key: rowKey(t, r.id ?? "null"), digest: digestOfText(text), preview: text.slice(0, 160) });
        }
      }
    }
  } finally {
    await client.end();
  }
}

/** Rows whose DOUBLE a raw `price` column in the export prints otherwise than PG wire: why `EXPORT_COLUMNS` casts it. */
async function roundedPrices(node: QuestDbNode): Promise<number> {
  const base = `http://${publishedHost(node.qdb)}:${node.qdb.getMappedPort(QDB_HTTP_PORT)}`;
  const sql = "SELECT price, CASE WHEN price IS NULL THEN NULL ELSE concat('', price) END AS exact FROM quotes";
  let differ = 0;
  for await (const rows of exportRows(base, sql, ["price", "exact"]))
    for (const [raw, exact] of rows) if (Number(raw ?? NaN) !== Number(exact ?? NaN) && exact !== null) differ++;
  return differ;
}

async function sortedLines(file: string, dir: string): Promise<string[]> {
  const sorted = `${file}.sorted`;
  await sortFile(file, sorted, ["1,1", "2,2"], dir);
  return (await readFile(sorted, "utf8")).split("\n");
}

// The `/exp` read-back gives the very records the PG-wire read gives, on every version drilled, for the drill's data
// set of hostile values (quotes, commas, line breaks, astral characters, NULLs, extreme doubles and timestamps).
describe("questdb: /exp read-back equals the PG-wire read on every version", () => {
  for (const version of Object.keys(QUESTDB_VERSIONS)) {
    it(`${version}: same records, same digests, ${ROWS} rows`, async (ctx) => {
      skipUnless(ctx, await missingImage("questdb", [version]));
      const workDir = await mkdtemp(join(tmpdir(), "dr-drill-qdb-exp-"));
      const drillId = `qdb-exp-read-${version}-${process.pid}`;
      const { rt, progress } = createDrillRuntime({ runId: drillId, drillId, workDir });
      let node: QuestDbNode | undefined;
      try {
        node = await new QuestDbEngine(version).provision(rt);
        const ledger = new Ledger(join(workDir, "ledger.jsonl"), rt.clock);
        await node.load({ seed: SCENARIO_SEED, rows: ROWS }, ledger, progress.phase("load"));
        await ledger.close();
        const phase: PhaseProgress = progress.phase("read");
        const viaExport = new RecordFile(join(workDir, "export.tsv"));
        await node.readCanonical(viaExport, phase);
        const exported = await viaExport.close();
        const viaPg = new RecordFile(join(workDir, "pgwire.tsv"));
        await readOverPgWire(node, viaPg);
        const pgwire = await viaPg.close();
        process.stdout.write(
          `[${version}] rows whose raw DOUBLE the export prints otherwise than PG wire: ${await roundedPrices(node)}\n`,
        );
        expect(exported.count).toBe(ROWS);
        expect(exported).toEqual(pgwire);
        expect(await sortedLines(viaExport.path, workDir)).toEqual(await sortedLines(viaPg.path, workDir));
      } finally {
        await node?.destroy().catch(() => undefined);
        await removeManaged({ drillId });
        await rm(workDir, { recursive: true, force: true });
      }
    });
  }
});
