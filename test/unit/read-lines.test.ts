import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { readLines } from "../../harness/records.ts";
import { makeTempDir } from "./support.ts";

async function collect(path: string): Promise<string[]> {
  const out: string[] = [];
  for await (const line of readLines(path)) out.push(line);
  return out;
}

describe("readLines", () => {
  it("splits like readline: LF and CRLF, a last line without newline, lines longer than a chunk, characters split across chunks", async () => {
    const dir = await makeTempDir();
    const long = "é".repeat(70_000) + "𝄞"; // 140 kB of two-byte characters: crosses 64 KiB chunk boundaries mid-character
    const path = join(dir, "lines.txt");
    await writeFile(path, `a\r\nb\n\n${long}\nlast`);
    expect(await collect(path)).toEqual(["a", "b", "", long, "last"]);
  });

  it("gives back exactly the lines written", async () => {
    const dir = await makeTempDir();
    await fc.assert(
      fc.asyncProperty(
        fc.array(
          fc.string({ unit: "grapheme" }).map((s) => s.replace(/[\r\n]/g, "")),
          { maxLength: 50 },
        ),
        async (lines) => {
          const path = join(dir, "p.txt");
          await writeFile(path, lines.map((l) => `${l}\n`).join(""));
          expect(await collect(path)).toEqual(lines);
        },
      ),
      { numRuns: 50 },
    );
  });

  it("reads only as fast as the caller takes lines: a caller that waits does not make it hold the file", async () => {
    const dir = await makeTempDir();
    const path = join(dir, "big.txt");
    const line = "x".repeat(100_000);
    await writeFile(path, `${line}\n`.repeat(300)); // 30 MB: readline's iterator takes ~32 MiB of heap meanwhile
    const lines = readLines(path);
    await lines.next();
    const heapBefore = process.memoryUsage().heapUsed;
    await new Promise((r) => setTimeout(r, 200)); // a slow consumer: nothing is read meanwhile
    expect(process.memoryUsage().heapUsed - heapBefore).toBeLessThan(16 * 2 ** 20);
    await lines.return(undefined);
  });
});
