import { describe, it, expect } from "vitest";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { QuestDbEngine, QUESTDB_DEFAULT_VERSION, copyBreakingMidway, type QuestDbNode } from "../../engines/questdb/index.ts";
import { QuestDbWorkload } from "../../generators/questdb.ts";
import { Ledger } from "../../harness/ledger.ts";
import { createDrillRuntime, newRunId } from "../../harness/drill.ts";
import { parseImageMode } from "../../harness/runtime/images.ts";
import { removeManaged } from "../../harness/runtime/resources.ts";
import { SCENARIO_SEED } from "../support.ts";

// The seed: "It is very important to exit the checkpoint mode regardless of whether the copy operation succeeded or
// failed." The copy breaks midway; afterwards the server must be out of checkpoint mode and still ingesting.
describe("questdb: CHECKPOINT RELEASE always runs", () => {
  it("a copy that breaks midway still releases the checkpoint, and ingestion goes on", async () => {
    const runId = newRunId();
    const drillId = `qdb-release-${SCENARIO_SEED}`;
    const workDir = await mkdtemp(join(tmpdir(), "dr-drill-qdb-release-"));
    const { rt, progress } = createDrillRuntime({ runId, drillId, workDir, imageMode: parseImageMode(process.env.DR_DRILL_IMAGES, "DR_DRILL_IMAGES") });
    const clock = rt.clock;
    const engine = new QuestDbEngine(QUESTDB_DEFAULT_VERSION, { copyTool: copyBreakingMidway(4 * 1024 * 1024) });
    let node: QuestDbNode | undefined;
    try {
      node = await engine.provision(rt);
      const ledger = new Ledger(join(workDir, "ledger.jsonl"), clock);
      await node.load({ seed: SCENARIO_SEED, rows: 2_000 }, ledger, progress.phase("load"));
      await ledger.close();

      await expect(engine.backup(node, join(workDir, "backup"), rt)).rejects.toThrow(/copy with .* failed: copy interrupted after \d+ bytes .*; CHECKPOINT RELEASE ran$/);

      const client = await node.qdb.client();
      try {
        // Out of checkpoint mode, as the server itself reports it.
        const status = await client.query<{ in_progress: string }>("SELECT in_progress FROM checkpoint_status()");
        expect(status.rows).toHaveLength(1);
        expect(status.rows[0]!.in_progress).toMatch(/^(f|false)$/); // PG wire sends booleans as t/f
        // Ingestion goes on over both protocols: a batch each, acknowledged and then visible.
        const ops = new QuestDbWorkload(SCENARIO_SEED);
        const writer = await node.openWorkloadClient();
        const written: string[] = [];
        try {
          for (let i = 0; i < 4; i++) {
            const op = ops.next(0, 1);
            written.push(...(await writer.apply(op)).map((w) => w.key));
          }
        } finally {
          await writer.close();
        }
        expect(new Set(written.map((k) => k.split("/")[0])).size).toBe(4);
        await node.waitForWal(client, 60_000);
        for (const table of ["trades", "quotes", "ticks", "events"]) {
          const ids = written.filter((k) => k.startsWith(`${table}/`)).map((k) => k.split("/")[1]);
          const got = await client.query<{ n: string }>(`SELECT count() AS n FROM ${table} WHERE id IN (${ids.join(",")})`);
          expect(got.rows[0]!.n, table).toBe(String(ids.length));
        }
        // And a new checkpoint can be taken: a second CREATE fails while one is held, so this proves the release.
        await client.query("CHECKPOINT CREATE");
        await client.query("CHECKPOINT RELEASE");
      } finally {
        await client.end();
      }
    } finally {
      await node?.destroy().catch(() => undefined);
      await removeManaged({ drillId });
      await rm(workDir, { recursive: true, force: true });
    }
  });
});
