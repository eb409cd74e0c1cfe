import { describe, it, expect } from "vitest";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { Ledger } from "../../../harness/ledger.ts";
import { scanDb } from "../db-file.ts";
import { onMosquitto } from "./support.ts";

// The hand-measured fact, checked: with `persistence true` and no autosave due, Mosquitto writes nothing to
// disk until it is told to; a SIGTERM (docker stop) makes it save the whole in-memory database before it exits.
describe("mosquitto: SIGTERM saves the database", () => {
  it("no mosquitto.db before the stop; after SIGTERM a complete one holding the queued messages", async () => {
    await onMosquitto("mosquitto-sigterm", async (node, { rt, progress, workDir }) => {
      const ledger = new Ledger(join(workDir, "ledger.jsonl"), rt.clock);
      const loading = progress.phase("load");
      const stats = await node.load({ seed: 3, rows: 300 }, ledger, loading);
      loading.done({ records: stats.records });
      await ledger.close();
      expect(await node.broker.dbStat()).toBeUndefined();
      await node.broker.stop({ remove: false, timeout: 10_000 });
      await node.broker.copyDataOut(join(workDir, "data"));
      const scan = scanDb(await readFile(join(workDir, "data", "mosquitto.db")));
      expect(scan.problem).toBeUndefined();
      expect(scan.chunks.client).toBe(24);
      expect(scan.messages.filter((m) => !m.retain).length).toBeGreaterThan(0);
      expect(await node.broker.log()).toMatch(/Saving in-memory database to \/mosquitto\/data\/\/?mosquitto\.db\./);
      console.log(`SIGTERM: mosquitto.db written on stop, ${scan.bytes} bytes: ${JSON.stringify(scan.chunks)}`);
    });
  });
});
