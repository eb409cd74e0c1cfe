import { mqttUniverse, openMqttWorkloadClient, type MqttCapabilities, type MqttUniverse } from "../../protocols/mqtt/index.ts";
import { MqttBrokerNode } from "../../protocols/mqtt-broker.ts";
import type { StartedRabbitMq } from "./container.ts";
import { ReconnectingWriter } from "./writer.ts";

/**
 * What RabbitMQ 3.10's MQTT plugin can do (measured on 3.10.8 by scenarios/rabbitmq/container.drill.ts and the
 * drills): MQTT 3.1.1 only (an MQTT 5 CONNECT is closed before any CONNACK), QoS 2 downgraded to 1, topics become AMQP routing keys (at most 255 bytes) with `/` turned into `.`
 * and back, so a `.` or `*` in a topic name does not survive (a drill with them saw PUBACK'd messages never queued and
 * retained messages come back under another topic), and a retained message is delivered only to a subscription on
 * its exact topic, never to `#` or `+`.
 */
export const RABBITMQ_MQTT: MqttCapabilities = { protocols: [4], retainedReadBack: "exact-topics", publishQos: [1], maxTopicBytes: 255, forbiddenTopicChars: ".*" };

export const RABBITMQ_UNIVERSE: MqttUniverse = mqttUniverse(RABBITMQ_MQTT);

/** Silence that ends a delivery on read-back: a node just started (or restarted) recovers queues slowly on 2 cores. */
const READ_QUIET_MS = 1_500;

/** A running RabbitMQ node on its own volume: the source of a drill, or a restored node. */
export type RabbitMqNode = MqttBrokerNode<StartedRabbitMq>;

export function rabbitMqNode(broker: StartedRabbitMq, volume: string, startAgain?: () => Promise<StartedRabbitMq>): RabbitMqNode {
  return new MqttBrokerNode(broker, volume, {
    caps: RABBITMQ_MQTT,
    universe: RABBITMQ_UNIVERSE,
    quietMs: READ_QUIET_MS,
    // A writer that connects again after the backup's restart of the node (writer.ts).
    openWriter: async (n, endpoint) => new ReconnectingWriter(() => openMqttWorkloadClient(endpoint(), `dd-writer-${n}`, 4)),
    ...(startAgain ? { startAgain } : {}),
  });
}
