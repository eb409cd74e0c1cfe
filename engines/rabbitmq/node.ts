import type { DatasetSpec, EngineNode, LoadStats } from "../../harness/engine.ts";
import type { CheckResult } from "../../harness/checkers/checker.ts";
import type { Ledger } from "../../harness/ledger.ts";
import type { PhaseProgress } from "../../harness/progress.ts";
import type { RecordFile } from "../../harness/records.ts";
import type { ResolvedImage } from "../../harness/runtime/images.ts";
import type { WorkloadClient } from "../../harness/workload.ts";
import { removeVolume } from "../../harness/runtime/resources.ts";
import { mqttUniverse, openMqttWorkloadClient, type MqttCapabilities, type MqttPublish, type MqttUniverse } from "../../protocols/mqtt/index.ts";
import { MqttBroker } from "../../protocols/mqtt-broker.ts";
import type { StartedRabbitMq } from "./container.ts";
import { ReconnectingWriter } from "./writer.ts";

/**
 * What RabbitMQ 3.10's MQTT plugin can do (measured on 3.10.8): MQTT 3.1.1 only (an MQTT 5 CONNECT is closed before
 * any CONNACK), QoS 2 downgraded to 1, topics become AMQP routing keys (at most 255 bytes) with `/` turned into `.`
 * and back, so a `.` or `*` in a topic name does not survive (a drill with them saw PUBACK'd messages never queued and
 * retained messages come back under another topic), and a retained message is delivered only to a subscription on
 * its exact topic, never to `#`.
 */
export const RABBITMQ_MQTT: MqttCapabilities = { protocols: [4], retainedReadBack: "exact-topics", publishQos: [1], maxTopicBytes: 255, topicCharsAltered: ".*" };

/** Silence that ends a delivery on read-back: a node just started (or restarted) recovers queues slowly on 2 cores. */
const READ_QUIET_MS = 1_500;

export const RABBITMQ_UNIVERSE: MqttUniverse = mqttUniverse(RABBITMQ_MQTT);

/** A running RabbitMQ node on its own volume: the source of a drill, or a restored node. */
export class RabbitMqNode implements EngineNode<MqttPublish> {
  private writers = 0;
  readonly mqtt = new MqttBroker(() => ({ url: this.current.mqttUrl }), RABBITMQ_MQTT, RABBITMQ_UNIVERSE, READ_QUIET_MS);

  constructor(
    private current: StartedRabbitMq,
    readonly volume: string,
    /** Starts a node on the same volume under the same name (the source, after its backup); restored nodes have none. */
    private readonly startAgain?: () => Promise<StartedRabbitMq>,
  ) {}

  get broker(): StartedRabbitMq {
    return this.current;
  }

  get images(): ResolvedImage[] {
    return [this.current.image];
  }

  /** After `rabbitmqctl shutdown`: the stopped container goes, a new one starts on the same data. */
  async restart(): Promise<void> {
    if (!this.startAgain) throw new Error("this node cannot be restarted");
    await this.current.stop();
    this.current = await this.startAgain();
  }

  load(dataset: DatasetSpec, ledger: Ledger, progress: PhaseProgress): Promise<LoadStats> {
    return this.mqtt.load(dataset, ledger, progress);
  }

  /** A writer that connects again after the backup's restart of the node (writer.ts). */
  async openWorkloadClient(): Promise<WorkloadClient<MqttPublish>> {
    const clientId = `dd-writer-${this.writers++}`;
    return new ReconnectingWriter(() => openMqttWorkloadClient({ url: this.current.mqttUrl }, clientId, 4));
  }

  readCanonical(into: RecordFile, progress: PhaseProgress): Promise<void> {
    return this.mqtt.read(into, progress);
  }

  notEmptyCheck(): CheckResult {
    return this.mqtt.emptyStart();
  }

  probeWrite(): Promise<string> {
    return this.mqtt.probeWrite();
  }

  async destroy(): Promise<void> {
    await this.current.stop();
    await removeVolume(this.volume);
  }
}
