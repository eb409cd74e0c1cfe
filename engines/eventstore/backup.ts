import type { StartedEventStore } from "./container.ts";
import { differentialChunks, lastChunk, selectChunks, type ChunkSelection } from "./chunk-set.ts";
import { decodeCheckpoint, parseChunkFileName } from "./formats.ts";

/** Where the copy runs: the node's container (its shell, as its user) and its data directory. */
export type CopySource = Pick<StartedEventStore, "sh"> & { version: { dataDir: string } };

/**
 * The vendor's simple full backup (docs/server/operations/backup.md, "Simple full backup & restore", v24.10.4 to
 * v26.0.3): the index checkpoints, the rest of the index, the database checkpoints (`*.chk`), then the chunks.
 * Checkpoints copied before the data they describe can only point at data the copy holds; data copied first could be
 * described by checkpoints that point past it.
 */
export type CopyStep = "index-checkpoints" | "index" | "checkpoints" | "chunks";
export const DOCUMENTED_ORDER: readonly CopyStep[] = ["index-checkpoints", "index", "checkpoints", "chunks"];
/** The wrong order, for the scenario that proves it is caught: chunks first, a pause under load, then the rest. */
export const CHUNKS_FIRST: readonly CopyStep[] = ["chunks", "index-checkpoints", "index", "checkpoints"];

export interface CopyPlan {
  order: readonly CopyStep[];
  /** The node's chunk size: which chunk the copied writer checkpoint points into (`selectChunks`). */
  chunkSize: number;
  /** Seconds to wait after the first step (lets writes land between two steps, as a slow copy would). */
  pauseAfterFirstStep?: number;
  /** Runs between two steps (e.g. starts a scavenge during the copy). */
  beforeStep?: (step: CopyStep) => Promise<void>;
}

export interface CopyReport {
  steps: { step: string; at: number; vanished: string[] }[];
  /** The chunk files the backup holds after the copy. */
  chunks: string[];
  /** The chunk files copied this time (a differential copy skips those the backup has). */
  copied: string[];
  /** The chunk files a differential copy removed from the backup. */
  removed: string[];
  /** Chunk files the source listed that the copy left out, and why (`selectChunks`). */
  leftOut: Omit<ChunkSelection, "copy">;
}

