import { copyFile, open, readFile, stat, truncate } from "node:fs/promises";
import { dirname } from "node:path";
import { deriveSeed } from "../seed.ts";
import { deleteFile, dropDirectory, flipBytes, insideArtifact, type FaultRecord } from "../faults.ts";
import { prng } from "../prng.ts";
import type { CampaignFaultSpec } from "../schema/evidence-drill.ts";

/** One file of a backup, as the campaign sees it: where, how big, and its sha256 (to tell an older copy apart). */
export interface CampaignFile {
  path: string;
  bytes: number;
  sha256?: string;
}

/**
 * One random fault, fully drawn: everything needed to apply it again to a backup with the same files (`dr-drill
 * replay` applies the recorded spec, it does not draw again). `seed` is the fault's own seed, derived from the
 * campaign's seed and the fault's index.
 */
export type { CampaignFaultSpec } from "../schema/evidence-drill.ts";

export type CampaignFaultKind = CampaignFaultSpec["kind"];
export const CAMPAIGN_FAULT_KINDS: readonly CampaignFaultKind[] = [
  "flip-bytes",
  "zero-block",
  "truncate",
  "delete-file",
  "delete-directory",
  "older-file",
];

const intBelow = (rand: () => number, n: number) => Math.floor(rand() * n);
const pick = <T>(rand: () => number, items: readonly T[]): T => items[intBelow(rand, items.length)]!;

/** A file drawn with probability proportional to its size: where random damage on a disk or in transit lands. */
export function pickBySize(rand: () => number, files: readonly CampaignFile[]): CampaignFile {
  const total = files.reduce((n, f) => n + f.bytes, 0);
  if (total <= 0) throw new Error("no file with any bytes to damage");
  let at = rand() * total;
  for (const f of files) {
    if (at < f.bytes) return f;
    at -= f.bytes;
  }
  return [...files].reverse().find((f) => f.bytes > 0)!; // only floating-point rounding gets here
}

/** Every directory that holds a file of the backup (not the backup's root itself), sorted. */
export function directoriesOf(files: readonly CampaignFile[]): string[] {
  const dirs = new Set<string>();
  for (const f of files) for (let d = dirname(f.path); d !== "." && d !== "/"; d = dirname(d)) dirs.add(d);
  return [...dirs].sort();
}

/** Files of the older backup that the newer one also has, preferring those whose content differs. */
function olderCandidates(files: readonly CampaignFile[], older: readonly CampaignFile[]): CampaignFile[] {
  const newer = new Map(files.map((f) => [f.path, f]));
  const common = older.filter((f) => newer.has(f.path)).sort((a, b) => a.path.localeCompare(b.path));
  const differing = common.filter((f) => f.sha256 === undefined || f.sha256 !== newer.get(f.path)!.sha256);
  return differing.length ? differing : common;
}

/**
 * Draws fault number `index` of a campaign seeded `campaignSeed` over a backup's files (and an older backup's, for
 * `older-file`). Byte-level damage (flips, zeroed blocks, truncation) lands in a file weighted by size; a deleted
 * file or directory and an older copy are drawn uniformly, so small vital files are hit as often as big ones.
 */
export function drawFault(
  campaignSeed: number,
  index: number,
  files: readonly CampaignFile[],
  older: readonly CampaignFile[] = [],
): CampaignFaultSpec {
  const seed = deriveSeed(campaignSeed, "campaign-fault", index);
  const rand = prng(seed);
  const sorted = [...files].sort((a, b) => a.path.localeCompare(b.path));
  const withBytes = sorted.filter((f) => f.bytes > 0);
  const dirs = directoriesOf(sorted);
  const fromOlder = olderCandidates(sorted, older);
  const kinds = CAMPAIGN_FAULT_KINDS.filter((k) => {
    if (k === "delete-file") return sorted.length > 0;
    if (k === "delete-directory") return dirs.length > 0;
    if (k === "older-file") return fromOlder.length > 0;
    return withBytes.length > 0;
  });
  if (kinds.length === 0) throw new Error("the backup has no file to damage");
  const kind = pick(rand, kinds);
  const base = { index, seed };
  switch (kind) {
    case "flip-bytes": {
      const f = pickBySize(rand, withBytes);
      const count = 1 + intBelow(rand, 4);
      const flips = Array.from({ length: count }, () => ({
        offset: intBelow(rand, f.bytes),
        mask: 1 + intBelow(rand, 255),
      }));
      return { ...base, kind, target: f.path, flips };
    }
    case "zero-block": {
      const f = pickBySize(rand, withBytes);
      const length = pick(rand, [4096, 8192]);
      const blocks = Math.max(1, Math.ceil(f.bytes / length));
      return { ...base, kind, target: f.path, offset: intBelow(rand, blocks) * length, length };
    }
    case "truncate": {
      const f = pickBySize(rand, withBytes);
      return { ...base, kind, target: f.path, size: intBelow(rand, f.bytes) };
    }
    case "delete-file":
      return { ...base, kind, target: pick(rand, sorted).path };
    case "delete-directory":
      return { ...base, kind, target: pick(rand, dirs) };
    case "older-file":
      return { ...base, kind, target: pick(rand, fromOlder).path };
  }
}

