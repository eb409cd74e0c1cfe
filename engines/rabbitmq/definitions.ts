import { readFile } from "node:fs/promises";
import type { CheckResult } from "../../harness/checkers/checker.ts";
import { RABBIT_DATA_DIR, type StartedRabbitMq } from "./container.ts";

/**
 * The second method: `rabbitmqctl export_definitions <file>` on the running node, `rabbitmqctl import_definitions
 * <file>` into a fresh one. The file is JSON (rabbit_version, users, vhosts, permissions, queues, exchanges,
 * bindings…): the broker's topology, no message. For MQTT that is each persistent session's durable queue
 * (`mqtt-subscription-<client id>qos1`) and its bindings, and neither the queued messages nor the retained store.
 */
export const DEFINITIONS_FILE = "definitions.json";
const IN_CONTAINER = `${RABBIT_DATA_DIR}/${DEFINITIONS_FILE}`;

export interface DefinitionsSummary {
  rabbitVersion: string;
  queues: number;
  /** Queues of MQTT persistent sessions (QoS 1 subscriptions). */
  mqttSessionQueues: number;
  bindings: number;
}

/** What an export_definitions file holds; throws on a file that is not one. */
export function summariseDefinitions(text: string): DefinitionsSummary {
  const json = JSON.parse(text) as {
    rabbit_version?: unknown;
    rabbitmq_version?: unknown;
    queues?: unknown;
    bindings?: unknown;
  };
  const version = json.rabbit_version ?? json.rabbitmq_version;
  if (typeof version !== "string" || !Array.isArray(json.queues) || !Array.isArray(json.bindings)) {
    throw new Error("not a RabbitMQ definitions export: rabbit_version, queues and bindings expected");
  }
  const names = json.queues.map((q: { name?: unknown }) => (typeof q.name === "string" ? q.name : ""));
  return {
    rabbitVersion: version,
    queues: names.length,
    mqttSessionQueues: names.filter((n) => /^mqtt-subscription-.+qos1$/.test(n)).length,
    bindings: json.bindings.length,
  };
}

/** Preflight: the file is a definitions export, and what it will (and will not) bring back. */
export async function definitionsCheck(path: string): Promise<CheckResult> {
  const name = "preflight:definitions";
  try {
    const s = summariseDefinitions(await readFile(path, "utf8"));
    return {
      name,
      valid: true,
      summary: `definitions of RabbitMQ ${s.rabbitVersion}: ${s.queues} queue(s), ${s.mqttSessionQueues} of them MQTT session queues, ${s.bindings} binding(s); no message, no retained store`,
    };
  } catch (err) {
    return { name, valid: false, summary: `${DEFINITIONS_FILE}: ${(err as Error).message}` };
  }
}

export async function exportDefinitions(broker: StartedRabbitMq, hostDir: string): Promise<void> {
  await broker.ctl(["rabbitmqctl", "export_definitions", IN_CONTAINER]);
  await broker.copyFileOut(IN_CONTAINER, hostDir);
}

export async function importDefinitions(broker: StartedRabbitMq, hostFile: string): Promise<string> {
  await broker.copyFileIn(hostFile, IN_CONTAINER);
  return (await broker.ctl(["rabbitmqctl", "import_definitions", IN_CONTAINER])).trim();
}
