import type { Readable } from "node:stream";

/** `COPY … TO STDOUT (FORMAT binary)`'s signature (PostgreSQL docs, "COPY", Binary Format, File Header). */
const SIGNATURE = Buffer.from("PGCOPY\n\xff\r\n\0", "latin1");

/** A row of a binary COPY: each field's bytes as the server sent them, `null` for SQL NULL. */
export type CopyRow = (Buffer | null)[];

/**
 * The rows of a binary COPY stream, parsed as the chunks arrive (a row may span chunks): header, then per tuple an
 * int16 field count and per field an int32 length (-1 = NULL) and its bytes, then the int16 -1 trailer. A stream that
 * ends before the trailer is an error, never a shorter table.
 */
export async function* copyRows(stream: Readable): AsyncGenerator<CopyRow> {
  let buf: Buffer = Buffer.alloc(0);
  let headerRead = false;
  for await (const chunk of stream) {
    if (!Buffer.isBuffer(chunk)) throw new Error("binary COPY stream gave text: it must be read as bytes");
    buf = buf.length ? Buffer.concat([buf, chunk]) : chunk;
    let at = 0;
    if (!headerRead) {
      const end = headerEnd(buf);
      if (end === null) continue;
      at = end;
      headerRead = true;
    }
    for (;;) {
      const parsed = tupleAt(buf, at);
      if (parsed === "incomplete") break;
      if (parsed === "trailer") return;
      yield parsed.row;
      at = parsed.next;
    }
    buf = buf.subarray(at);
  }
  throw new Error("binary COPY stream ended before its trailer: the read-back is incomplete");
}

function headerEnd(buf: Buffer): number | null {
  if (buf.length < SIGNATURE.length + 8) return null;
  if (!buf.subarray(0, SIGNATURE.length).equals(SIGNATURE))
    throw new Error("not a binary COPY stream: its signature is missing");
  const extension = buf.readUInt32BE(SIGNATURE.length + 4);
  const end = SIGNATURE.length + 8 + extension;
  return buf.length < end ? null : end;
}

function tupleAt(buf: Buffer, start: number): "incomplete" | "trailer" | { row: CopyRow; next: number } {
  if (buf.length < start + 2) return "incomplete";
  const fields = buf.readInt16BE(start);
  if (fields === -1) return "trailer";
  const row: CopyRow = [];
  let at = start + 2;
  for (let i = 0; i < fields; i++) {
    if (buf.length < at + 4) return "incomplete";
    const length = buf.readInt32BE(at);
    at += 4;
    if (length === -1) {
      row.push(null);
      continue;
    }
    if (buf.length < at + length) return "incomplete";
    row.push(buf.subarray(at, at + length));
    at += length;
  }
  return { row, next: at };
}
