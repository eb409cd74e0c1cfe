import { join } from "node:path";
import type { StateSummary } from "../../harness/checkers/equivalence.ts";
import { RecordFile, type CanonicalRecord } from "../../harness/records.ts";
import {
  byKey,
  compareByKey,
  comparisonExamples,
  comparisonProblem,
  recordsOf,
} from "../../harness/campaign/deep-compare.ts";
import type { MqttEndpoint } from "./client.ts";
import type { MqttCapabilities, MqttUniverse } from "./model.ts";
import { readMqttState, type ReadBackStats } from "./read-back.ts";

const QUEUE = "queue/";
const isQueue = (key: string) => key.startsWith(QUEUE);

export interface MqttSecondRead {
  problems: string[];
  examples: string[];
  stats: ReadBackStats;
  /** Retained topics, sessions and subscriptions the second read found as the first did. */
  same: number;
}

/**
 * The second read of a restored broker, after the drill's read-back: every retained topic of the universe by an
 * exact-topic subscription (the drill may have read them through `#`), and every session again by reconnecting as
 * it. Retained messages, sessions and subscriptions must come back as the accepted state has them. The first read
 * took every queue, so a queued message now is one the first read did not deliver; a copy of one it did (the same
 * key and digest) is a redelivery, which MQTT allows.
 */
export async function mqttSecondRead(
  endpoint: MqttEndpoint,
  caps: MqttCapabilities,
  universe: MqttUniverse,
  restored: StateSummary,
  workDir: string,
): Promise<MqttSecondRead> {
  const file = new RecordFile(join(workDir, "deep-read.tsv"));
  let stats: ReadBackStats;
  try {
    stats = await readMqttState({ endpoint, caps: { ...caps, retainedReadBack: "exact-topics" }, universe }, file);
  } finally {
    await file.close();
  }
  const accepted = await recordsOf(restored.path);
  const again = await recordsOf(file.path);
  const c = compareByKey(byKey(accepted.filter((r) => !isQueue(r.key))), byKey(again.filter((r) => !isQueue(r.key))));
  const taken = new Set(accepted.filter((r) => isQueue(r.key)).map(queued));
  const left = again.filter((r) => isQueue(r.key) && !taken.has(queued(r)));
  const problems = [
    comparisonProblem("exact-topic subscriptions and reconnected sessions", c),
    left.length
      ? `${left.length} queued message(s) delivered on reconnecting that the drill's read-back did not take`
      : undefined,
  ].filter((p) => p !== undefined);
  return {
    problems,
    examples: [
      ...comparisonExamples("by the second read", c),
      ...left.slice(0, 10).map((r) => `${r.key}: delivered only by the second read (${r.preview})`),
    ],
    stats,
    same: c.same,
  };
}

const queued = (r: CanonicalRecord) => `${r.key}\t${r.digest}`;