/** The byte offset where a fault's damage starts, when it damages bytes of a file (not a whole file or directory). */
export function faultOffset(f: CampaignFaultSpec): number | undefined {
  if (f.kind === "flip-bytes") return Math.min(...f.flips.map((x) => x.offset));
  if (f.kind === "zero-block") return f.offset;
  if (f.kind === "truncate") return f.size;
  return undefined;
}

/** One line for tables and logs: `flip-bytes base/5/16384 @8190^0x20`. */
export function describeFault(f: CampaignFaultSpec): string {
  switch (f.kind) {
    case "flip-bytes":
      return `flip-bytes ${f.target} ${f.flips.map((x) => `@${x.offset}^0x${x.mask.toString(16)}`).join(",")}`;
    case "zero-block":
      return `zero-block ${f.target} @${f.offset}+${f.length}`;
    case "truncate":
      return `truncate ${f.target} to ${f.size}`;
    default:
      return `${f.kind} ${f.target}`;
  }
}

/** Applies a drawn fault to a copy of the backup (`dir`); `olderDir` is the older backup of the same run. */
export async function applyFault(f: CampaignFaultSpec, dir: string, olderDir?: string): Promise<FaultRecord> {
  switch (f.kind) {
    case "flip-bytes": {
      const flips = [];
      for (const { offset, mask } of f.flips) flips.push((await flipBytes(dir, f.target, offset, 1, mask)).detail);
      return { fault: f.kind, target: f.target, detail: { flips } };
    }
    case "zero-block":
      return zeroBlock(dir, f.target, f.offset, f.length);
    case "truncate": {
      const path = insideArtifact(dir, f.target);
      const { size } = await stat(path);
      if (f.size >= size) throw new Error(`cannot truncate ${f.target} to ${f.size} bytes: it has ${size}`);
      await truncate(path, f.size);
      return { fault: f.kind, target: f.target, detail: { size, newSize: f.size } };
    }
    case "delete-file":
      return { ...(await deleteFile(dir, f.target)), fault: f.kind };
    case "delete-directory":
      return { ...(await dropDirectory(dir, f.target)), fault: f.kind };
    case "older-file": {
      if (!olderDir) throw new Error("no older backup was taken in this campaign");
      const to = insideArtifact(dir, f.target);
      const from = insideArtifact(olderDir, f.target);
      const before = await readFile(to).catch(() => null);
      const older = await readFile(from);
      await copyFile(from, to);
      return {
        fault: f.kind,
        target: f.target,
        detail: {
          size: before?.length ?? null,
          olderSize: older.length,
          identical: before !== null && before.equals(older),
        },
      };
    }
  }
}

/** Zeroes `length` bytes at `offset` (a lost 4 KiB or 8 KiB page), saying whether they were zero already. */
async function zeroBlock(dir: string, rel: string, offset: number, length: number): Promise<FaultRecord> {
  const handle = await open(insideArtifact(dir, rel), "r+");
  try {
    const { size } = await handle.stat();
    if (offset >= size && size > 0) throw new Error(`cannot zero ${rel} at ${offset}: it has ${size} bytes`);
    const count = Math.min(length, size - offset);
    const buf = Buffer.alloc(count);
    await handle.read(buf, 0, count, offset);
    const wasZero = buf.every((b) => b === 0);
    await handle.write(Buffer.alloc(count), 0, count, offset);
    return { fault: "zero-block", target: rel, detail: { offset, length: count, wasZero } };
  } finally {
    await handle.close();
  }
}
