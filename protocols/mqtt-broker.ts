import type { DatasetSpec, EngineNode, LoadStats } from "../harness/engine.ts";
import type { CheckResult } from "../harness/checkers/checker.ts";
import type { Ledger } from "../harness/ledger.ts";
import type { PhaseProgress } from "../harness/progress.ts";
import type { RecordFile } from "../harness/records.ts";
import type { ResolvedImage } from "../harness/runtime/images.ts";
import type { WorkloadClient } from "../harness/workload.ts";
import { removeVolume } from "../harness/runtime/resources.ts";
import { EngineError } from "../harness/engine-error.ts";
import {
  brokerRefusals,
  closeMqtt,
  connectMqtt,
  loadMqtt,
  MqttPublisher,
  readMqttState,
  type MqttCapabilities,
  type MqttEndpoint,
  type MqttPublish,
  type MqttUniverse,
  type ReadBackStats,
} from "./mqtt/index.ts";
import { emptyStartCheck } from "./mnesia-node.ts";

/** The container of one broker node: what the MQTT side needs of it. */
export interface BrokerContainer {
  readonly image: ResolvedImage;
  readonly mqttUrl: string;
  /** Removes the container (running or stopped); the data volume is the node's. */
  stop(): Promise<unknown>;
  /** The broker's log since the container started. */
  log(): Promise<string>;
}

export interface BrokerNodeOptions<C extends BrokerContainer> {
  caps: MqttCapabilities;
  universe: MqttUniverse;
  /** Opens writer number `n` against the node's current endpoint. */
  openWriter(n: number, endpoint: () => MqttEndpoint): Promise<WorkloadClient<MqttPublish>>;
  /** Starts a node on the same volume under the same name (a source after a stopped copy); restored nodes have none. */
  startAgain?: () => Promise<C>;
  /**
   * The lines of the broker's log that are its errors, in its words (a crashed queue process, a supervisor that gave
   * up on it): a read-back that fails without the broker's answer (no CONNACK, a connection closed) is the broker's
   * failure when its log holds such errors (harness/drill/server-log.ts).
   */
  errorsIn(log: string): string[];
}

/**
 * A broker node on its own data volume, the same for every broker whose backup stops the node (RabbitMQ, EMQX): the
 * shared MQTT load and read-back (protocols/mqtt/) over the broker's capabilities and universe, a probe write, a
 * restart on the same data, and the empty-start check on what the last read-back found.
 */
export class MqttBrokerNode<C extends BrokerContainer> implements EngineNode<MqttPublish> {
  private writers = 0;
  /** What the last read-back found. */
  lastRead: ReadBackStats | undefined;

  constructor(
    private current: C,
    readonly volume: string,
    private readonly options: BrokerNodeOptions<C>,
  ) {}

  get container(): C {
    return this.current;
  }

  get images(): ResolvedImage[] {
    return [this.current.image];
  }

  private endpoint = (): MqttEndpoint => ({ url: this.current.mqttUrl });

  /** After the node stopped for a copy: the stopped container goes, a new one starts on the same data. */
  async restart(): Promise<void> {
    if (!this.options.startAgain) throw new Error("this node cannot be restarted");
    await this.current.stop();
    this.current = await this.options.startAgain();
  }

  load(dataset: DatasetSpec, ledger: Ledger, progress: PhaseProgress): Promise<LoadStats> {
    return loadMqtt({
      endpoint: this.endpoint(),
      caps: this.options.caps,
      universe: this.options.universe,
      dataset,
      ledger,
      progress,
    });
  }

  openWorkloadClient(): Promise<WorkloadClient<MqttPublish>> {
    return this.options.openWriter(this.writers++, this.endpoint);
  }

  async readCanonical(into: RecordFile, progress: PhaseProgress): Promise<void> {
    const { caps, universe } = this.options;
    this.lastRead = await readMqttState({ endpoint: this.endpoint(), caps, universe }, into, progress);
  }

  /** The invariant every such broker reports: did the restored node start on an empty database? */
  notEmptyCheck(): CheckResult {
    return emptyStartCheck(this.lastRead, this.options.universe.sessions.length);
  }

  /** The errors the broker logged, in its words (`errorsIn` over its whole log). */
  async serverErrors(): Promise<string[]> {
    return this.options.errorsIn(await this.current.log());
  }

  /**
   * A retained QoS 1 publish (PUBACK), read back on its exact topic (every broker delivers that), then deleted. The
   * broker's refusal, or a message not served back, is its answer (EngineError).
   */
  async probeWrite(): Promise<string> {
    const topic = `dr-drill-probe/${Date.now()}`;
    const payload = Buffer.from(`probe ✓ ${new Date().toISOString()}`);
    const protocol = this.options.caps.protocols[0]!;
    const { client } = await connectMqtt(this.endpoint(), {
      clientId: `dd-probe-${process.pid}`,
      protocol,
      persistent: false,
    });
    const publisher = new MqttPublisher(client);
    try {
      await brokerRefusals(() => publisher.publish(topic, payload, 1, true));
      const back = await this.retainedOn(topic, 10_000);
      if (!back?.equals(payload))
        throw new EngineError(
          `published a retained message on ${topic} (PUBACK), read back ${back ? JSON.stringify(back.toString()) : "nothing"}`,
        );
      await brokerRefusals(() => publisher.publish(topic, Buffer.alloc(0), 1, true));
      return "published a retained message with QoS 1 (PUBACK), read it back on its topic, deleted it";
    } finally {
      await publisher.close();
    }
  }

  /** The retained message a fresh subscription to `topic` receives within `timeoutMs`, if any. */
  private async retainedOn(topic: string, timeoutMs: number): Promise<Buffer | undefined> {
    let deliver: (p: Buffer) => void = () => undefined;
    const message = new Promise<Buffer>((resolve) => (deliver = resolve));
    const protocol = this.options.caps.protocols[0]!;
    const { client } = await connectMqtt(this.endpoint(), {
      clientId: `dd-probe-reader-${process.pid}`,
      protocol,
      persistent: false,
      onMessage: (_t, p) => deliver(p),
    });
    let timer: NodeJS.Timeout | undefined;
    try {
      await client.subscribeAsync(topic, { qos: 1 });
      const late = new Promise<undefined>((resolve) => (timer = setTimeout(() => resolve(undefined), timeoutMs)));
      return await Promise.race([message, late]);
    } finally {
      clearTimeout(timer);
      await closeMqtt(client);
    }
  }

  async destroy(): Promise<void> {
    await this.current.stop();
    await removeVolume(this.volume);
  }
}
