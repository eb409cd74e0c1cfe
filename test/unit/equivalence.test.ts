import { describe, expect, it } from "vitest";
import { join } from "node:path";
import { checkEquivalence, type StateSummary } from "../../harness/checkers/equivalence.ts";
import { RecordFile, type CanonicalRecord } from "../../harness/records.ts";
import { makeTempDir } from "./support.ts";

const rec = (key: string, digest: string, preview = `value of ${key}`): CanonicalRecord => ({ key, digest, preview });

async function state(dir: string, name: string, records: CanonicalRecord[]): Promise<StateSummary> {
  const file = new RecordFile(join(dir, `${name}.tsv`));
  for (const r of records) await file.add(r);
  return { path: file.path, ...(await file.close()) };
}

const SOURCE = [rec("people/1", "d1"), rec("people/2", "d2"), rec("people/10", "d10"), rec("documents/3", "d3")];

describe("checkEquivalence", () => {
  it("is valid for equal states written in different orders", async () => {
    const dir = await makeTempDir();
    const source = await state(dir, "source", SOURCE);
    const restored = await state(dir, "restored", [...SOURCE].reverse());
    const result = await checkEquivalence(source, restored, dir);
    expect(result.valid).toBe(true);
    expect(result.summary).toContain("4 records");
    expect(result.examples).toBeUndefined();
  });

  it("counts missing, extra and differing records and shows them readably", async () => {
    const dir = await makeTempDir();
    const source = await state(dir, "source", SOURCE);
    const restored = await state(dir, "restored", [
      rec("people/10", "d10"),
      rec("people/2", "CHANGED", "corrupted bio"),
      rec("documents/3", "d3"),
      rec("people/9", "d9", "an extra row"),
    ]);
    const result = await checkEquivalence(source, restored, dir);
    expect(result.valid).toBe(false);
    expect(result.details).toMatchObject({ missing: 1, extra: 1, differing: 1, sourceCount: 4, restoredCount: 4 });
    expect(result.summary).toBe(
      "restored state differs from the source: 1 missing, 1 extra, 1 differing (source 4 records, restored 4)",
    );
    expect(result.examples).toEqual([
      "missing people/1\n  source:   value of people/1\n  restored: (absent)",
      "differing people/2\n  source:   value of people/2\n  restored: corrupted bio",
      "extra people/9\n  source:   (absent)\n  restored: an extra row",
    ]);
  });

  it("detects a duplicated record even though every key is present", async () => {
    const dir = await makeTempDir();
    const source = await state(dir, "source", SOURCE);
    const restored = await state(dir, "restored", [...SOURCE, rec("people/2", "d2")]);
    const result = await checkEquivalence(source, restored, dir);
    expect(result.valid).toBe(false);
    expect(result.details).toMatchObject({ missing: 0, extra: 0, differing: 1 });
  });

  it("detects an empty restore", async () => {
    const dir = await makeTempDir();
    const result = await checkEquivalence(await state(dir, "source", SOURCE), await state(dir, "restored", []), dir);
    expect(result.valid).toBe(false);
    expect(result.details).toMatchObject({ missing: 4, extra: 0, differing: 0, restoredCount: 0 });
  });

  it("lists at most maxExamples differences but counts them all", async () => {
    const dir = await makeTempDir();
    const result = await checkEquivalence(await state(dir, "source", SOURCE), await state(dir, "restored", []), dir, 2);
    expect(result.examples).toHaveLength(2);
    expect(result.details).toMatchObject({ missing: 4 });
  });
});
