import { createHash } from "node:crypto";
import { createReadStream, createWriteStream, type WriteStream } from "node:fs";
import { once } from "node:events";
import { createInterface } from "node:readline";
import { spawn } from "node:child_process";

/**
 * A record of an engine's state in canonical form: a key (`<collection>/<id>`), the engine's digest of the stored
 * value, and a short preview for humans. Both the source snapshot and the restored state are written as such records,
 * one per line (`key TAB digest TAB preview`), so millions of them stream through files, never through memory.
 */
export interface CanonicalRecord {
  key: string;
  digest: string;
  preview: string;
}

const MODULUS = 1n << 256n;

/**
 * Order-independent digest of a multiset of records: the sum of the records' SHA-256 modulo 2^256.
 * Two states are equal (with overwhelming probability) when count and sum both match, whatever the read order.
 */
export class MultisetDigest {
  private sum = 0n;
  count = 0;

  add(record: Pick<CanonicalRecord, "key" | "digest">): void {
    const h = createHash("sha256").update(record.key).update("\0").update(record.digest).digest("hex");
    this.sum = (this.sum + BigInt("0x" + h)) % MODULUS;
    this.count++;
  }

  hex(): string {
    return this.sum.toString(16).padStart(64, "0");
  }
}

/** Keeps previews on one line and short: they end up in diffs that people read. */
export function previewOf(text: string, max = 120): string {
  const flat = text.replace(/\\/g, "\\\\").replace(/\t/g, "\\t").replace(/\n/g, "\\n").replace(/\r/g, "\\r");
  return flat.length > max ? flat.slice(0, max) + `…(+${flat.length - max})` : flat;
}

export function formatRecordLine(r: CanonicalRecord): string {
  if (/[\t\n\r]/.test(r.key) || /[\t\n\r]/.test(r.digest)) throw new Error(`record key/digest must not contain tabs or line breaks: ${JSON.stringify(r.key)}`);
  return `${r.key}\t${r.digest}\t${previewOf(r.preview)}`;
}

export function parseRecordLine(line: string): CanonicalRecord {
  const [key = "", digest = "", preview = ""] = line.split("\t");
  return { key, digest, preview };
}

/** Writes canonical records to a file while computing their multiset digest. */
export class RecordFile {
  private readonly out: WriteStream;
  readonly digest = new MultisetDigest();

  constructor(readonly path: string) {
    this.out = createWriteStream(path);
  }

  async add(record: CanonicalRecord): Promise<void> {
    this.digest.add(record);
    if (!this.out.write(formatRecordLine(record) + "\n")) await once(this.out, "drain");
  }

  async close(): Promise<{ count: number; digest: string }> {
    this.out.end();
    await once(this.out, "finish");
    return { count: this.digest.count, digest: this.digest.hex() };
  }
}

/**
 * Sorts a tab-separated file with GNU sort (bytewise, bounded memory, spills to disk), by the given `-k` keys.
 * Bytewise order of ASCII keys is also JavaScript's string order, which the merge below relies on.
 */
export async function sortFile(input: string, output: string, keys: string[], tmpDir: string): Promise<void> {
  const args = ["-t", "\t", ...keys.flatMap((k) => ["-k", k]), "-S", "256M", "-T", tmpDir, "-o", output, input];
  const child = spawn("sort", args, { env: { ...process.env, LC_ALL: "C" }, stdio: ["ignore", "ignore", "pipe"] });
  let stderr = "";
  child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
  const [code] = (await once(child, "close")) as [number];
  if (code !== 0) throw new Error(`sort ${input} failed (exit ${code}): ${stderr.trim()}`);
}

/** Reads a file sorted by its first field and yields its lines grouped by that field. */
export async function* groupByKey(path: string): AsyncGenerator<{ key: string; lines: string[] }> {
  const rl = createInterface({ input: createReadStream(path), crlfDelay: Infinity });
  let current: { key: string; lines: string[] } | undefined;
  for await (const line of rl) {
    if (line === "") continue;
    const key = line.slice(0, line.indexOf("\t") === -1 ? line.length : line.indexOf("\t"));
    if (current && current.key === key) current.lines.push(line);
    else {
      if (current) yield current;
      current = { key, lines: [line] };
    }
  }
  if (current) yield current;
}

/** Joins two files sorted by key: yields every key with the lines each side has for it (full outer join). */
export async function* mergeJoin(leftPath: string, rightPath: string): AsyncGenerator<{ key: string; left: string[]; right: string[] }> {
  const left = groupByKey(leftPath);
  const right = groupByKey(rightPath);
  let l = await left.next();
  let r = await right.next();
  while (!l.done || !r.done) {
    if (r.done || (!l.done && l.value.key < r.value.key)) {
      const lv = l.value as { key: string; lines: string[] };
      yield { key: lv.key, left: lv.lines, right: [] };
      l = await left.next();
    } else if (l.done || r.value.key < l.value.key) {
      yield { key: r.value.key, left: [], right: r.value.lines };
      r = await right.next();
    } else {
      yield { key: l.value.key, left: l.value.lines, right: r.value.lines };
      l = await left.next();
      r = await right.next();
    }
  }
}
