import { createReadStream } from "node:fs";
import { once } from "node:events";
import { spawn } from "node:child_process";
import { LineFile } from "./line-file.ts";
import { sha256Bytes } from "./sha256.ts";

/**
 * A record of an engine's state in canonical form: a key (`<collection>/<id>`), the engine's digest of the stored
 * value, and a short preview for humans. Both the source snapshot and the restored state are written as such records,
 * one per line (`key TAB digest TAB preview [TAB position]`), so millions of them stream through files, never through
 * memory.
 */
export interface CanonicalRecord {
  key: string;
  digest: string;
  preview: string;
  /** For an item of an ordered list: its index in the list as read back. */
  position?: number;
}

/**
 * Separates a list's name from an item's sequence number in a key (`<list>\u001f<seq>`). The sequence number is
 * zero-padded so that byte order is append order; the separator sorts below every printable character, so the items
 * of one list are contiguous in byte order.
 */
export const LIST_SEPARATOR = "\u001f";

/**
 * Adds a 256-bit big-endian number (32 bytes) into `sum`, eight 32-bit limbs, least significant first, modulo 2^256:
 * no BigInt and no string per record.
 */
export function add256(sum: Uint32Array, bytes: Uint8Array): void {
  const view = new DataView(bytes.buffer, bytes.byteOffset, 32);
  let carry = 0;
  for (let i = 0; i < 8; i++) {
    const s = sum[i]! + view.getUint32(28 - 4 * i) + carry;
    sum[i] = s >>> 0;
    carry = s > 0xffffffff ? 1 : 0;
  }
}

/**
 * Order-independent digest of a multiset of records: the sum of the records' SHA-256 modulo 2^256.
 * Two states are equal (with overwhelming probability) when count and sum both match, whatever the read order.
 */
export class MultisetDigest {
  private readonly sum = new Uint32Array(8);
  count = 0;

  add(record: Pick<CanonicalRecord, "key" | "digest">): void {
    add256(this.sum, sha256Bytes(record.key + "\0" + record.digest));
    this.count++;
  }

  hex(): string {
    let hex = "";
    for (let i = 7; i >= 0; i--) hex += this.sum[i]!.toString(16).padStart(8, "0");
    return hex;
  }
}

const NEEDS_ESCAPE = /[\\\t\n\r]/;

/** Keeps previews on one line and short: they end up in diffs that people read. */
export function previewOf(text: string, max = 120): string {
  const flat = NEEDS_ESCAPE.test(text)
    ? text.replace(/\\/g, "\\\\").replace(/\t/g, "\\t").replace(/\n/g, "\\n").replace(/\r/g, "\\r")
    : text;
  return flat.length > max ? flat.slice(0, max) + `…(+${flat.length - max})` : flat;
}

export function formatRecordLine(r: CanonicalRecord): string {
  if (/[\t\n\r]/.test(r.key) || /[\t\n\r]/.test(r.digest))
    throw new Error(`record key/digest must not contain tabs or line breaks: ${JSON.stringify(r.key)}`);
  if (r.position === undefined) return `${r.key}\t${r.digest}\t${previewOf(r.preview)}`;
  if (!Number.isSafeInteger(r.position) || r.position < 0)
    throw new Error(`record position must be a non-negative integer: ${r.position}`);
  return `${r.key}\t${r.digest}\t${previewOf(r.preview)}\t${r.position}`;
}

export function parseRecordLine(line: string): CanonicalRecord {
  const [key = "", digest = "", preview = "", position] = line.split("\t");
  return position === undefined ? { key, digest, preview } : { key, digest, preview, position: Number(position) };
}

/** Writes canonical records to a file while computing their multiset digest. */
export class RecordFile {
  private readonly file: LineFile;
  readonly digest = new MultisetDigest();

  constructor(readonly path: string) {
    this.file = new LineFile(path);
  }

  async add(record: CanonicalRecord): Promise<void> {
    this.digest.add(record);
    this.file.line(formatRecordLine(record));
    if (this.file.full) await this.file.flush();
  }

  async close(): Promise<{ count: number; digest: string }> {
    await this.file.close();
    return { count: this.digest.count, digest: this.digest.hex() };
  }
}

const ASCII = /^\p{ASCII}*$/u;

/**
 * Orders keys by their UTF-8 bytes, as `LC_ALL=C sort` does. JavaScript's `<` compares UTF-16 units, which disagrees
 * for non-ASCII keys (U+FF61 sorts after U+1D11E in UTF-16, before it in UTF-8); for ASCII both agree and `<` is cheaper.
 */
