import { readdir } from "node:fs/promises";
import { join, relative } from "node:path";
import { truncateFile, type DrillFault } from "../../harness/faults.ts";
import type { RabbitMqArtifact, RabbitMqEngineOptions } from "./engine.ts";
import type { RabbitMqNode } from "./node.ts";

/**
 * Faults of RabbitMQ's backup and restore procedure, each with what the drill must then show. A fault carries the
 * engine options that put it in place (another node name for the restore).
 */
export interface RabbitMqFault extends DrillFault<RabbitMqNode, RabbitMqArtifact> {
  readonly engineOptions: RabbitMqEngineOptions;
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
    expect: {
      outcome: "detects",
      by: [
        { check: "preflight:node-name", reason: "the restore target is rabbit@dr-drill-rabbit-renamed: it will start EMPTY" },
        { check: "invariant:not-empty", reason: "the restored broker is EMPTY: all retained messages and all \\d+ sessions were lost" },
        { check: "ledger-oracle", reason: "\\d+ lost" },
      ],
    },
    engineOptions: { restoreHost: RENAMED_HOST },
    async apply(artifact) {
      return { fault: "restore-node-name", target: "RABBITMQ_NODENAME", detail: { backup: artifact.sourceNodeName, target: `rabbit@${RENAMED_HOST}` } };
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
    expect: { outcome: "detects", by: [{ check: "ledger-oracle", reason: "\\d+ lost" }] },
    engineOptions: {},
    async apply(artifact) {
      const files = await retainedStoreFiles(artifact.dir);
      if (files.length !== 1) throw new Error(`expected one retained store .dets in the backup, found ${files.length}: ${files.join(", ")}`);
      return truncateFile(artifact.dir, files[0]!, 1 / 3);
    },
  };
}
