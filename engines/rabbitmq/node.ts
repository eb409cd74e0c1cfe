import {
  mqttUniverse,
  openMqttWorkloadClient,
  type MqttCapabilities,
  type MqttUniverse,
} from "../../protocols/mqtt/index.ts";
import { MqttBrokerNode } from "../../protocols/mqtt-broker.ts";
import type { StartedRabbitMq } from "./container.ts";
import { rabbitServerErrors } from "./server-errors.ts";
import { ReconnectingWriter } from "./writer.ts";

/**
 * What RabbitMQ 3.10's MQTT plugin can do (measured on 3.10.8 by engines/rabbitmq/drills/container.drill.ts and the
 * drills): MQTT 3.1.1 only (an MQTT 5 CONNECT is closed before any CONNACK), QoS 2 downgraded to 1, topics become AMQP routing keys (at most 255 bytes) with `/` turned into `.`
 * and back, so a `.` or `*` in a topic name does not survive (a drill with them saw PUBACK'd messages never queued and
 * retained messages come back under another topic), and a retained message is delivered only to a subscription on
 * its exact topic, never to `#` or `+`. A persistent session is one queue, `mqtt-subscription-<client id>qos1`, bound
 * to amq.topic per filter (deps/rabbitmq_mqtt/src/rabbit_mqtt_processor.erl at v3.10.8, `ensure_queue`; sessionPresent
 * is that queue existing, `session_present`): a FIFO whatever the publisher. Retained messages go out from the
 * connection's own process right after the SUBACK, before it handles any delivery (`process_request(?SUBSCRIBE…)`).
 */
export const RABBITMQ_MQTT: MqttCapabilities = {
  protocols: [4],
  retainedReadBack: "exact-topics",
  publishQos: [1],
  maxTopicBytes: 255,
  forbiddenTopicChars: ".*",
  fifoSessionQueue: true,
};

export const RABBITMQ_UNIVERSE: MqttUniverse = mqttUniverse(RABBITMQ_MQTT);

/** A running RabbitMQ node on its own volume: the source of a drill, or a restored node. */
export type RabbitMqNode = MqttBrokerNode<StartedRabbitMq>;

export function rabbitMqNode(
  broker: StartedRabbitMq,
  volume: string,
  startAgain?: () => Promise<StartedRabbitMq>,
): RabbitMqNode {
  return new MqttBrokerNode(broker, volume, {
    caps: RABBITMQ_MQTT,
    universe: RABBITMQ_UNIVERSE,
    // A writer that connects again after the backup's restart of the node (writer.ts).
    openWriter: async (n, endpoint) =>
      new ReconnectingWriter(() => openMqttWorkloadClient(endpoint(), `dd-writer-${n}`, 4)),
    errorsIn: rabbitServerErrors,
    ...(startAgain ? { startAgain } : {}),
  });
}
