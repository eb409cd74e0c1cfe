import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { createHash } from "node:crypto";
import {
  MultisetDigest,
  add256,
  RecordFile,
  compareKeys,
  formatRecordLine,
  groupByKey,
  mergeJoin,
  parseRecordLine,
  previewOf,
  readLineChunks,
  readLines,
  sortFile,
  type CanonicalRecord,
} from "../../harness/records.ts";
import { LineFile } from "../../harness/line-file.ts";
import { makeTempDir } from "./support.ts";

const digestOf = (records: Pick<CanonicalRecord, "key" | "digest">[]) => {
  const d = new MultisetDigest();
  for (const r of records) d.add(r);
  return { hex: d.hex(), count: d.count };
};

const A = { key: "people/1", digest: "aaa" };
const B = { key: "people/2", digest: "bbb" };
const C = { key: "measurements/3", digest: "ccc" };

describe("MultisetDigest", () => {
  it("does not depend on the order records are added in", () => {
    expect(digestOf([A, B, C])).toEqual(digestOf([C, A, B]));
  });

  it("changes when one record's digest changes", () => {
    expect(digestOf([A, B, C]).hex).not.toBe(digestOf([A, { ...B, digest: "bbc" }, C]).hex);
  });

  it("changes when a record is duplicated", () => {
    const dup = digestOf([A, B, B, C]);
    expect(dup.hex).not.toBe(digestOf([A, B, C]).hex);
    expect(dup.count).toBe(4);
  });

  it("changes when a record is removed", () => {
    expect(digestOf([A, C]).hex).not.toBe(digestOf([A, B, C]).hex);
  });

  it("separates key from digest (no ambiguity at the boundary)", () => {
    expect(digestOf([{ key: "ab", digest: "c" }]).hex).not.toBe(digestOf([{ key: "a", digest: "bc" }]).hex);
  });

  it("is 64 hex digits, zero for the empty multiset", () => {
    expect(new MultisetDigest().hex()).toBe("0".repeat(64));
    expect(digestOf([A]).hex).toMatch(/^[0-9a-f]{64}$/);
  });

  it("is the sum of SHA-256(key NUL digest) modulo 2^256, as a BigInt computes it", () => {
    const reference = (records: Pick<CanonicalRecord, "key" | "digest">[]) => {
      let sum = 0n;
      for (const r of records)
        sum += BigInt("0x" + createHash("sha256").update(r.key).update("\0").update(r.digest).digest("hex"));
      return (sum % (1n << 256n)).toString(16).padStart(64, "0");
    };
    fc.assert(
      fc.property(
        fc.array(fc.record({ key: fc.string({ unit: "grapheme" }), digest: fc.string() }), { maxLength: 40 }),
        (rs) => {
          expect(digestOf(rs).hex).toBe(reference(rs));
        },
      ),
      { numRuns: 200 },
    );
  });
});

describe("add256", () => {
  const big = (limbs: Uint32Array) => limbs.reduceRight((n, l) => (n << 32n) | BigInt(l), 0n);
  const bytes = fc.uint8Array({ minLength: 32, maxLength: 32 });
  const edgy = fc.oneof(bytes, fc.constant(new Uint8Array(32).fill(0xff)), fc.constant(new Uint8Array(32)));

  it("adds 256-bit big-endian numbers modulo 2^256, carries and wrap-around included", () => {
    fc.assert(
      fc.property(fc.array(edgy, { minLength: 1, maxLength: 20 }), (adds) => {
        const sum = new Uint32Array(8);
        let expected = 0n;
        for (const b of adds) {
          add256(sum, b);
          expected = (expected + BigInt("0x" + Buffer.from(b).toString("hex"))) % (1n << 256n);
        }
        expect(big(sum)).toBe(expected);
      }),
      { numRuns: 300 },
    );
  });

  it("reads the 32 bytes at a view's own offset", () => {
    const backing = new Uint8Array(40).fill(0xff);
    backing.fill(0, 4, 35);
    backing[35] = 1;
    const sum = new Uint32Array(8);
    add256(sum, backing.subarray(4, 36));
    expect(big(sum)).toBe(1n);
  });
});

