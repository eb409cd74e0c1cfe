import { existsSync } from "node:fs";
import { join } from "node:path";
import type { DrillFault, FaultRecord } from "../../harness/faults.ts";
import { deleteFile, flipBytes } from "../../harness/faults.ts";
import { detectedBy } from "../../harness/expectation.ts";
import { CHUNKS_FIRST } from "./backup.ts";
import { listChunks } from "./chunk-set.ts";
import type { EventStoreArtifact, EventStoreEngineOptions } from "./engine.ts";
import type { EventStoreNode } from "./node.ts";

/**
 * Faults of the EventStoreDB / KurrentDB backup and restore procedure. Each states what the drill must show
 * (`expect`) and carries the engine options that put it in place.
 */
export interface EventStoreFault extends DrillFault<EventStoreNode, EventStoreArtifact> {
  /** The engine options the fault needs, when it needs any. */
  readonly engineOptions?: EventStoreEngineOptions;
}

/** The last backup set: where the checkpoints the node will start from lie. */
const newestSet = (a: EventStoreArtifact) => a.sets.at(-1)!;

const recorded = (fault: string, detail: Record<string, unknown>): FaultRecord => ({ fault, target: ".", detail });

/**
 * The restore skips the guide's step 3 and the backed-up truncate.chk is gone too: the node recreates it as -1 and
 * starts from the backed-up writer, keeping what the chunks hold past the chaser. The preflight must name it; the
 * oracle then says whether anything came back that should not have (or went missing).
 */
export function missingTruncateChk(): EventStoreFault {
  return {
    name: "missing-truncate-chk",
    description: "restored without truncate.chk (step 3 skipped, the backed-up one gone)",
    expect: detectedBy({ "preflight:truncate-checkpoint": "^truncate\\.chk missing" }),
    engineOptions: { truncateFromChaser: false },
    async apply(artifact) {
      const rel = join(newestSet(artifact), "truncate.chk");
      return existsSync(join(artifact.dir, rel))
        ? deleteFile(artifact.dir, rel)
        : recorded("restore-without-truncate-chk", { note: "the backup held no truncate.chk" });
    },
  };
}

/**
 * The wrong copy order: the chunks first, then (a second later, writes going on) the checkpoints. The writer
 * checkpoint then counts records the copied chunk does not hold.
 */
export function chunksBeforeCheckpoints(): EventStoreFault {
  return {
    name: "chunks-before-checkpoints",
    description: "chunks copied first, the checkpoints a second later under load (the order the guide forbids)",
    expect: detectedBy({ "preflight:log-tail": "copied before the checkpoints" }),
    engineOptions: { copy: { order: CHUNKS_FIRST, pauseAfterFirstStep: 1 } },
    apply: async () => recorded("copy-order", { order: CHUNKS_FIRST }),
  };
}

/** The first chunk of the last backup set, relative to the artifact: the one a fault damages or removes. */
async function firstChunk(artifact: EventStoreArtifact, toDo: string): Promise<string> {
  const set = newestSet(artifact);
  const first = (await listChunks(join(artifact.dir, set)))[0];
  if (!first) throw new Error(`the backup holds no chunk to ${toDo}`);
  return join(set, first.name);
}

/** A completed chunk below the writer deleted from the backup: the node must refuse (ChunkNotFoundException). */
export function missingChunk(): EventStoreFault {
  return {
    name: "missing-chunk",
    description: "chunk-000000 removed from the backup",
    expect: { outcome: "refuses", reason: "ChunkNotFound|chunk.*not found" },
    apply: async (artifact) => deleteFile(artifact.dir, await firstChunk(artifact, "remove")),
  };
}

/** One byte flipped in the data of the first completed chunk: its MD5 no longer matches its footer. */
export function flippedChunkByte(): EventStoreFault {
  return {
    name: "flipped-chunk-byte",
    description: "one byte flipped inside chunk-000000's records",
    expect: detectedBy({ "preflight:chunk-files": "MD5 .* does not match the footer" }),
    apply: async (artifact) => flipBytes(artifact.dir, await firstChunk(artifact, "damage"), 128 + 64),
  };
}

/**
 * A scavenge started just before the chunks are copied (the docs: never copy during a scavenge). What comes of it
 * is not predicted: a chunk replaced mid-copy may be missing or doubled; the drill must not lose data silently.
 */
export function scavengeDuringCopy(): EventStoreFault {
  return {
    name: "scavenge-during-copy",
    description: "a scavenge started right before the chunks are copied",
    expect: { outcome: "no-silent-loss" },
    engineOptions: { copy: { scavengeBefore: "chunks" } },
    apply: async () => recorded("scavenge-during-copy", {}),
  };
}