export function compareKeys(a: string, b: string): number {
  if (ASCII.test(a) && ASCII.test(b)) return a < b ? -1 : a > b ? 1 : 0;
  return Buffer.compare(Buffer.from(a, "utf8"), Buffer.from(b, "utf8"));
}

/**
 * GNU sort's buffer: it runs while the oracle waits, so the two add up; with 128 MiB a check stays under 300 MiB from
 * 100k to 10M keys (`npm run bench`), and a larger input is sorted in runs merged from disk.
 */
export const SORT_BUFFER_MIB = 128;

/**
 * Sorts a tab-separated file with GNU sort (bytewise, bounded memory, spills to disk), by the given `-k` keys, in a
 * buffer of `bufferMiB` (sorts that run side by side share `SORT_BUFFER_MIB`).
 */
export async function sortFile(
  input: string,
  output: string,
  keys: string[],
  tmpDir: string,
  bufferMiB = SORT_BUFFER_MIB,
): Promise<void> {
  const args = [
    "-t",
    "\t",
    ...keys.flatMap((k) => ["-k", k]),
    "-S",
    `${bufferMiB}M`,
    "-T",
    tmpDir,
    "-o",
    output,
    input,
  ];
  const child = spawn("sort", args, { env: { ...process.env, LC_ALL: "C" }, stdio: ["ignore", "ignore", "pipe"] });
  let stderr = "";
  child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
  const [code] = (await once(child, "close")) as [number];
  if (code !== 0) throw new Error(`sort ${input} failed (exit ${code}): ${stderr.trim()}`);
}

/**
 * The lines of a file (without CR/LF), a chunk's worth at a time, read only as fast as the caller takes them: memory
 * holds one chunk and the longest line. readline's async iterator reads ahead of a caller that awaits (up to a thousand
 * lines, whatever their length), which for a ledger of thousand-write batches held a few hundred MiB. An array per
 * chunk rather than a line per step: each step of an async generator costs a few promises.
 */
export async function* readLineChunks(path: string): AsyncGenerator<string[]> {
  let rest = "";
  for await (const chunk of createReadStream(path, { encoding: "utf8", highWaterMark: 1 << 16 })) {
    const lines = (rest + (chunk as string)).split("\n");
    rest = lines.pop()!;
    for (let i = 0; i < lines.length; i++) if (lines[i]!.endsWith("\r")) lines[i] = lines[i]!.slice(0, -1);
    if (lines.length) yield lines;
  }
  if (rest) yield [rest.endsWith("\r") ? rest.slice(0, -1) : rest];
}

/** The lines of a file (without CR/LF), one at a time (`readLineChunks`). */
export async function* readLines(path: string): AsyncGenerator<string> {
  for await (const lines of readLineChunks(path)) yield* lines;
}

/** Reads a file sorted by its first field and yields its lines grouped by that field. */
export async function* groupByKey(path: string): AsyncGenerator<{ key: string; lines: string[] }> {
  let current: { key: string; lines: string[] } | undefined;
  for await (const lines of readLineChunks(path)) {
    for (const line of lines) {
      if (line === "") continue;
      const tab = line.indexOf("\t");
      const key = tab === -1 ? line : line.slice(0, tab);
      if (current && current.key === key) current.lines.push(line);
      else {
        if (current) yield current;
        current = { key, lines: [line] };
      }
    }
  }
  if (current) yield current;
}

/** Joins two files sorted by key (`sortFile`): yields every key with the lines each side has for it (full outer join). */
export async function* mergeJoin(
  leftPath: string,
  rightPath: string,
): AsyncGenerator<{ key: string; left: string[]; right: string[] }> {
  const left = groupByKey(leftPath);
  const right = groupByKey(rightPath);
  let l = await left.next();
  let r = await right.next();
  for (;;) {
    const lv = l.done ? undefined : l.value;
    const rv = r.done ? undefined : r.value;
    if (!lv && !rv) return;
    const order = !lv ? 1 : !rv ? -1 : compareKeys(lv.key, rv.key);
    yield {
      key: order <= 0 ? lv!.key : rv!.key,
      left: order <= 0 ? lv!.lines : [],
      right: order >= 0 ? rv!.lines : [],
    };
    if (order <= 0) l = await left.next();
    if (order >= 0) r = await right.next();
  }
}
