import { Readable } from "node:stream";
import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { copyRows, type CopyRow } from "../copy-binary.ts";
import { digestOfText } from "../digest.ts";

/** A binary COPY stream as the server writes it: header (with an extension area), tuples, trailer. */
function encode(rows: CopyRow[], extension = Buffer.alloc(0), trailer = true): Buffer {
  const header = Buffer.alloc(8);
  header.writeUInt32BE(extension.length, 4);
  const parts: Buffer[] = [Buffer.from("PGCOPY\n\xff\r\n\0", "latin1"), header, extension];
  for (const row of rows) {
    const count = Buffer.alloc(2);
    count.writeInt16BE(row.length);
    parts.push(count);
    for (const field of row) {
      const length = Buffer.alloc(4);
      length.writeInt32BE(field === null ? -1 : field.length);
      parts.push(length, ...(field === null ? [] : [field]));
    }
  }
  if (trailer) parts.push(Buffer.from([0xff, 0xff]));
  return Buffer.concat(parts);
}

/** The bytes cut at the given offsets, one chunk per piece, as a socket may deliver them. */
function chunked(bytes: Buffer, cuts: number[]): Readable {
  const at = [...new Set(cuts.map((c) => c % (bytes.length + 1)))].sort((a, b) => a - b);
  const pieces = [0, ...at, bytes.length].slice(1).map((end, i, ends) => bytes.subarray(i ? ends[i - 1] : 0, end));
  return Readable.from(pieces.filter((p) => p.length > 0));
}

async function parse(stream: Readable): Promise<CopyRow[]> {
  const rows: CopyRow[] = [];
  for await (const row of copyRows(stream)) rows.push(row);
  return rows;
}

const field = fc.option(
  fc.uint8Array({ maxLength: 40 }).map((a) => Buffer.from(a)),
  { nil: null },
);
const rows = fc.array(fc.array(field, { minLength: 1, maxLength: 4 }), { maxLength: 30 });

describe("binary COPY rows", () => {
  it("gives back every row and field, NULLs and empty values apart, however the stream is cut", async () => {
    await fc.assert(
      fc.asyncProperty(rows, fc.array(fc.nat(), { maxLength: 12 }), async (written, cuts) => {
        const read = await parse(chunked(encode(written, Buffer.from("ext")), cuts));
        expect(read).toEqual(written);
      }),
    );
  });

  it("refuses a stream that ends before its trailer, so a cut-off read is never a shorter table", async () => {
    const bytes = encode([[Buffer.from("a")], [Buffer.from("b")]], Buffer.alloc(0), false);
    await expect(parse(chunked(bytes, [5]))).rejects.toThrow(/ended before its trailer/);
  });

  it("refuses bytes that are not a binary COPY", async () => {
    await expect(parse(Readable.from([Buffer.from("id\tname\n1\tx\n0123456789")]))).rejects.toThrow(/signature/);
  });
});

describe("the client's digest of a row's text", () => {
  it("is SHA-256 of the UTF-8 bytes, and the preview is the first 160 characters, astral ones whole", () => {
    fc.assert(
      fc.property(fc.string({ unit: "binary", maxLength: 400 }), (text) => {
        const bytes = Buffer.from(text, "utf8");
        const { digest, preview } = digestOfText(bytes);
        expect(digest).toBe(createHash("sha256").update(bytes).digest("hex"));
        expect(preview).toBe(Array.from(bytes.toString("utf8")).slice(0, 160).join(""));
      }),
    );
  });
});