describe("previewOf", () => {
  it("escapes backslashes, tabs, newlines and carriage returns", () => {
    expect(previewOf("a\tb\nc\\d\re")).toBe("a\\tb\\nc\\\\d\\re");
  });

  it("truncates past max and says how much was cut", () => {
    expect(previewOf("x".repeat(10), 4)).toBe("xxxx…(+6)");
    expect(previewOf("x".repeat(4), 4)).toBe("xxxx");
  });
});

describe("record lines", () => {
  it("round-trip through format and parse", () => {
    const safe = fc.string({ minLength: 1 }).filter((s) => !/[\t\n\r\\…]/.test(s));
    fc.assert(
      fc.property(
        fc.record(
          { key: safe, digest: safe, preview: safe, position: fc.nat() },
          { requiredKeys: ["key", "digest", "preview"] },
        ),
        (r) => {
          expect(parseRecordLine(formatRecordLine(r))).toEqual({ ...r, preview: previewOf(r.preview) });
        },
      ),
      { seed: 7 },
    );
  });

  it("keep a preview with tabs on one line and in the third field", () => {
    const parsed = parseRecordLine(formatRecordLine({ key: "k/1", digest: "d", preview: "a\tb\nc" }));
    expect(parsed).toEqual({ key: "k/1", digest: "d", preview: "a\\tb\\nc" });
  });

  it("parse an old line of three fields without a position", () => {
    expect(parseRecordLine("k/1\td\tp")).toStrictEqual({ key: "k/1", digest: "d", preview: "p" });
  });

  it("carry a list item's position as a fourth field", () => {
    expect(formatRecordLine({ key: "q\u001f01", digest: "d", preview: "p", position: 3 })).toBe("q\u001f01\td\tp\t3");
  });

  it("refuse a position that is not a non-negative integer", () => {
    expect(() => formatRecordLine({ key: "q", digest: "d", preview: "", position: -1 })).toThrow(/position/);
    expect(() => formatRecordLine({ key: "q", digest: "d", preview: "", position: 1.5 })).toThrow(/position/);
  });

  it("refuse a key or digest containing a tab or newline", () => {
    expect(() => formatRecordLine({ key: "k\t1", digest: "d", preview: "" })).toThrow(/tabs or line breaks/);
    expect(() => formatRecordLine({ key: "k/1", digest: "d\n", preview: "" })).toThrow(/tabs or line breaks/);
  });

  // readline (groupByKey) also ends a line at a lone "\r": such a key would read back as two broken lines.
  it("refuse a key containing a carriage return, which readers treat as a line break", () => {
    expect(() => formatRecordLine({ key: "k/1\r", digest: "d", preview: "" })).toThrow();
  });

  it("are written by RecordFile with count and digest of what was added", async () => {
    const dir = await makeTempDir();
    const file = new RecordFile(join(dir, "r.tsv"));
    for (const r of [A, B]) await file.add({ ...r, preview: "p" });
    expect(await file.close()).toEqual({ count: 2, digest: digestOf([B, A]).hex });
    expect(await readFile(file.path, "utf8")).toBe("people/1\taaa\tp\npeople/2\tbbb\tp\n");
  });
});

describe("LineFile and readLineChunks", () => {
  it("write and read back every line in order across many chunks, CRLF and a last line without LF included", async () => {
    const dir = await makeTempDir();
    const lines = Array.from(
      { length: 30_000 },
      (_, i) => `line ${i} ${"é😀".repeat(i % 7)}${i % 5 === 0 ? "\r" : ""}`,
    );
    const file = new LineFile(join(dir, "lines.txt"));
    for (const line of lines) {
      file.line(line);
      if (file.full) await file.flush();
    }
    await file.close();
    await writeFile(join(dir, "tail.txt"), (await readFile(file.path, "utf8")) + "last without LF");
    const back: string[] = [];
    for await (const chunk of readLineChunks(join(dir, "tail.txt"))) back.push(...chunk);
    expect(back).toEqual([...lines.map((l) => l.replace(/\r$/, "")), "last without LF"]);
    const one: string[] = [];
    for await (const line of readLines(join(dir, "tail.txt"))) one.push(line);
    expect(one).toEqual(back);
  });
});

