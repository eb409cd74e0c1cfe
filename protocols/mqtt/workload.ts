import fc from "fast-check";
import type { KeyWrite } from "../../harness/ledger.ts";
import type { OpSource, WorkloadClient, WorkloadOp } from "../../harness/workload.ts";
import { deriveSeed } from "../../harness/seed.ts";
import { payloadBytes } from "./generators.ts";
import { connectMqtt, isDefiniteFailure, MqttPublisher, type MqttEndpoint } from "./client.ts";
import {
  framePayload,
  queuedWrite,
  retainedPayload,
  retainedWrite,
  type MqttCapabilities,
  type MqttUniverse,
} from "./model.ts";
import { prng } from "../../harness/prng.ts";

/** One publish and the record it leaves when acknowledged. */
export interface MqttPublish {
  topic: string;
  payload: Buffer;
  qos: 1 | 2;
  retain: boolean;
  write: KeyWrite;
}

export type MqttOpKind = "retain" | "unretain" | "enqueue";

/** Workload sequence numbers start here, above any the load uses, so a session's queue stays in append order. */
export const WORKLOAD_SEQ_BASE = 100_000_000;

/**
 * Builds publishes over a universe: retained sets (a unique prefix per write), retained deletes (empty payload) and
 * QoS 1 messages for the offline sessions, each numbered in its session's sequence. Used by the load and the workload.
 */
export class MqttPublishes {
  private readonly next = new Map<string, number>();
  private writes = 0;
  private readonly bodies: Buffer[];
  private readonly random: () => number;

  constructor(
    private readonly universe: MqttUniverse,
    private readonly caps: MqttCapabilities,
    seed: number,
    private readonly label: string,
    seqBase: number,
  ) {
    this.random = prng(deriveSeed(seed, "mqtt", label));
    this.bodies = fc.sample(payloadBytes, { seed: deriveSeed(seed, "mqtt-bodies", label), numRuns: 64 });
    for (const s of universe.sessions) this.next.set(s.clientId, seqBase);
  }

  private pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.random() * items.length)]!;
  }

  retain(topic: string): MqttPublish {
    const payload = retainedPayload(`${this.label}-${this.writes++}`, this.pick(this.bodies));
    return { topic, payload, qos: this.pick(this.caps.publishQos), retain: true, write: retainedWrite(topic, payload) };
  }

  unretain(topic: string): MqttPublish {
    const payload = Buffer.alloc(0);
    return { topic, payload, qos: this.pick(this.caps.publishQos), retain: true, write: retainedWrite(topic, payload) };
  }

  enqueue(clientId: string): MqttPublish {
    const session = this.universe.sessions.find((s) => s.clientId === clientId);
    if (!session) throw new Error(`no session ${clientId} in the universe`);
    const seq = this.next.get(clientId)!;
    this.next.set(clientId, seq + 1);
    const topic = this.pick(session.topics);
    const payload = framePayload(seq, this.pick(this.bodies));
    return { topic, payload, qos: 1, retain: false, write: queuedWrite(clientId, seq, topic, payload) };
  }

  /** A random publish on the given topics and sessions: half queued messages, a third retained sets, the rest deletes. */
  any(topics: readonly string[], sessions: readonly string[]): { kind: MqttOpKind; publish: MqttPublish } {
    const r = this.random();
    if (sessions.length > 0 && (r < 0.5 || topics.length === 0))
      return { kind: "enqueue", publish: this.enqueue(this.pick(sessions)) };
    const topic = this.pick(topics);
    return r < 0.85
      ? { kind: "retain", publish: this.retain(topic) }
      : { kind: "unretain", publish: this.unretain(topic) };
  }
}

/**
 * The drill workload: writer `w` owns the retained topics and sessions whose index ≡ w (mod writers), so each key and
 * each session's queue has one writer and its order is known (a writer waits for each acknowledgement).
 */
export class MqttWorkload implements OpSource<MqttPublish> {
  private readonly perWriter = new Map<number, MqttPublishes>();

  constructor(
    private readonly universe: MqttUniverse,
    private readonly caps: MqttCapabilities,
    private readonly seed: number,
  ) {}

  next(writer: number, writers: number): WorkloadOp<MqttPublish> {
    let publishes = this.perWriter.get(writer);
    if (!publishes) {
      publishes = new MqttPublishes(this.universe, this.caps, this.seed, `w${writer}`, WORKLOAD_SEQ_BASE);
      this.perWriter.set(writer, publishes);
    }
    const topics = this.universe.retainedTopics.filter((_, i) => i % writers === writer);
    const sessions = this.universe.sessions.filter((_, i) => i % writers === writer).map((s) => s.clientId);
    if (topics.length === 0 && sessions.length === 0)
      throw new Error(
        `writer ${writer} of ${writers} owns no topic and no session: use at most ${this.universe.sessions.length} writers`,
      );
    const { kind, publish } = publishes.any(topics, sessions);
    return { kind, keys: [publish.write.key], payload: publish };
  }
}

/** A writer whose connection is gone waits this long before each refused op, so it does not spin until stopped. */
const DISCONNECTED_PAUSE_MS = 100;

/** A writer's connection: one publish per op, its outcome mapped as client.ts says. */
export async function openMqttWorkloadClient(
  endpoint: MqttEndpoint,
  clientId: string,
  protocol: 4 | 5,
): Promise<WorkloadClient<MqttPublish>> {
  const { client } = await connectMqtt(endpoint, { clientId, protocol, persistent: false });
  const publisher = new MqttPublisher(client);
  return {
    apply: async (op) => {
      const p = op.payload;
      if (!client.connected) await new Promise((r) => setTimeout(r, DISCONNECTED_PAUSE_MS));
      await publisher.publish(p.topic, p.payload, p.qos, p.retain);
      return [p.write];
    },
    intended: async (op) => [op.payload.write],
    isDefiniteFailure,
    close: () => publisher.close(),
  };
}
