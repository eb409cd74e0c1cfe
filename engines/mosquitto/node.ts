import type { DatasetSpec, EngineNode, LoadStats } from "../../harness/engine.ts";
import type { Ledger } from "../../harness/ledger.ts";
import type { PhaseProgress } from "../../harness/progress.ts";
import type { RecordFile } from "../../harness/records.ts";
import type { ResolvedImage } from "../../harness/runtime/images.ts";
import type { WorkloadClient } from "../../harness/workload.ts";
import { docker } from "../../harness/runtime/docker.ts";
import { removeVolume } from "../../harness/runtime/resources.ts";
import { EngineError } from "../../harness/engine-error.ts";
import {
  brokerRefusals,
  closeMqtt,
  connectMqtt,
  loadMqtt,
  MqttPublisher,
  openMqttWorkloadClient,
  readMqttState,
  type MqttCapabilities,
  type MqttPublish,
  type MqttUniverse,
} from "../../protocols/mqtt/index.ts";
import { errorLines } from "../../harness/server-log.ts";
import type { StartedMosquitto } from "./container.ts";

/** Mosquitto prefixes what went wrong `Error:` (its `Warning:` lines are the restore-log invariant's). */
export const MOSQUITTO_SERVER_ERRORS = /^(\d+: )?Error: /;

/** A running Mosquitto broker on its own data volume: the source of a drill, or a restored node. */
export class MosquittoNode implements EngineNode<MqttPublish> {
  private writers = 0;

  constructor(
    readonly broker: StartedMosquitto,
    readonly volume: string,
    private readonly caps: MqttCapabilities,
    private readonly universe: MqttUniverse,
  ) {}

  get images(): ResolvedImage[] {
    return [this.broker.image];
  }

  async serverErrors(): Promise<string[]> {
    return errorLines(await this.broker.log(), MOSQUITTO_SERVER_ERRORS);
  }

  load(dataset: DatasetSpec, ledger: Ledger, progress: PhaseProgress): Promise<LoadStats> {
    return loadMqtt({
      endpoint: this.broker.endpoint,
      caps: this.caps,
      universe: this.universe,
      dataset,
      ledger,
      progress,
    });
  }

  /** Writers alternate between the protocol versions the broker speaks. */
  openWorkloadClient(): Promise<WorkloadClient<MqttPublish>> {
    const n = this.writers++;
    return openMqttWorkloadClient(
      this.broker.endpoint,
      `dd-writer-${n}`,
      this.caps.protocols[n % this.caps.protocols.length]!,
    );
  }

  async readCanonical(into: RecordFile, progress: PhaseProgress): Promise<void> {
    await readMqttState({ endpoint: this.broker.endpoint, caps: this.caps, universe: this.universe }, into, progress);
  }

  /**
   * A retained message on a topic outside the universe: acknowledged, received by a new subscriber, then deleted. The
   * broker's refusal, or a message not delivered, is its answer (EngineError).
   */
  async probeWrite(): Promise<string> {
    const topic = `dr-drill-probe/${Date.now()}/✓`;
    const payload = Buffer.from(`probe ${new Date().toISOString()}`);
    const endpoint = this.broker.endpoint;
    const { client } = await connectMqtt(endpoint, {
      clientId: `dd-probe-${process.pid}`,
      protocol: this.caps.protocols.at(-1)!,
      persistent: false,
    });
    const publisher = new MqttPublisher(client);
    try {
      await brokerRefusals(() => publisher.publish(topic, payload, 1, true));
      let received: (p: Buffer) => void = () => undefined;
      const seen = new Promise<Buffer | undefined>((resolve) => {
        received = resolve;
        setTimeout(() => resolve(undefined), 5_000).unref();
      });
      const { client: reader } = await connectMqtt(endpoint, {
        clientId: `dd-probe-reader-${process.pid}`,
        protocol: this.caps.protocols[0]!,
        persistent: false,
        onMessage: (_t, p) => received(p),
      });
      try {
        await reader.subscribeAsync(topic, { qos: 1 });
        const got = await seen;
        if (!got?.equals(payload))
          throw new EngineError(
            `published a retained message on ${topic}; a new subscriber got ${got ? "another payload" : "nothing within 5 s"}`,
          );
      } finally {
        await closeMqtt(reader);
      }
      await brokerRefusals(() => publisher.publish(topic, Buffer.alloc(0), 1, true));
      return "published a retained QoS 1 message (PUBACK), a new subscriber received it, then it was deleted";
    } finally {
      await publisher.close();
    }
  }

  async destroy(): Promise<void> {
    await this.broker.stop().catch(() => undefined);
    // A broker already stopped (killed by a drill, stopped to save) is not removed by stop(): remove it by id.
    await docker()
      .getContainer(this.broker.getId())
      .remove({ force: true, v: true })
      .catch((err: { statusCode?: number }) => {
        if (err.statusCode !== 404) throw err;
      });
    await removeVolume(this.volume);
  }
}
