import type { MqttClient } from "mqtt";
import { EngineError } from "../../harness/engine-error.ts";
import type { PhaseProgress } from "../../harness/progress.ts";
import type { CanonicalRecord, RecordFile } from "../../harness/records.ts";
import { markerTopic, type SessionSpec } from "./generators.ts";
import { closeMqtt, connectMqtt, MqttPublisher, sessionConnect, type MqttEndpoint } from "./client.ts";
import { LIST_SEPARATOR } from "../../harness/records.ts";
import { Delivery, publishMarker, readerMarkerTopic, type DeliveryEnd, type EndRule } from "./marker.ts";
import {
  payloadPreview,
  queuedWrite,
  retainedWrite,
  seqOfPayload,
  sessionKey,
  SESSION_PRESENT,
  subscriptionWrite,
  type MqttCapabilities,
  type MqttUniverse,
} from "./model.ts";

/**
 * Reads a broker's MQTT state back in canonical form (model.ts): the retained message of every topic, then every
 * session of the universe by reconnecting as it and taking what it was holding. MQTT has no "list": once subscribed
 * (or reconnected), the reader publishes a marker to itself (marker.ts). Its arrival proves the session's subscription
 * still delivers (a `subscription/` record), and it ends the delivery: at once on a broker with a FIFO per session,
 * after a lull on others; reaching `maxMs` decides nothing. No writer may run meanwhile. Taking a session's queue
 * acknowledges it: the broker forgets those messages, so reading is destructive for queues (the session and its
 * subscription stay, the marker is taken too), unless `requeue` publishes them again.
 */
export interface ReadBackOptions {
  endpoint: MqttEndpoint;
  caps: MqttCapabilities;
  universe: MqttUniverse;
  /** Silence after its marker that ends a delivery, on a broker without a FIFO per session. */
  lullMs?: number;
  /** Silence after which a marker not arrived counts as never delivered. */
  silenceMs?: number;
  /** Bound on one delivery: reaching it throws a plain error (the drill is undecided). */
  maxMs?: number;
  /** Sessions read at once. */
  parallel?: number;
  /**
   * Publish each session's messages again, in the order read, once it is read (QoS 1, each acknowledged): the queues
   * then hold what they held, for a source that is read before an offline backup copies it.
   */
  requeue?: boolean;
}

export interface ReadBackStats {
  retained: number;
  sessionsPresent: number;
  sessionsAbsent: number;
  /** Present sessions whose marker arrived: their subscription delivers. */
  subscriptions: number;
  queued: number;
  /** Deliveries flagged DUP (redeliveries). */
  redelivered: number;
  /** How the end of the deliveries was decided, in words, for the evidence. */
  ended: string;
}

type AddRecord = (record: CanonicalRecord) => void;
type Options = Required<ReadBackOptions>;

const endRule = (opts: Options): EndRule => ({
  lullMs: opts.caps.fifoSessionQueue ? 0 : opts.lullMs,
  silenceMs: opts.silenceMs,
  maxMs: opts.maxMs,
});

/** A connection lost while its delivery is awaited decides nothing (not a lost subscription): the read throws. */
function watch(client: MqttClient, delivery: Delivery, what: string): void {
  client.on("error", () => undefined);
  client.on("close", () =>
    delivery.interrupt(new Error(`${what}: the connection closed while the read-back waited for its marker`)),
  );
}

async function readRetained(
  opts: Options,
  add: AddRecord,
  stats: ReadBackStats,
  markers: MqttPublisher,
): Promise<void> {
  const delivery = new Delivery((topic, payload, packet) => {
    // Only retained deliveries: a live publish meanwhile would be another writer, not the stored state.
    if (!packet.retain) return;
    stats.retained++;
    const w = retainedWrite(topic, payload);
    add({ key: w.key, digest: w.digest, preview: w.preview ?? "" });
  });
  const protocol = opts.caps.protocols.at(-1)!;
  const { client } = await connectMqtt(opts.endpoint, {
    clientId: `dd-reader-${process.pid}-${Date.now()}`,
    protocol,
    persistent: false,
    onMessage: delivery.listener,
  });
  watch(client, delivery, "the retained read");
  try {
    const own = readerMarkerTopic();
    // `#` matches the reader's own topic; exact topics need it subscribed last.
    const filters = opts.caps.retainedReadBack === "wildcard" ? ["#"] : [...opts.universe.retainedTopics, own];
    for (let i = 0; i < filters.length; i += 100) {
      // QoS 1, as the marker: mqtt.js emits a QoS 2 delivery only on its PUBREL, a round trip after a QoS 1 one
      // published later, so the marker would overtake retained messages sent before it.
      const granted = await client.subscribeAsync(filters.slice(i, i + 100), { qos: 1 });
      const refused = granted.filter((g) => g.qos !== 0 && g.qos !== 1 && g.qos !== 2);
      if (refused.length)
        throw new EngineError(
          `the broker refused to subscribe ${refused.map((g) => JSON.stringify(g.topic)).join(", ")} (code ${refused[0]!.qos})`,
        );
    }
    await publishMarker(markers, own, delivery.marker, "the retained read");
    const end = await delivery.end(endRule(opts), "the retained read");
    if (!end.marker)
      throw new Error(
        `the retained read: the reader's own subscription to ${own} did not deliver its marker (${opts.silenceMs} ms without a delivery): its end cannot be known`,
      );
  } finally {
    await closeMqtt(client);
  }
}

