import { open, readdir, stat } from "node:fs/promises";
import { join, relative } from "node:path";
import { flipBytes, truncateFile, type DrillFault } from "../../harness/faults.ts";
import { detectedBy } from "../../harness/expectation.ts";
import type { RabbitMqArtifact, RabbitMqEngineOptions } from "./engine.ts";
import type { RabbitMqNode } from "./node.ts";

/**
 * Faults of RabbitMQ's backup and restore procedure, each with what the drill must then show. A fault carries the
 * engine options that put it in place (another node name for the restore).
 */
export interface RabbitMqFault extends DrillFault<RabbitMqNode, RabbitMqArtifact> {
  /** The engine options the fault needs, when it needs any. */
  readonly engineOptions?: RabbitMqEngineOptions;
}

/** The restore target's host when the node name is wrong: `rabbit@dr-drill-rabbit-renamed`. */
export const RENAMED_HOST = "dr-drill-rabbit-renamed";

/**
 * The Mnesia base restored at the right path, but the node started under another name (a new hostname, the
 * default node name `rabbit@<hostname>` not pinned): RabbitMQ finds no directory of its own, logs at info level that
 * it initialises from scratch, and serves an EMPTY broker. The preflight must warn first; the drill must then say
 * that every retained message and session is gone.
 */
export function restoredUnderAnotherNodeName(): RabbitMqFault {
  return {
    name: "another-node-name",
    description: `the backup restored into a node named rabbit@${RENAMED_HOST}`,
    expect: detectedBy({
      "preflight:node-name": "the restore target is rabbit@dr-drill-rabbit-renamed: it will start EMPTY",
      "invariant:not-empty": "the restored broker is EMPTY: all retained messages and all \\d+ sessions were lost",
      "ledger-oracle": "\\d+ lost",
    }),
    engineOptions: { restoreHost: RENAMED_HOST },
    async apply(artifact) {
      return {
        fault: "restore-node-name",
        target: "RABBITMQ_NODENAME",
        detail: { backup: artifact.sourceNodeName, target: `rabbit@${RENAMED_HOST}` },
      };
    },
  };
}

/** The retained-message store file(s) of the MQTT plugin in a backup (`rabbit_mqtt_retained_msg_store_dets`). */
export async function retainedStoreFiles(artifactDir: string): Promise<string[]> {
  const entries = await readdir(join(artifactDir, "mnesia"), { withFileTypes: true, recursive: true });
  return entries
    .filter((e) => e.isFile() && /retained.*\.dets$/.test(e.name))
    .map((e) => relative(artifactDir, join(e.parentPath, e.name)))
    .sort();
}

/** The retained store cut to a third of its size (an interrupted copy): RabbitMQ starts; the retained messages must be missed by the drill, not by the operator. */
export function truncatedRetainedStore(): RabbitMqFault {
  return {
    name: "truncated-retained-store",
    description: "the MQTT retained-message store (.dets) in the backup cut to a third of its size",
    expect: detectedBy({ "ledger-oracle": "\\d+ lost" }),
    async apply(artifact) {
      const files = await retainedStoreFiles(artifact.dir);
      if (files.length !== 1)
        throw new Error(`expected one retained store .dets in the backup, found ${files.length}: ${files.join(", ")}`);
      return truncateFile(artifact.dir, files[0]!, 1 / 3);
    },
  };
}

/** The queue index segment files in a backup (classic queue index v1: `msg_stores/vhosts/<vhost>/queues/<queue>/<n>.idx`). */
export async function queueIndexSegments(artifactDir: string): Promise<{ rel: string; bytes: number }[]> {
  const entries = await readdir(join(artifactDir, "mnesia"), { withFileTypes: true, recursive: true });
  const segments = entries.filter(
    (e) => e.isFile() && /^\d+\.idx$/.test(e.name) && /\/queues\/[^/]+$/.test(e.parentPath),
  );
  const sized = await Promise.all(
    segments.map(async (e) => ({
      rel: relative(artifactDir, join(e.parentPath, e.name)),
      bytes: (await stat(join(e.parentPath, e.name))).size,
    })),
  );
  return sized.sort((a, b) => b.bytes - a.bytes || a.rel.localeCompare(b.rel));
}

/**
 * The largest queue index segment, whose first entry must be a publish record (its top bit set); undefined when no
 * session queue held a message at the stop.
 */
export async function largestPublishSegment(artifactDir: string): Promise<{ rel: string; bytes: number } | undefined> {
  const [largest] = await queueIndexSegments(artifactDir);
  if (!largest) return undefined;
  const first = Buffer.alloc(1);
  const handle = await open(join(artifactDir, largest.rel), "r");
  await handle.read(first, 0, 1, 0).finally(() => handle.close());
  if ((first[0]! & 0x80) === 0)
    throw new Error(
      `the first entry of ${largest.rel} is not a publish record (first byte 0x${first[0]!.toString(16)})`,
    );
  return largest;
}

/**
 * The message id of the first entry of the largest queue index segment flipped (bytes 2..17 of a publish record:
 * a 1-bit publish prefix, the persistence bit and 14 bits of sequence number come first, rabbit_queue_index.erl).
 * RabbitMQ starts; the queue process crashes when it reads that entry back (its message, embedded or in the message
 * store, no longer matches the id), and the session's subscriber waits for its CONNACK in vain. The drill must name
 * the crash in RabbitMQ's own words, not end on a time-out of its own.
 */
export function damagedQueueIndex(): RabbitMqFault {
  return {
    name: "damaged-queue-index",
    description: "the message id of the first entry of a session queue's index segment (.idx) flipped in the backup",
    expect: detectedBy({ "server-log": "Generic server .* terminating|Restarting crashed queue" }),
    async apply(artifact) {
      const largest = await largestPublishSegment(artifact.dir);
      if (!largest)
        throw new Error("no queue index segment (.idx) in the backup: no session queue held a message at the stop");
      return flipBytes(artifact.dir, largest.rel, 2, 16);
    },
  };
}