const q = (path: string) => `'${path.replace(/'/g, `'\\''`)}'`;

/** `cp -p` of each path relative to `src` into `dst`; a file that vanished during the copy is listed, not fatal. */
function copyScript(src: string, dst: string, listing: string): string {
  return `cd ${q(src)} && ${listing} | while IFS= read -r f; do mkdir -p "${dst}/$(dirname "$f")"; cp -p "$f" "${dst}/$f" 2>/dev/null || echo "vanished: $f"; done`;
}

const vanishedIn = (out: string) =>
  out
    .split("\n")
    .filter((l) => l.startsWith("vanished: "))
    .map((l) => l.slice(10));

const lines = (out: string) => out.split("\n").filter(Boolean);

/** The chunk files in a directory, by name. */
async function chunkNames(node: CopySource, dir: string): Promise<string[]> {
  return lines(await node.sh(`cd ${q(dir)} && ls -1 | grep '^chunk-' || true`)).sort();
}

/** The writer checkpoint the copy holds (8 bytes little-endian, read with od), or undefined before it is copied. */
async function copiedWriter(node: CopySource, dst: string): Promise<number | undefined> {
  const out = await node.sh(
    `[ -f ${q(`${dst}/writer.chk`)} ] && od -An -v -t u1 -N 8 ${q(`${dst}/writer.chk`)} || true`,
  );
  const bytes = out.trim().split(/\s+/).filter(Boolean).map(Number);
  return bytes.length === 8 ? decodeCheckpoint(Buffer.from(bytes)) : undefined;
}

/** Copies the named chunk files (names checked against `chunk-X.Y`, so they quote safely) from `src` to `dst`. */
async function copyChunks(node: CopySource, src: string, dst: string, names: string[]): Promise<string[]> {
  const safe = names.filter((n) => parseChunkFileName(n));
  if (!safe.length) return [];
  return vanishedIn(await node.sh(copyScript(src, dst, `printf '%s\\n' ${safe.map(q).join(" ")}`)));
}

/** The chunks step: list the source, select against the writer checkpoint already copied, copy the selection. */
async function chunkStep(node: CopySource, dst: string, chunkSize: number) {
  const src = node.version.dataDir;
  const selection = selectChunks(await chunkNames(node, src), await copiedWriter(node, dst), chunkSize);
  const vanished = await copyChunks(node, src, dst, selection.copy);
  return { selection, vanished };
}

function stepScript(step: Exclude<CopyStep, "chunks">, src: string, dst: string): string {
  switch (step) {
    case "index-checkpoints":
      return copyScript(src, dst, `find index -type f -name '*.chk'`);
    case "index":
      return copyScript(src, dst, `find index -type f ! -name '*.chk'`);
    case "checkpoints":
      return copyScript(src, dst, `find . -maxdepth 1 -type f -name '*.chk'`);
  }
}

/**
 * The simple full backup: copies the node's data directory into an emptied `dst` inside the container, step by step
 * in the plan's order, as the image's own user, then lists what came. `now` stamps each step on the drill clock.
 * Only the index, the checkpoints and the chunks are copied, as the vendor's example does (`rsync` of `index`,
 * `*.chk`, `*.0*`); KurrentDB 26's `kurrent.ddb` is not (its nodes run without secondary indexes: versions.ts).
 */
export async function copyInOrder(
  node: CopySource,
  dst: string,
  plan: CopyPlan,
  now: () => number,
): Promise<CopyReport> {
  const src = node.version.dataDir;
  await node.sh(`rm -rf ${q(dst)} && mkdir -p ${q(dst)}`);
  const steps: CopyReport["steps"] = [];
  let selection: ChunkSelection = { copy: [], pastWriter: [], older: [] };
  for (const [i, step] of plan.order.entries()) {
    await plan.beforeStep?.(step);
    const at = now();
    if (step === "chunks") {
      const done = await chunkStep(node, dst, plan.chunkSize);
      selection = done.selection;
      steps.push({ step, at, vanished: done.vanished });
    } else {
      steps.push({ step, at, vanished: vanishedIn(await node.sh(stepScript(step, src, dst))) });
    }
    if (i === 0 && plan.pauseAfterFirstStep) await new Promise((r) => setTimeout(r, plan.pauseAfterFirstStep! * 1000));
  }
  const { copy, ...leftOut } = selection;
  return { steps, chunks: await chunkNames(node, dst), copied: copy, removed: [], leftOut };
}

/** The index files the vendor's differential loop copies: `index/<GUID>` and `index/<GUID>.bloomfilter`. */
export const INDEX_FILE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}(\.bloomfilter)?$/;

/** How often the index loop goes round before the drill gives up on an index that keeps merging. */
const INDEX_ROUNDS = 20;

/**
 * The vendor's differential backup of the index (docs/server/operations/backup.md, "Differential backup & restore",
 * steps 1-9, v26.0.3): copy `indexmap`, copy the PTables and bloom filters it may name (skipping those the backup
 * has), go round again while the source's `indexmap` changed meanwhile, drop the backup's index files no longer in
 * the source, then the stream existence filter and the scavenge database.
 */
async function differentialIndex(node: CopySource, dst: string): Promise<string[]> {
  const src = node.version.dataDir;
  const idx = `${src}/index`;
  if (!lines(await node.sh(`[ -d ${q(idx)} ] && find ${q(idx)} -maxdepth 1 -type f | head -1 || true`)).length)
    return differentialIndexExtras(node, dst);
  await node.sh(`mkdir -p ${q(`${dst}/index`)}`);
  for (let round = 0; round < INDEX_ROUNDS; round++) {
    const copied = await node.sh(
      `cp -p ${q(`${idx}/indexmap`)} ${q(`${dst}/index/indexmap`)} 2>/dev/null && echo copied || true`,
    );
    if (!copied.includes("copied")) {
      // Step 2: "if the source file does not exist, repeat until it does" (an index merge replaces it).
      await new Promise((r) => setTimeout(r, 200));
      continue;
    }
    const indexFiles = lines(await node.sh(`ls -1 ${q(idx)}`)).filter((f) => INDEX_FILE.test(f));
    const present = new Set(lines(await node.sh(`ls -1 ${q(`${dst}/index`)}`)));
    const missing = indexFiles.filter((f) => !present.has(f));
    if (missing.length) await node.sh(copyScript(idx, `${dst}/index`, `printf '%s\\n' ${missing.map(q).join(" ")}`));
    const same = await node.sh(
      `cmp -s ${q(`${idx}/indexmap`)} ${q(`${dst}/index/indexmap`)} && echo same || echo changed`,
    );
    if (!same.includes("same")) continue;
    const stale = [...present].filter((f) => INDEX_FILE.test(f) && !indexFiles.includes(f));
    if (stale.length) await node.sh(`cd ${q(`${dst}/index`)} && rm -f ${stale.map(q).join(" ")}`);
    return differentialIndexExtras(node, dst);
  }
  throw new Error(`the index map kept changing during ${INDEX_ROUNDS} rounds of the differential index copy`);
}

/** Steps 7-9: the stream existence filter and the scavenge database, each when present. */
async function differentialIndexExtras(node: CopySource, dst: string): Promise<string[]> {
  const files = [
    "index/stream-existence/streamExistenceFilter.chk",
    "index/stream-existence/streamExistenceFilter.dat",
    "index/scavenging/scavenging.db",
  ];
  const script = files
    .map(
      (f) =>
        `if [ -f ${q(f)} ]; then mkdir -p ${q(`${dst}/${f.slice(0, f.lastIndexOf("/"))}`)} && { cp -p ${q(f)} ${q(`${dst}/${f}`)} 2>/dev/null || echo "vanished: ${f}"; }; fi`,
    )
    .join("; ");
  return vanishedIn(await node.sh(`cd ${q(node.version.dataDir)} && ${script}`));
}

/**
 * The vendor's full-and-differential backup (docs/server/operations/backup.md, "Differential backup & restore",
 * v26.0.3), into `dst`, which holds the previous backup or nothing: the index (`differentialIndex`), then the log:
 * 1. the backup's last chunk renamed `.old` (the chunk that was still being written is copied again);
 * 2-5. `chaser.chk`, `epoch.chk`, `writer.chk`, `proposal.chk`, one by one;
 * 6. the source's chunk files listed, and selected against the writer checkpoint just copied, keeping the highest
 *    `chunk-X.Y` of each number (`selectChunks`, the seed's rule);
 * 7. those not already in the backup copied;
 * 8. the backup's chunk files not selected removed (the `.old` one, versions a scavenge replaced).
 * `truncate.chk` is not copied: the restore writes it from `chaser.chk`.
 */
export async function differentialCopy(
  node: CopySource,
  dst: string,
  chunkSize: number,
  now: () => number,
): Promise<CopyReport> {
  const src = node.version.dataDir;
  await node.sh(`mkdir -p ${q(dst)}`);
  const steps: CopyReport["steps"] = [];
  steps.push({ step: "index", at: now(), vanished: await differentialIndex(node, dst) });
  const last = lastChunk(await chunkNames(node, dst));
  if (last) await node.sh(`mv ${q(`${dst}/${last}`)} ${q(`${dst}/${last}.old`)}`);
  const at = now();
  const checkpoints = ["chaser.chk", "epoch.chk", "writer.chk", "proposal.chk"]
    .map((f) => `if [ -f ${q(`${src}/${f}`)} ]; then cp -p ${q(`${src}/${f}`)} ${q(`${dst}/${f}`)}; fi`)
    .join(" && ");
  await node.sh(checkpoints);
  steps.push({ step: "checkpoints", at, vanished: [] });
  const chunksAt = now();
  const { copy, ...leftOut } = selectChunks(await chunkNames(node, src), await copiedWriter(node, dst), chunkSize);
  const plan = differentialChunks(await chunkNames(node, dst), copy);
  const vanished = await copyChunks(node, src, dst, plan.copy);
  if (plan.remove.length) await node.sh(`cd ${q(dst)} && rm -f ${plan.remove.map(q).join(" ")}`);
  steps.push({ step: "chunks", at: chunksAt, vanished });
  return { steps, chunks: await chunkNames(node, dst), copied: plan.copy, removed: plan.remove, leftOut };
}
