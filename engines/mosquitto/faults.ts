import { readFile, stat, truncate } from "node:fs/promises";
import { join } from "node:path";
import { flipBytes, type DrillFault } from "../../harness/faults.ts";
import { detectedBy } from "../../harness/expectation.ts";
import { ARTIFACT_DB, type MosquittoArtifact } from "./engine.ts";
import type { MosquittoNode } from "./node.ts";
import { midChunkCut, scanDb, type DbScan } from "./db-file.ts";

/**
 * Faults of a Mosquitto backup, each with what the drill must then show. mosquitto.db has no checksum (db-file.ts),
 * so only what changes the restored state or stops the broker can be seen.
 */
export type MosquittoFault = DrillFault<MosquittoNode, MosquittoArtifact>;

/**
 * The last byte of the payload of a queued message with a body beyond its `<seq>|` header, from the middle of the
 * file: a byte the broker serves back as it is.
 */
export function payloadByte(scan: DbScan): { offset: number; topic: string; payloadLength: number } {
  const candidates = scan.messages.filter((m) => !m.retain && m.payloadLength > 12);
  const target = candidates[Math.floor(candidates.length / 2)];
  if (!target)
    throw new Error(`no stored message with a payload to flip in ${ARTIFACT_DB} (${scan.messages.length} messages)`);
  return {
    offset: target.payloadOffset + target.payloadLength - 1,
    topic: target.topic,
    payloadLength: target.payloadLength,
  };
}

/**
 * One byte flipped in the payload of a stored message, found by walking the file as Mosquitto does: the broker loads
 * it without a word, and the read-back must show the message changed (`corrupt`) or gone (`lost`).
 */
export function flippedPayloadByte(): MosquittoFault {
  return {
    name: "flipped-payload-byte",
    description: "flip the last byte of a stored message's payload in mosquitto.db (no checksum guards it)",
    expect: detectedBy({ "ledger-oracle": "corrupt|lost" }),
    async apply(artifact) {
      const target = payloadByte(scanDb(await readFile(join(artifact.dir, ARTIFACT_DB))));
      const record = await flipBytes(artifact.dir, ARTIFACT_DB, target.offset);
      return { ...record, detail: { ...record.detail, topic: target.topic, payloadBytes: target.payloadLength } };
    },
  };
}

/** mosquitto.db emptied (a copy that wrote nothing): the broker starts with nothing and only warns. */
export function emptyDbFile(): MosquittoFault {
  return {
    name: "empty-db-file",
    description: "empty mosquitto.db (0 bytes)",
    expect: detectedBy({ "ledger-oracle": "lost", "preflight:mosquitto.db": "the file is empty" }),
    async apply(artifact) {
      const path = join(artifact.dir, ARTIFACT_DB);
      const { size } = await stat(path);
      await truncate(path, 0);
      return { fault: "empty-file", target: ARTIFACT_DB, detail: { size, newSize: 0 } };
    },
  };
}

/**
 * mosquitto.db cut about half-way, inside a chunk (an interrupted copy): Mosquitto refuses to start, and the backup
 * must stay as it was.
 */
export function truncatedDbFile(keepFraction = 0.5): MosquittoFault {
  return {
    name: "truncated-db-file",
    description: `mosquitto.db cut inside the chunk at ${Math.round(keepFraction * 100)} % of its size`,
    expect: { outcome: "refuses", reason: "Couldn't open database" },
    async apply(artifact) {
      const path = join(artifact.dir, ARTIFACT_DB);
      const db = await readFile(path);
      const cut = midChunkCut(db, keepFraction);
      await truncate(path, cut.newSize);
      return { fault: "truncate-file", target: ARTIFACT_DB, detail: { size: db.length, ...cut } };
    },
  };
}