describe("sortFile + mergeJoin", () => {
  async function joined(left: string[], right: string[]) {
    const dir = await makeTempDir();
    const paths = ["l.tsv", "r.tsv", "l.sorted.tsv", "r.sorted.tsv"].map((f) => join(dir, f));
    await writeFile(paths[0]!, left.join("\n") + "\n");
    await writeFile(paths[1]!, right.join("\n") + "\n");
    await sortFile(paths[0]!, paths[2]!, ["1,1"], dir);
    await sortFile(paths[1]!, paths[3]!, ["1,1"], dir);
    const out = [];
    for await (const row of mergeJoin(paths[2]!, paths[3]!)) out.push(row);
    return out;
  }

  it("sorts bytewise by key, so people/10 comes before people/9", async () => {
    const dir = await makeTempDir();
    await writeFile(join(dir, "in.tsv"), "people/9\tb\npeople/10\ta\npeople/1\tc\n");
    await sortFile(join(dir, "in.tsv"), join(dir, "out.tsv"), ["1,1"], dir);
    expect(await readFile(join(dir, "out.tsv"), "utf8")).toBe("people/1\tc\npeople/10\ta\npeople/9\tb\n");
  });

  it("is a full outer join: one-sided keys, shared keys and duplicate keys", async () => {
    const rows = await joined(
      ["people/9\tl9", "people/10\tl10", "people/2\tl2b", "people/1\tl1", "people/2\tl2a"],
      ["people/9\tr9", "people/11\tr11", "people/2\tr2"],
    );
    expect(rows).toEqual([
      { key: "people/1", left: ["people/1\tl1"], right: [] },
      { key: "people/10", left: ["people/10\tl10"], right: [] },
      { key: "people/11", left: [], right: ["people/11\tr11"] },
      { key: "people/2", left: ["people/2\tl2a", "people/2\tl2b"], right: ["people/2\tr2"] },
      { key: "people/9", left: ["people/9\tl9"], right: ["people/9\tr9"] },
    ]);
  });

  it("yields nothing for two empty files and everything from one side when the other is empty", async () => {
    expect(await joined([], [])).toEqual([]);
    expect(await joined([], ["a/1\tx", "a/2\ty"])).toEqual([
      { key: "a/1", left: [], right: ["a/1\tx"] },
      { key: "a/2", left: [], right: ["a/2\ty"] },
    ]);
  });

  it("joins every non-ASCII key exactly once, in the byte order sort uses", async () => {
    // U+FF61 sorts before U+1D11E in UTF-8 bytes but after it in UTF-16 units; "e\u0301" is e + a combining acute.
    const keys = [
      "z/1",
      "\u{1D11E}",
      "a/\uFF61",
      "\uFF61",
      "e\u0301",
      "\u00E9",
      "a/\u{1F600}",
      "\uE000",
      "a/1",
      "e",
      "q\u001f0002",
      "a/\uFFFD",
      "q\u001f0001",
    ];
    const rows = await joined(
      keys.map((k) => `${k}\tl`),
      keys.filter((_, i) => i % 2 === 0).map((k) => `${k}\tr`),
    );
    const byBytes = [...keys].sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
    expect(rows.map((r) => r.key)).toEqual(byBytes);
    for (const r of rows) expect([r.left.length, r.right.length]).toEqual([1, keys.indexOf(r.key) % 2 === 0 ? 1 : 0]);
  });

  it("compareKeys orders by UTF-8 bytes where JavaScript's < disagrees", () => {
    expect("\uFF61" < "\u{1D11E}").toBe(false);
    expect(compareKeys("\uFF61", "\u{1D11E}")).toBeLessThan(0);
    expect(compareKeys("people/10", "people/9")).toBeLessThan(0);
    expect(compareKeys("\u{1D11E}", "\u{1D11E}")).toBe(0);
  });

  it("groupByKey groups consecutive lines of one key", async () => {
    const dir = await makeTempDir();
    await writeFile(join(dir, "g.tsv"), "a\t1\na\t2\nb\t3\n");
    const groups = [];
    for await (const g of groupByKey(join(dir, "g.tsv"))) groups.push(g);
    expect(groups).toEqual([
      { key: "a", lines: ["a\t1", "a\t2"] },
      { key: "b", lines: ["b\t3"] },
    ]);
  });
});
