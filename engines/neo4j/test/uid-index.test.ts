import { mkdtemp, mkdir, readFile, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Neo4jError } from "neo4j-driver";
import { describe, expect, it } from "vitest";
import { createDrillRuntime } from "../../../harness/drill.ts";
import { olderFilesFault } from "../../../harness/faults.ts";
import { UID_INDEX_CHECK, UID_INDEX_PATHS, uidIndexCheck, type CypherSource } from "../uid-index.ts";

type Row = Record<string, unknown>;
const rowsOf = (rows: Row[]) => ({
  async *[Symbol.asyncIterator]() {
    for (const r of rows) yield { get: (k: string) => r[k] };
  },
});

/**
 * A server whose scans serve `stored` (uid → element id) for every path and whose index seeks answer from `index`
 * (uid → element id; a uid absent there is what a stale index does not know).
 */
function server(stored: Map<number, string>, index: Map<number, string>, seekError?: Error): CypherSource {
  return {
    run(cypher, params) {
      const seek = UID_INDEX_PATHS.some((p) => p.seek === cypher);
      if (!seek) return rowsOf([...stored].map(([uid, id]) => ({ uid, id })));
      if (seekError) throw seekError;
      const asked = (params?.uids as { toString(): string }[]).map((u) => Number(u.toString()));
      return rowsOf(asked.filter((u) => index.has(u)).map((u) => ({ asked: u, id: index.get(u) })));
    },
  };
}

const stored = new Map(Array.from({ length: 12_000 }, (_, i) => [i + 1, `4:db:${i}`] as const));

describe("invariant:uid-index (a scan and a seek through the uid index must agree)", () => {
  it("holds when every entity is found through its index as the same element, across seek batches", async () => {
    const check = await uidIndexCheck(server(stored, stored));
    expect(check).toMatchObject({ name: UID_INDEX_CHECK, valid: true });
    expect(check.summary).toContain(`each of ${stored.size * UID_INDEX_PATHS.length} nodes and relationships`);
  });

  it("fails on entities a stale index does not know, naming them", async () => {
    const stale = new Map([...stored].filter(([uid]) => uid <= 11_851));
    const check = await uidIndexCheck(server(stored, stale));
    expect(check.valid).toBe(false);
    expect(check.summary).toMatch(/^596 of 48000 .* uid 11852: served by a scan, not found through its uid index/);
    expect(check.examples).toHaveLength(20);
  });

  it("fails when the index leads to another element than the scan serves", async () => {
    const wrong = new Map(stored).set(7, "4:db:999999");
    const check = await uidIndexCheck(server(stored, wrong));
    expect(check.valid).toBe(false);
    expect(check.summary).toContain("uid 7: the scan serves 4:db:6, its uid index leads to 4:db:999999");
  });

  it("an error Neo4j returns on the seek fails the check in its words; an error of ours is thrown", async () => {
    const page = new Neo4jError(
      "Could not go to page:17 [root]",
      "Neo.DatabaseError.Statement.ExecutionFailed",
      "50N42",
      "error",
    );
    const check = await uidIndexCheck(server(stored, stored, page));
    expect(check).toMatchObject({ valid: false, summary: expect.stringMatching(/Could not go to page:17/) });
    await expect(uidIndexCheck(server(stored, stored, new Error("socket hang up")))).rejects.toThrow("socket hang up");
  });
});

describe("olderFilesFault (files of an older backup mixed into the new one)", () => {
  const at = async (root: string, files: Record<string, string>) => {
    for (const [rel, text] of Object.entries(files)) {
      await mkdir(join(root, rel, ".."), { recursive: true });
      await writeFile(join(root, rel), text);
    }
  };

  it("copies only the picked files both backups have, and says which", async () => {
    const base = await mkdtemp(join(tmpdir(), "older-files-"));
    const older = join(base, "older");
    const artifact = join(base, "new");
    await at(older, { "idx/1/index-1": "old index", "store.db": "old store", "idx/9/index-9": "only in the old" });
    await at(artifact, { "idx/1/index-1": "new index", "store.db": "new store" });
    const { rt: runtime } = createDrillRuntime({
      runId: "r",
      drillId: "d",
      workDir: base,
      sink: { line: () => undefined },
    });
    const spec = { name: "stale-index", description: "", expect: { outcome: "pass" } as const };
    const fault = olderFilesFault<null, { dir: string }>({ ...spec, pick: (rel) => rel.startsWith("idx/") });
    await fault.beforeBackup!({ takeBackup: async () => ({ dir: older }), runtime });
    const record = await fault.apply({ dir: artifact });
    expect(record).toMatchObject({ fault: "older-files", target: "idx/1/index-1", detail: { files: 1 } });
    expect(await readFile(join(artifact, "idx/1/index-1"), "utf8")).toBe("old index");
    expect(await readFile(join(artifact, "store.db"), "utf8")).toBe("new store");
    const none = olderFilesFault<null, { dir: string }>({ ...spec, pick: () => false });
    await none.beforeBackup!({ takeBackup: async () => ({ dir: older }), runtime });
    await expect(none.apply({ dir: artifact })).rejects.toThrow(/no file of the older backup/);
  });
});
