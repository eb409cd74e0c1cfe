import { statSync } from "node:fs";
import { join } from "node:path";
import type { CheckResult } from "../../harness/checkers/checker.ts";
import type { StateSummary } from "../../harness/checkers/equivalence.ts";
import type { DrillRuntime } from "../../harness/engine.ts";
import { mqttSecondRead } from "../../protocols/mqtt/deep-verify.ts";
import { EngineError } from "../../harness/engine-error.ts";
import { CommandExitError } from "../../harness/runtime/command-exit.ts";
import { deepVerifyResult, recordsOf } from "../../harness/campaign/deep-compare.ts";
import { sessionKey } from "../../protocols/mqtt/index.ts";
import { RABBITMQ_MQTT, RABBITMQ_UNIVERSE, type RabbitMqNode } from "./node.ts";

/** deps/rabbitmq_mqtt (3.10): a persistent session is the queue `mqtt-subscription-<client id>qos1`. */
export const sessionQueue = (clientId: string) => `mqtt-subscription-${clientId}qos1`;

/** `rabbitmqctl list_queues -q --no-table-headers name messages`: queue name → messages it holds. */
export function parseQueueList(output: string): Map<string, number> {
  const queues = new Map<string, number>();
  for (const line of output.split("\n")) {
    const m = /^(\S+)\t(\d+)\s*$/.exec(line);
    if (m) queues.set(m[1]!, Number(m[2]));
  }
  return queues;
}

/**
 * What the node's own queue list says against the sessions the accepted state holds, after the read-backs took every
 * queue: each present session has its queue, no other session has one, and no queue still holds a message (one the
 * reads did not deliver).
 */
export function queueListProblems(
  queues: ReadonlyMap<string, number>,
  present: ReadonlySet<string>,
  clientIds: readonly string[],
): { problems: string[]; examples: string[] } {
  const examples: string[] = [];
  const noQueue = clientIds.filter((c) => present.has(c) && !queues.has(sessionQueue(c)));
  const stray = clientIds.filter((c) => !present.has(c) && queues.has(sessionQueue(c)));
  const holding = [...queues].filter(([name, n]) => n > 0 && name.startsWith("mqtt-subscription-"));
  examples.push(
    ...noQueue.map((c) => `${c}: session present, no queue ${sessionQueue(c)} in list_queues`),
    ...stray.map((c) => `${c}: no session read back, but queue ${sessionQueue(c)} listed`),
    ...holding.map(([q, n]) => `${q}: still holds ${n} message(s) after the reads took it`),
  );
  const problems = [
    noQueue.length ? `${noQueue.length} present session(s) without their queue in rabbitmqctl list_queues` : undefined,
    stray.length ? `${stray.length} queue(s) listed for sessions that did not read back` : undefined,
    holding.length ? `${holding.length} session queue(s) still hold messages no read delivered` : undefined,
  ].filter((p) => p !== undefined);
  return { problems, examples };
}

/**
 * The deep verification of a restored RabbitMQ node whose drill passed: every retained topic and every session read
 * again (protocols/mqtt/deep-verify.ts), then `rabbitmqctl list_queues name messages` (the node's own account of its
 * queues, read from its queue table) against the sessions of the accepted state.
 */
export async function rabbitMqDeepVerify(
  node: RabbitMqNode,
  restored: StateSummary,
  rt: DrillRuntime,
): Promise<CheckResult> {
  const read = await mqttSecondRead(
    { url: node.container.mqttUrl },
    RABBITMQ_MQTT,
    RABBITMQ_UNIVERSE,
    restored,
    rt.workDir,
  );
  // The tool's non-zero exit is the node's answer (it cannot list its queues); an exec that failed is thrown.
  const listing = await node.container
    .ctl(["rabbitmqctl", "list_queues", "-q", "--no-table-headers", "name", "messages"])
    .catch((err: unknown) => {
      if (err instanceof CommandExitError) throw new EngineError(err.message);
      throw err;
    });
  const queues = parseQueueList(listing);
  const clientIds = RABBITMQ_UNIVERSE.sessions.map((s) => s.clientId);
  const present = new Set(
    (await recordsOf(restored.path, (k) => k.startsWith("session/"))).map((r) => r.key.slice(sessionKey("").length)),
  );
  const listed = queueListProblems(queues, present, clientIds);
  return deepVerifyResult(
    [...read.problems, ...listed.problems],
    `${read.same} retained messages, sessions and subscriptions read again by exact topic and by reconnecting equal the accepted state; rabbitmqctl list_queues lists the queue of each of the ${present.size} sessions, none holding a message`,
    { secondRead: read.stats, queues: Object.fromEntries(queues) },
    [...read.examples, ...listed.examples],
  );
}

/** A directory of the backup (a deleted-directory fault), named without its node name, vhost or queue hash. */
function directoryKind(path: string): string {
  if (path.includes("/coordination/")) return "directory coordination (quorum/stream state)";
  const named = path
    .replace(/rabbit@[^/]+/g, "rabbit@<host>")
    .replace(/\/vhosts\/[0-9A-Z]{20,}/, "/vhosts/<vhost>")
    .replace(/\/queues\/[0-9A-Z]{20,}$/, "/queues/<queue>");
  return `directory ${named}`;
}

/** What a file of a RabbitMQ Mnesia base is, by its name and directory. */
export function rabbitMqFileKind(dir: string, path: string): string {
  if (statSync(join(dir, path), { throwIfNoEntry: false })?.isDirectory()) return directoryKind(path);
  const name = path.split("/").at(-1)!;
  if (name.endsWith(".json")) return "definitions";
  if (path.includes("-plugins-expand/")) return "plugins expanded";
  if (path.includes("/msg_store_persistent/")) return "message store (persistent)";
  if (path.includes("/msg_store_transient/")) return "message store (transient)";
  if (path.includes("/queues/")) return "queue index";
  if (/retained.*\.dets$/.test(name)) return "retained store (.dets)";
  if (name.endsWith(".dets")) return "recovery (.dets)";
  if (/^rabbit_durable_\w+\.DCD$/.test(name)) return `mnesia ${name.slice(0, -4)} (.DCD)`;
  if (name.endsWith(".DCD")) return "mnesia other table (.DCD)";
  if (name.endsWith(".DCL")) return "mnesia table log (.DCL)";
  if (name.endsWith(".LOG")) return "mnesia transaction log (.LOG)";
  if (name === "schema.DAT") return "mnesia schema";
  if (path.includes("-feature_flags")) return "feature flags";
  if (/^(cluster_nodes\.config|nodes_running_at_shutdown|node-type\.txt)$/.test(name)) return "node config";
  return `other (${name.replace(/rabbit@[^/]+/, "rabbit@<host>")})`;
}