async function readSession(
  session: SessionSpec,
  opts: Options,
  add: AddRecord,
  stats: ReadBackStats,
  markers: MqttPublisher,
): Promise<void> {
  let position = 0;
  const taken: { topic: string; payload: Buffer }[] = [];
  const delivery = new Delivery((topic, payload, packet) => {
    stats.queued++;
    if (packet.dup) stats.redelivered++;
    taken.push({ topic, payload });
    const seq = seqOfPayload(payload);
    // A header that does not parse keys the record under no write's key: the oracle calls it a phantom.
    const w =
      seq === undefined
        ? {
            key: `queue/${session.clientId}${LIST_SEPARATOR}?unparsable-${position}`,
            digest: "?",
            preview: `${topic} ${payloadPreview(payload)}`,
          }
        : queuedWrite(session.clientId, seq, topic, payload);
    add({ key: w.key, digest: w.digest, preview: w.preview ?? "", position: position++ });
  });
  const { client, sessionPresent } = await connectMqtt(opts.endpoint, {
    ...sessionConnect(session),
    onMessage: delivery.listener,
  });
  watch(client, delivery, `session ${session.clientId}`);
  let end: DeliveryEnd = { marker: false };
  try {
    // A session the broker did not have is new and subscribes nothing: nothing can be queued for it.
    if (sessionPresent) {
      // Published after the CONNACK: on a FIFO per session it comes after everything the session held.
      await publishMarker(markers, markerTopic(session), delivery.marker, `session ${session.clientId}`);
      end = await delivery.end(endRule(opts), `session ${session.clientId}`);
    }
  } finally {
    await closeMqtt(client);
  }
  if (!sessionPresent) {
    stats.sessionsAbsent++;
    // Connecting created an empty session the broker did not have: remove it again.
    const { client: cleaner } = await connectMqtt(opts.endpoint, { ...sessionConnect(session), persistent: false });
    await closeMqtt(cleaner);
    return;
  }
  if (opts.requeue && taken.length) {
    if (!end.marker)
      throw new Error(
        `cannot put back the ${taken.length} message(s) read from ${session.clientId}: its subscription did not deliver the marker`,
      );
    await requeue(session, taken, opts);
  }
  stats.sessionsPresent++;
  add({
    key: sessionKey(session.clientId),
    digest: SESSION_PRESENT,
    preview: `session present, ${position} message(s) queued`,
  });
  // No record when the marker never came: the oracle counts the acknowledged subscription as lost.
  if (end.marker) {
    stats.subscriptions++;
    const w = subscriptionWrite(session.clientId, session.filter, end.qos);
    add({ key: w.key, digest: w.digest, preview: w.preview ?? "" });
  }
}

function describeEnd(opts: Options, stats: ReadBackStats): string {
  const how = opts.caps.fifoSessionQueue
    ? "each delivery ended on its own marker, published after subscribing or reconnecting (the broker keeps one FIFO per session)"
    : `each delivery ended on ${opts.lullMs} ms of silence after its own marker (the broker keeps no FIFO per session)`;
  const unmarked = stats.sessionsPresent - stats.subscriptions;
  return unmarked
    ? `${how}; ${unmarked} session(s) never delivered their marker and were read until ${opts.silenceMs} ms of silence`
    : how;
}

/** Publishes a session's messages again in order on one connection, each acknowledged, or throws. */
async function requeue(
  session: SessionSpec,
  messages: { topic: string; payload: Buffer }[],
  opts: Options,
): Promise<void> {
  const { client } = await connectMqtt(opts.endpoint, {
    clientId: `dd-requeue-${process.pid}-${session.clientId}`,
    protocol: opts.caps.protocols.at(-1)!,
    persistent: false,
  });
  const publisher = new MqttPublisher(client);
  try {
    for (const m of messages) await publisher.publish(m.topic, m.payload, 1, false);
  } catch (err) {
    throw new Error(
      `putting back the ${messages.length} message(s) read from ${session.clientId} failed: ${err instanceof Error ? err.message : String(err)}`,
    );
  } finally {
    await publisher.close();
  }
}

export async function readMqttState(
  options: ReadBackOptions,
  into: RecordFile,
  progress?: PhaseProgress,
): Promise<ReadBackStats> {
  const opts: Options = { lullMs: 5_000, silenceMs: 15_000, maxMs: 180_000, parallel: 4, requeue: false, ...options };
  const stats: ReadBackStats = {
    retained: 0,
    sessionsPresent: 0,
    sessionsAbsent: 0,
    subscriptions: 0,
    queued: 0,
    redelivered: 0,
    ended: "",
  };
  // Deliveries of several connections arrive interleaved: one chain keeps the file's writes in order.
  let written: Promise<void> = Promise.resolve();
  const add: AddRecord = (r) => void (written = written.then(() => into.add(r)));
  const { client } = await connectMqtt(opts.endpoint, {
    clientId: `dd-marker-${process.pid}-${Date.now()}`,
    protocol: opts.caps.protocols.at(-1)!,
    persistent: false,
  });
  const markers = new MqttPublisher(client);
  try {
    await readRetained(opts, add, stats, markers);
    progress?.update({ retained: stats.retained });
    const queue = [...opts.universe.sessions];
    const worker = async () => {
      for (let s = queue.shift(); s; s = queue.shift()) {
        await readSession(s, opts, add, stats, markers).catch((err: unknown) => {
          queue.length = 0; // the others finish the session at hand and stop
          throw err;
        });
        progress?.update({
          retained: stats.retained,
          sessions: stats.sessionsPresent,
          subscriptions: stats.subscriptions,
          queued: stats.queued,
        });
      }
    };
    const failed = (
      await Promise.allSettled(Array.from({ length: Math.min(opts.parallel, queue.length) }, worker))
    ).find((r) => r.status === "rejected");
    if (failed) throw failed.reason;
  } finally {
    await markers.close();
  }
  await written;
  stats.ended = describeEnd(opts, stats);
  return stats;
}
