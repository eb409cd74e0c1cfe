import { readFileSync } from "node:fs";
import { join } from "node:path";
import type { CheckResult } from "../../harness/checkers/checker.ts";
import type { StateSummary } from "../../harness/checkers/equivalence.ts";
import type { DrillRuntime } from "../../harness/engine.ts";
import { deepVerifyResult } from "../../harness/campaign/deep-compare.ts";
import { mqttSecondRead } from "../../protocols/mqtt/deep-verify.ts";
import type { MqttCapabilities, MqttUniverse } from "../../protocols/mqtt/index.ts";
import { partAt } from "./db-file.ts";
import type { MosquittoNode } from "./node.ts";

/**
 * The deep verification of a restored Mosquitto broker whose drill passed. Mosquitto has no checker of its own (no
 * checksum in mosquitto.db, no verify command), so: every retained topic read again by an exact-topic subscription
 * (the drill reads them through `#`) and every session again by reconnecting (protocols/mqtt/deep-verify.ts).
 */
export async function mosquittoDeepVerify(
  node: MosquittoNode,
  caps: MqttCapabilities,
  universe: MqttUniverse,
  restored: StateSummary,
  rt: DrillRuntime,
): Promise<CheckResult> {
  const read = await mqttSecondRead(node.broker.endpoint, caps, universe, restored, rt.workDir);
  return deepVerifyResult(
    read.problems,
    `${read.same} retained messages, sessions and subscriptions read again by exact topic and by reconnecting equal the accepted state; nothing left queued`,
    { secondRead: read.stats },
    read.examples,
  );
}

/** The part of the backup a fault hit: in mosquitto.db the chunk at the damaged offset (db-file.ts), else the file. */
export function mosquittoFileKind(dir: string, path: string, at: number | undefined): string {
  if (path === "data/mosquitto.db") {
    if (at === undefined) return "mosquitto.db (whole file)";
    return `mosquitto.db ${partAt(readFileSync(join(dir, path)), at)}`;
  }
  if (path === "data" || path === "config") return `directory ${path}`;
  return path.endsWith(".conf") ? "mosquitto.conf" : `other (${path})`;
}
